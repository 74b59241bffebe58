"""The annual review's messages: the monthly risk reminder and HR digest, and HR's one-click reminder.

Registered in ``ReviewConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from notifications import reminders
from notifications.kinds import EventKind, Group

REVIEW_RISK = "review_risk"
REVIEW_DIGEST = "review_digest"
REVIEW_NUDGE = "review_nudge"


def _render_digest(ctx: Mapping) -> tuple[str, str]:
    return _("%(year)s 年执法证年审风险月报") % ctx, ctx["summary"]


KINDS = (
    EventKind(
        code=REVIEW_RISK,
        name=gettext_lazy("执法证年审风险提醒"),
        audience=gettext_lazy("持执法证的本人，每月 15 日年审有风险时"),
        group=Group.REVIEW,
        title=gettext_lazy("执法证年审提醒：%(year)s 年度尚未达到要求"),
        body=gettext_lazy(
            "您持有行政执法证，%(year)s 年度年审要求完成年度学时并通过年度学法考试。目前：%(reasons)s。"
            "请打开“我的达标路径”，查看还差什么以及可以参加的课程、考试和培训。"
        ),
        email=True,
        order=10,
    ),
    EventKind(
        code=REVIEW_NUDGE,
        name=gettext_lazy("人事督促提醒"),
        audience=gettext_lazy("持执法证的本人，人事/合规专员在年审风险名单上一键提醒时"),
        group=Group.REVIEW,
        title=gettext_lazy("%(unit)s提醒您：请尽快完成 %(year)s 年度执法证年审要求"),
        body=gettext_lazy(
            "%(officer)s（%(unit)s）提醒您：您的 %(year)s 年度执法证年审目前有风险：%(reasons)s。"
            "请打开“我的达标路径”，按提示完成课程、考试或培训。"
        ),
        email=True,
        sms=True,
        order=20,
    ),
    EventKind(
        code=REVIEW_DIGEST,
        name=gettext_lazy("年审风险月报"),
        audience=gettext_lazy("人事/合规专员，每月 15 日，管辖范围内年审有风险的人员"),
        group=Group.HR,
        render=_render_digest,
        email=True,
        roles=frozenset({Role.HR}),
        order=20,
    ),
)


def _run_monthly(*, now) -> dict:
    from core import timeutil
    from review.services.reminders import send_review_reminders

    result = send_review_reminders(today=timeutil.local_date(now))
    return {"notified": result["risk_notified"] + result["digests"], **result}


REMINDERS = (
    reminders.Reminder(
        name="review.risk",
        label="执法证年审风险月度提醒",
        run=_run_monthly,
        kinds=(REVIEW_RISK, REVIEW_DIGEST),
        order=60,
    ),
)
