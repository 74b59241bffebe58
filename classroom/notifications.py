"""The classroom's messages: a session tomorrow (with its venue) and an attendance recorded (with its hours).

Registered in ``ClassroomConfig.ready``. The attendance message says the hours the
attendance credited, so the ledger does not announce those credits a second time
(``learning.notifications.register_announced_source``); a reversal (an attendance
removed) is still announced by the ledger, with its reason.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from classroom.models import Attendance, TrainingSession
from classroom.selectors.sessions import audience_queryset
from core import timeutil
from learning.templatetags.hours import format_hours
from notifications import reminders
from notifications.kinds import EventKind, Group
from notifications.services.events import RECIPIENT_FIELDS, in_site_language, send_event

SESSION_TOMORROW = "session_tomorrow"
ATTENDANCE = "attendance"

KINDS = (
    EventKind(
        code=SESSION_TOMORROW,
        name=gettext_lazy("明日培训提醒"),
        audience=gettext_lazy("参训人员，培训前一天下午（含时间和地点）"),
        group=Group.SESSIONS,
        title=gettext_lazy("明日培训：%(session)s"),
        body=gettext_lazy(
            "“%(session)s”将于 %(time)s 在 %(venue)s 举行，计 %(hours)s 学时。请按时参加，现场扫码签到。"
        ),
        email=True,
        sms=True,
        order=10,
    ),
    EventKind(
        code=ATTENDANCE,
        name=gettext_lazy("签到与出勤"),
        audience=gettext_lazy("本人，培训签到或组织者登记出勤时"),
        group=Group.SESSIONS,
        title=gettext_lazy("出勤已记录：%(session)s"),
        body=gettext_lazy("您参加“%(session)s”（%(time)s）的出勤已记录（%(method)s），记入 %(hours)s 学时。"),
        digest=True,
        order=20,
    ),
)


def _time(session: TrainingSession) -> str:
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}" if start.date() == end.date() else f"{start:%Y-%m-%d %H:%M}"


def _session_context(session: TrainingSession) -> dict:
    return {
        "session": session.title,
        "time": _time(session),
        "venue": session.venue or _("（地点另行通知）"),
        "hours": format_hours(session.hours),
    }


@in_site_language
def remind_tomorrow(*, now: dt.datetime) -> dict:
    """The afternoon before: everyone in the audience of each session that starts tomorrow (once per session)."""
    tomorrow = timeutil.local_date(now) + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time.min), timeutil.LEDGER_TZ)
    sessions = list(
        TrainingSession.objects.filter(
            status=TrainingSession.Status.SCHEDULED,
            starts_at__gte=start,
            starts_at__lt=start + dt.timedelta(days=1),
        ).order_by("starts_at", "pk")
    )
    told = 0
    for session in sessions:
        people = audience_queryset(session).filter(is_active=True).only(*RECIPIENT_FIELDS)
        sent = send_event(
            SESSION_TOMORROW,
            people.iterator(chunk_size=2000),
            context=_session_context(session),
            url=reverse("classroom:sessions_mine"),
            dedupe_key=f"session:{session.pk}:tomorrow",
        )
        told += sent.created
    return {"sessions": len(sessions), "notified": told}


@in_site_language
def announce_attendance(attendance: Attendance, session: TrainingSession, user) -> None:
    """A new attendance, after its transaction commits (a QR check-in, a tick by the organiser, an import)."""
    context = {**_session_context(session), "method": attendance.get_method_display()}
    pk = attendance.pk

    def send() -> None:
        send_event(
            ATTENDANCE,
            [user],
            context=context,
            url=reverse("classroom:sessions_mine"),
            dedupe_key=f"attendance:{pk}",
        )

    transaction.on_commit(send, robust=True)


REMINDERS = (
    reminders.Reminder(
        name="classroom.tomorrow",
        label="明日培训提醒",
        run=remind_tomorrow,
        kinds=(SESSION_TOMORROW,),
        schedule={"minute": "0", "hour": "15"},
        description="每天 15:00 提醒明天举行的培训的参训人员（含时间和地点）。",
        order=30,
    ),
)
