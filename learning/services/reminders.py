"""Monthly reminders: officials behind the calendar's pace, and a digest for each HR officer.

Sent as events (``learning.notifications``: ``pace`` and ``digest``) with a dedupe key
per month, and mailed (or texted, as each person chose) in the same task: each message
records when its e-mail went out, so a re-run task (acks_late redelivery, a manual
re-run after the mail server failed) mails what was not sent yet and nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import ROLE_GROUP_NAMES, Role, User
from core import timeutil
from learning.notifications import PACE, PACE_DIGEST
from learning.selectors import compliance as sel
from notifications.services.delivery import deliver_event
from notifications.services.events import send_event

DIGEST_NAMES = 20


def _fmt(value) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.2f}"


def _behind_context(person) -> dict:
    return {"hours": _fmt(person.hours), "pace": _fmt(person.pace), "required": _fmt(person.required)}


def remind_behind(*, today: dt.date, rules: sel.YearRules) -> tuple[int, int]:
    """Notify everyone behind pace; returns (new in-site messages, e-mails sent)."""
    year = today.year
    people = sel.with_status(sel.filtered_people(None, None, rules, status="behind").iterator(chunk_size=2000), rules)
    key = f"pace-{today:%Y-%m}"
    sent = send_event(
        PACE,
        ((p, _behind_context(p)) for p in people),
        context={"year": year},
        url=f"{reverse('learning:my_hours')}?year={year}",
        dedupe_key=key,
        deliver=False,
    )
    return sent.created, deliver_event(dedupe_key=key).email


def _digest_context(officer: User, rules: sel.YearRules, year: int) -> dict | None:
    unit = sel.resolve_unit(officer, "")
    roll = sel.rollup(officer, unit, rules, sel.row_units_for(officer, unit))
    totals = roll.totals
    if not totals.headcount:
        return None
    behind = list(sel.filtered_people(officer, unit, rules, status="behind", sort="hours")[:DIGEST_NAMES])
    lines = [
        _(
            "%(year)s 年截至 %(date)s：应参训 %(n)s 人，已达标 %(ok)s 人（%(share)s%%），人均 %(avg)s 学时，进度落后 %(behind)s 人。"
        )
        % {
            "year": year,
            "date": rules.today,
            "n": totals.headcount,
            "ok": totals.compliant,
            "share": totals.share,
            "avg": _fmt(totals.average),
            "behind": totals.behind,
        },
        "",
    ]
    for row in roll.rows:
        if row.headcount:
            lines.append(
                _("· %(unit)s：%(n)s 人，达标 %(share)s%%，落后 %(behind)s 人")
                % {"unit": row.label, "n": row.headcount, "share": row.share, "behind": row.behind}
            )
    if behind:
        lines += ["", _("进度落后人员（学时最少的 %(k)s 人）：") % {"k": len(behind)}]
        lines += [
            f"· {p.full_name}（{p.employee_no}）{p.org_unit.name} {_fmt(p.hours)} / {_fmt(p.pace)}" for p in behind
        ]
    query = f"?year={year}" + (f"&unit={unit.code}" if unit else "")
    return {"summary": "\n".join(lines), "url": f"{reverse('learning:compliance')}{query}"}


def send_hr_digests(*, today: dt.date, rules: sel.YearRules) -> tuple[int, int]:
    year = today.year
    officers = User.objects.filter(is_active=True, groups__name=ROLE_GROUP_NAMES[Role.HR]).distinct().order_by("pk")
    pairs = []
    for officer in officers:
        context = _digest_context(officer, rules, year)
        if context is not None:
            pairs.append((officer, context))
    key = f"digest-{today:%Y-%m}"
    sent = send_event(PACE_DIGEST, pairs, context={"year": year}, dedupe_key=key, deliver=False)
    return sent.created, deliver_event(dedupe_key=key).email


def send_monthly_reminders(*, today: dt.date | None = None) -> dict:
    """Run both reminders for ``today``'s year. In January nobody can be meaningfully behind yet."""
    today = today or timeutil.today()
    if today.month == 1:
        return {"behind_notified": 0, "behind_emailed": 0, "digests": 0, "digest_emailed": 0}
    rules = sel.year_rules(today.year, today)
    notified, mailed = remind_behind(today=today, rules=rules)
    digests, digest_mails = send_hr_digests(today=today, rules=rules)
    return {"behind_notified": notified, "behind_emailed": mailed, "digests": digests, "digest_emailed": digest_mails}
