"""The ledger's messages: hours credited, hours adjusted or reversed (with the reason), the monthly pace reminders.

Registered in ``LearningConfig.ready``. Every committed posting is announced to its
person (``hours_posted`` → ``announce_entry``), except credits whose own app tells the
person in its words (the classroom's attendance message says the hours too): those
apps name their source kinds with ``register_announced_source``.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from learning.models import LedgerEntry, SourceKind
from learning.selectors.ledger import category_names
from learning.templatetags.hours import format_hours
from notifications import reminders
from notifications.kinds import EventKind, Group, register
from notifications.services.events import in_site_language, send_event

HOURS_CREDITED = "hours_credited"
HOURS_CHANGED = "hours_changed"
PACE = "pace"
PACE_DIGEST = "digest"

#: Source kinds whose credits another app announces itself (``register_announced_source``).
_ANNOUNCED_ELSEWHERE: set[str] = set()


def register_announced_source(*source_kinds: str) -> None:
    """The caller's app tells people about credits of these source kinds itself; the ledger stays quiet about them."""
    unknown = set(source_kinds) - set(SourceKind.values)
    if unknown:
        raise ValueError(f"unknown source kinds {sorted(unknown)}")
    _ANNOUNCED_ELSEWHERE.update(source_kinds)


def _render_changed(ctx: Mapping) -> tuple[str, str]:
    if ctx["reversal"]:
        return (
            _("学时冲销：%(source)s（减少 %(hours)s 学时）") % ctx,
            _(
                "您 %(year)s 年度的一条学时记录已被冲销：%(source)s，减少 %(hours)s 学时（%(category)s）。原因：%(reason)s"
            )
            % ctx,
        )
    return (
        _("人工调整学时：增加 %(hours)s 学时") % ctx,
        _("%(actor)s 为您记入 %(hours)s 学时（%(category)s，%(year)s 年度）：%(source)s。原因：%(reason)s") % ctx,
    )


def _render_digest(ctx: Mapping) -> tuple[str, str]:
    return _("%(year)s 年学时进度月报") % ctx, ctx["summary"]


KINDS = (
    EventKind(
        code=HOURS_CREDITED,
        name=gettext_lazy("学时入账"),
        audience=gettext_lazy("本人，完成课程、通过考试、授课等记入学时时"),
        group=Group.HOURS,
        title=gettext_lazy("已记入 %(hours)s 学时：%(source)s"),
        body=gettext_lazy("%(kind)s“%(source)s”记入 %(hours)s 学时（%(category)s，%(year)s 年度）。"),
        digest=True,
        order=10,
    ),
    EventKind(
        code=HOURS_CHANGED,
        name=gettext_lazy("学时调整与冲销"),
        audience=gettext_lazy("本人，人事专员调整或冲销学时时（附原因）"),
        group=Group.HOURS,
        render=_render_changed,
        email=True,
        order=20,
    ),
    EventKind(
        code=PACE,
        name=gettext_lazy("学时进度提醒"),
        audience=gettext_lazy("本人，每月 1 日学时低于日历进度时"),
        group=Group.HOURS,
        title=gettext_lazy("学时进度提醒：%(year)s 年学时进度落后"),
        body=gettext_lazy(
            "您 %(year)s 年已完成 %(hours)s 学时，按日历进度目前应达到 %(pace)s 学时（全年要求 %(required)s 学时）。"
            "请尽快安排在线课程或参加面授培训。"
        ),
        email=True,
        order=30,
    ),
    EventKind(
        code=PACE_DIGEST,
        name=gettext_lazy("学时进度月报"),
        audience=gettext_lazy("人事/合规专员，每月 1 日，管辖范围内的达标情况和落后人员"),
        group=Group.HR,
        render=_render_digest,
        email=True,
        roles=frozenset({Role.HR}),
        order=10,
    ),
)


@in_site_language
def announce_entry(sender, entry: LedgerEntry, **kwargs) -> None:
    """``hours_posted`` receiver: tell the person about a committed credit, adjustment or reversal (once per entry)."""
    reversal = entry.reverses_id is not None
    manual = entry.source_kind == SourceKind.MANUAL
    if not reversal and not manual and entry.source_kind in _ANNOUNCED_ELSEWHERE:
        return
    context = {
        "hours": format_hours(abs(entry.hours)),
        "source": entry.source_ref,
        "kind": SourceKind(entry.source_kind).label,
        "category": category_names().get(entry.category_id, entry.category_id),
        "year": entry.year,
        "reason": entry.note or _("未填写"),
        "reversal": reversal,
        "actor": entry.recorded_by.full_name if entry.recorded_by_id else _("系统"),
    }
    send_event(
        HOURS_CHANGED if reversal or manual else HOURS_CREDITED,
        [entry.user],
        context=context,
        url=f"{reverse('learning:my_hours')}?year={entry.year}",
        dedupe_key=f"ledger:{entry.pk}",
    )


def _run_monthly(*, now) -> dict:
    from core import timeutil
    from learning.services.reminders import send_monthly_reminders

    result = send_monthly_reminders(today=timeutil.local_date(now))
    return {"notified": result["behind_notified"] + result["digests"], **result}


REMINDERS = (
    reminders.Reminder(
        name="learning.pace",
        label="学时进度月度提醒",
        run=_run_monthly,
        kinds=(PACE, PACE_DIGEST),
        order=10,
    ),
)


def connect() -> None:
    from learning.signals import hours_posted

    register(*KINDS)
    reminders.register(*REMINDERS)
    hours_posted.connect(announce_entry, dispatch_uid="learning_announce_entry")
