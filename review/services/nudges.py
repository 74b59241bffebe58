"""HR's one-click reminder (一键提醒) to everyone on the at-risk list, as the page's filters show it.

* Scope: the list is ``review.selectors.review.at_risk_people`` for the officer, the unit
  and the filters of the page (the scope rule inside it), computed again when sending.
* Rate limits: a person is reminded at most once in ``REVIEW_NUDGE_PERSON_DAYS`` days,
  whoever pressed the button (the others on the list still get it); an officer may press it
  once in ``REVIEW_NUDGE_OFFICER_MINUTES`` minutes (presses are serialised by a row lock
  on the officer, and counted from the audit log, which every press writes).
* Audit: one ``AuditLog`` row per press (``review.risk_nudge``), naming the scope, the
  filters and how many were reminded.
* Size: a list longer than ``REVIEW_NUDGE_JOB_PEOPLE`` is sent by a background job
  (``jobs``), in chunks whose events share one dedupe key, so a chunk run twice tells
  nobody twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import record
from accounts.models import AuditLog, OrgUnit, User
from core import timeutil
from jobs.models import Job
from jobs.registry import JobKind, Plan
from jobs.services import start_job
from learning.selectors import compliance as sel
from learning.selectors.ledger import category_names
from notifications.models import Notification
from notifications.services.events import in_site_language, send_event
from review.notifications import REVIEW_NUDGE
from review.selectors.review import RiskList, at_risk_people, review_rule, risk_reasons

AUDIT_ACTION = "review.risk_nudge"
JOB_KIND = "review.risk_nudge"
#: People per job chunk (one event send each).
CHUNK_PEOPLE = 500


class NudgeError(Exception):
    """A reminder that cannot be sent now; the message says why."""


@dataclass(frozen=True)
class NudgeResult:
    #: Reminded now (0 when a job sends them).
    sent: int
    #: Left out: reminded within the last days.
    skipped: int
    job: Job | None = None
    #: How many the job will remind.
    queued: int = 0


def person_days() -> int:
    return settings.REVIEW_NUDGE_PERSON_DAYS


def officer_minutes() -> int:
    return settings.REVIEW_NUDGE_OFFICER_MINUTES


def last_press(officer: User, *, now: dt.datetime | None = None) -> AuditLog | None:
    """The officer's press within the last ``REVIEW_NUDGE_OFFICER_MINUTES``, if any (the page says when the next may be)."""
    now = now or timezone.now()
    since = now - dt.timedelta(minutes=officer_minutes())
    return AuditLog.objects.filter(action=AUDIT_ACTION, actor=officer, at__gt=since).order_by("-at").first()


def next_press_at(press: AuditLog) -> dt.datetime:
    return press.at + dt.timedelta(minutes=officer_minutes())


def _recently_reminded(now: dt.datetime):
    since = now - dt.timedelta(days=person_days())
    return Notification.objects.filter(kind=REVIEW_NUDGE, created_at__gt=since).values("user_id")


def _risk_list(officer: User, unit: OrgUnit | None, params: dict, year: int, now: dt.datetime) -> tuple:
    rules = sel.year_rules(year)
    risk = at_risk_people(officer, unit, rules, review_rule(year), now=now, risk=params["risk"], search=params["q"])
    return rules, risk


@in_site_language
def _send(officer: User, people, rules, risk: RiskList, *, key: str) -> int:
    names = category_names()
    pairs = [
        (person, {"reasons": "；".join(risk_reasons(person, rules, risk, names)) or _("学时或年度考试尚未达到要求")})
        for person in people
    ]
    unit = officer.org_unit.name if officer.org_unit_id else _("人事部门")
    sent = send_event(
        REVIEW_NUDGE,
        pairs,
        context={"year": rules.year, "officer": officer.full_name, "unit": unit},
        url=reverse("learning:my_path"),
        dedupe_key=key,
    )
    return sent.created


def nudge_at_risk(*, officer: User, unit: OrgUnit | None, params: dict, now: dt.datetime | None = None) -> NudgeResult:
    """Remind everyone the officer's at-risk list shows (``params``: ``risk`` and ``q`` of the page).

    ``unit`` was resolved through the scope rule by the caller (``resolve_unit``).
    Raises ``NudgeError`` (nothing sent, nothing audited) when the officer pressed
    within the hour or nobody on the list is due.
    """
    now = now or timezone.now()
    year = timeutil.local_date(now).year
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=officer.pk).first()  # one press of this officer at a time
        press = last_press(officer, now=now)
        if press is not None:
            raise NudgeError(
                _("您已于 %(at)s 发送过一次提醒；每位专员每 %(minutes)s 分钟只能发送一次，请在 %(next)s 之后再试。")
                % {
                    "at": timezone.localtime(press.at).strftime("%H:%M"),
                    "minutes": officer_minutes(),
                    "next": timezone.localtime(next_press_at(press)).strftime("%H:%M"),
                }
            )
        rules, risk = _risk_list(officer, unit, params, year, now)
        listed = risk.count()
        due = risk.people.exclude(pk__in=_recently_reminded(now))
        count = due.count()
        if not count:
            if not listed:
                raise NudgeError(_("当前名单中没有年审有风险的人员，没有发送提醒。"))
            raise NudgeError(
                _("当前名单中的 %(n)s 人在 %(days)s 天内都已提醒过，没有发送提醒。")
                % {"n": listed, "days": person_days()}
            )
        scope = unit.full_path if unit else _("全部管辖范围")
        summary = _("年审风险一键提醒：%(scope)s，%(n)s 人（%(days)s 天内已提醒的 %(skipped)s 人未重复提醒）") % {
            "scope": scope,
            "n": count,
            "days": person_days(),
            "skipped": listed - count,
        }
        details = {
            "year": year,
            "unit": unit.code if unit else "",
            "risk": params["risk"],
            "q": params["q"],
            "listed": listed,
            "reminded": count,
        }
        if count > settings.REVIEW_NUDGE_JOB_PEOPLE:
            job = start_job(
                kind=JOB_KIND,
                requested_by=officer,
                parameters={"year": year, "risk": params["risk"], "q": params["q"], "at": now.isoformat()},
                scope_unit=unit,
                scope_label=f"{year} · {scope}",
                audit_action=AUDIT_ACTION,
                audit_summary=summary,
                audit_details=details,
            )
            return NudgeResult(sent=0, skipped=listed - count, job=job, queued=count)
        entry = record(actor=officer, action=AUDIT_ACTION, summary=summary, details=details)
        sent = _send(officer, list(due), rules, risk, key=f"review_nudge:{entry.pk}")
    return NudgeResult(sent=sent, skipped=listed - count)


# --- the background job for long lists ------------------------------------------------------


def _job_params(job: Job) -> dict:
    return {"risk": job.parameters.get("risk", ""), "q": job.parameters.get("q", "")}


def _plan(job: Job) -> Plan:
    """Who is due, fixed when the job starts: the officer's list (scope rule) minus those reminded lately."""
    now = timezone.now()
    _rules, risk = _risk_list(job.requested_by, job.scope_unit, _job_params(job), job.parameters["year"], now)
    ids = list(risk.people.exclude(pk__in=_recently_reminded(now)).values_list("pk", flat=True))
    chunks = [
        {"ids": ids[start : start + CHUNK_PEOPLE], "size": len(ids[start : start + CHUNK_PEOPLE])}
        for start in range(0, len(ids), CHUNK_PEOPLE)
    ]
    return Plan(chunks=chunks)


def _run_chunk(job: Job, index: int, chunk: dict) -> int:
    officer = job.requested_by
    rules, risk = _risk_list(officer, job.scope_unit, _job_params(job), job.parameters["year"], timezone.now())
    people = risk.people.filter(pk__in=chunk["ids"])  # still in the officer's scope, still at risk
    return _send(officer, people, rules, risk, key=f"review_nudge:job:{job.pk}")


def _back(job: Job) -> str:
    params = {"unit": job.scope_unit.code if job.scope_unit_id else "", **_job_params(job)}
    query = urlencode({key: value for key, value in params.items() if value})
    return reverse("review:review_risk") + (f"?{query}" if query else "")


def _summary(job: Job) -> str:
    return _("已向 %(n)s 名年审有风险的人员发送提醒。") % {"n": job.done}


RISK_NUDGE = JobKind(
    name=JOB_KIND,
    label=gettext_lazy("年审风险一键提醒"),
    unit_label=gettext_lazy("人"),
    download_label=gettext_lazy("下载"),
    plan=_plan,
    run_chunk=_run_chunk,
    finish=lambda job: None,
    back_url=_back,
    summary=_summary,
)
