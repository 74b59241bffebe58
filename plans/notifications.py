"""The study plans' message: two weeks before a plan's deadline, everyone who has not finished it.

Registered in ``PlansConfig.ready``; run daily by ``notifications.reminders``. A plan whose
deadline is 1–14 days away is announced once per deadline (``plan:{id}:due:{date}``), so a
missed day still reminds, a plan created ten days before its deadline reminds at once,
and a moved deadline reminds again.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext_lazy

from core import timeutil
from notifications import reminders
from notifications.kinds import EventKind, Group
from notifications.services.events import RECIPIENT_FIELDS, in_site_language, send_event
from plans.models import StudyPlan
from plans.selectors.plans import people_not_done

PLAN_DEADLINE = "plan_deadline"
#: How long before the deadline the reminder goes out.
AHEAD = dt.timedelta(days=14)

KINDS = (
    EventKind(
        code=PLAN_DEADLINE,
        name=gettext_lazy("学法清单到期提醒"),
        audience=gettext_lazy("尚未完成学法清单的人员，截止前两周"),
        group=Group.PLANS,
        title=gettext_lazy("学法清单即将到期：%(plan)s"),
        body=gettext_lazy("“%(plan)s”的完成期限是 %(due)s（还有 %(days)s 天），您还有未完成的课程或考试，请尽快完成。"),
        email=True,
        order=10,
    ),
)


@in_site_language
def remind_deadlines(*, now: dt.datetime) -> dict:
    today = timeutil.local_date(now)
    plans = StudyPlan.objects.filter(due_on__gt=today, due_on__lte=today + AHEAD).prefetch_related("items")
    told = 0
    count = 0
    for plan in plans:
        count += 1
        sent = send_event(
            PLAN_DEADLINE,
            people_not_done(plan).only(*RECIPIENT_FIELDS).iterator(chunk_size=2000),
            context={"plan": plan.title, "due": plan.due_on.isoformat(), "days": (plan.due_on - today).days},
            url=reverse("plans:my_plans"),
            dedupe_key=f"plan:{plan.pk}:due:{plan.due_on:%Y%m%d}",
        )
        told += sent.created
    return {"plans": count, "notified": told}


REMINDERS = (
    reminders.Reminder(
        name="plans.deadline",
        label="学法清单到期提醒",
        run=remind_deadlines,
        kinds=(PLAN_DEADLINE,),
        schedule={"minute": "0", "hour": "9"},
        description="每天 9:00 提醒两周内到期的学法清单中尚未完成的人员。",
        order=40,
    ),
)
