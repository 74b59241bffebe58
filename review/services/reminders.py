"""Monthly review reminders: credential holders at risk of failing this year's 年审, and a digest for HR.

Sent as events (``review.notifications``: ``review_risk`` and ``review_digest``) with a
per-month dedupe key and delivered in the same task (``notifications.services.delivery``,
each message's e-mail recorded once sent), so a re-run task sends what was not sent yet
and nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import ROLE_GROUP_NAMES, Role, User
from core import timeutil
from learning.selectors import compliance as sel
from learning.selectors.ledger import category_names
from notifications.services.delivery import deliver_event
from notifications.services.events import send_event
from review.notifications import REVIEW_DIGEST, REVIEW_RISK
from review.selectors.review import ReviewRule, at_risk_people, review_rule, risk_counts, risk_reasons

DIGEST_NAMES = 20


def remind_at_risk(*, today: dt.date, rules: sel.YearRules, rule: ReviewRule) -> tuple[int, int]:
    """Notify every holder at risk; returns (new in-site messages, e-mails sent)."""
    risk = at_risk_people(None, None, rules, rule)
    names = category_names()
    pairs = []
    for person in risk.people.iterator(chunk_size=2000):
        reasons = risk_reasons(person, rules, risk, names)
        if reasons:
            pairs.append((person, {"reasons": "；".join(reasons)}))
    key = f"review-risk-{today:%Y-%m}"
    sent = send_event(
        REVIEW_RISK,
        pairs,
        context={"year": rules.year},
        url=reverse("learning:my_path"),
        dedupe_key=key,
        deliver=False,
    )
    return sent.created, deliver_event(dedupe_key=key).email


def _digest_context(officer: User, rules: sel.YearRules, rule: ReviewRule, names: dict[str, str]) -> dict | None:
    unit = sel.resolve_unit(officer, "")
    risk = at_risk_people(officer, unit, rules, rule)
    totals, rows = risk_counts(officer, unit, risk)
    if not totals.holders:
        return None
    lines = [
        _("%(year)s 年截至 %(date)s：持执法证 %(n)s 人，年审有风险 %(risk)s 人。")
        % {"year": rules.year, "date": rules.today, "n": totals.holders, "risk": totals.at_risk},
        "",
    ]
    lines += [
        _("· %(unit)s：持证 %(n)s 人，有风险 %(risk)s 人") % {"unit": row.label, "n": row.holders, "risk": row.at_risk}
        for row in rows
        if row.holders
    ]
    people = list(risk.people[:DIGEST_NAMES])
    if people:
        lines += ["", _("有风险人员（学时最少的 %(k)s 人）：") % {"k": len(people)}]
        lines += [
            f"· {p.full_name}（{p.employee_no}）{p.org_unit.name}：{'；'.join(risk_reasons(p, rules, risk, names))}"
            for p in people
        ]
    query = f"?unit={unit.code}" if unit else ""
    return {"summary": "\n".join(lines), "url": f"{reverse('review:review_risk')}{query}"}


def send_review_digests(*, today: dt.date, rules: sel.YearRules, rule: ReviewRule) -> tuple[int, int]:
    officers = User.objects.filter(is_active=True, groups__name=ROLE_GROUP_NAMES[Role.HR]).distinct().order_by("pk")
    names = category_names()
    pairs = []
    for officer in officers:
        context = _digest_context(officer, rules, rule, names)
        if context is not None:
            pairs.append((officer, context))
    key = f"review-digest-{today:%Y-%m}"
    sent = send_event(REVIEW_DIGEST, pairs, context={"year": rules.year}, dedupe_key=key, deliver=False)
    return sent.created, deliver_event(dedupe_key=key).email


def send_review_reminders(*, today: dt.date | None = None) -> dict:
    """Both reminders for ``today``'s year; in January nobody can meaningfully be at risk yet."""
    today = today or timeutil.today()
    if today.month == 1:
        return {"risk_notified": 0, "risk_emailed": 0, "digests": 0, "digest_emailed": 0}
    rules = sel.year_rules(today.year, today)
    rule = review_rule(today.year)
    notified, mailed = remind_at_risk(today=today, rules=rules, rule=rule)
    digests, digest_mails = send_review_digests(today=today, rules=rules, rule=rule)
    return {"risk_notified": notified, "risk_emailed": mailed, "digests": digests, "digest_emailed": digest_mails}
