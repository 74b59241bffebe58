"""The one way hours enter the ledger (see LEDGER_CONTRACT in the docs).

Every credit carries a ``source_key`` that is unique in the database, so a
retry, a double click, a re-run task or two concurrent requests for the same
activity land exactly once: the loser of a race hits the unique index inside a
savepoint and gets the winner's row back with ``created=False``.

Balances are moved with ``F()`` increments in the same transaction as the
entry, never with read-modify-write, so concurrent credits for one person
cannot lose an update.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.audit import record
from accounts.models import Role
from accounts.scope import can_view_person
from core import timeutil
from learning.models import (
    DEFAULT_CATEGORIES,
    HourCategory,
    LedgerEntry,
    PersonYearBalance,
    PersonYearCategoryBalance,
    SourceKind,
)
from learning.signals import hours_posted

HUNDREDTH = Decimal("0.01")
MAX_HOURS = Decimal("10000")


class LedgerError(Exception):
    """A posting that cannot be made; the message is for the person who asked."""


@dataclass(frozen=True)
class PostResult:
    entry: LedgerEntry
    created: bool


def ensure_default_categories() -> None:
    """Create 法律知识 / 业务知识 / 其他 if they are missing (idempotent)."""
    for code, name, order in DEFAULT_CATEGORIES:
        HourCategory.objects.get_or_create(code=code, defaults={"name": name, "order": order})


def _category_code(category) -> str:
    code = category.code if isinstance(category, HourCategory) else str(category or "").strip()
    if HourCategory.objects.filter(code=code).exists():
        return code
    if code in {c for c, _name, _order in DEFAULT_CATEGORIES}:
        ensure_default_categories()
        return code
    raise LedgerError(_("未知的学时类别“%(code)s”。") % {"code": code})


def _clean_hours(hours) -> Decimal:
    try:
        value = Decimal(str(hours)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        raise LedgerError(_("学时“%(hours)s”不是有效的数字。") % {"hours": hours})
    if value <= 0:
        raise LedgerError(_("学时必须大于 0。"))
    if value >= MAX_HOURS:
        raise LedgerError(_("学时“%(hours)s”过大。") % {"hours": value})
    return value


def _apply_to_balances(*, user_id: int, year: int, category_code: str, hours: Decimal) -> None:
    """Add ``hours`` (may be negative) to the person's year and category balances."""
    PersonYearBalance.objects.bulk_create([PersonYearBalance(user_id=user_id, year=year)], ignore_conflicts=True)
    PersonYearBalance.objects.filter(user_id=user_id, year=year).update(total_hours=F("total_hours") + hours)
    PersonYearCategoryBalance.objects.bulk_create(
        [PersonYearCategoryBalance(user_id=user_id, year=year, category_id=category_code)], ignore_conflicts=True
    )
    PersonYearCategoryBalance.objects.filter(user_id=user_id, year=year, category_id=category_code).update(
        hours=F("hours") + hours
    )


def _announce(entry: LedgerEntry) -> None:
    transaction.on_commit(lambda: hours_posted.send(sender=LedgerEntry, entry=entry))


def _insert(entry: LedgerEntry) -> bool:
    """Insert inside a savepoint; False when the source key already exists."""
    try:
        with transaction.atomic():
            entry.save(force_insert=True)
    except IntegrityError:
        if LedgerEntry.objects.filter(source_key=entry.source_key).exists():
            return False
        raise
    return True


def post_credit(
    *,
    user,
    hours,
    category,
    source_kind: str,
    source_key: str,
    source_ref: str,
    source_url: str = "",
    earned_on: dt.date | None = None,
    recorded_by=None,
    note: str = "",
) -> PostResult:
    """Credit ``hours`` to ``user`` once per ``source_key``.

    Returns the existing entry with ``created=False`` when the key was already
    credited, whatever the other arguments say: the first credit wins.
    """
    source_key = (source_key or "").strip()
    if not source_key:
        raise LedgerError(_("缺少来源键。"))
    if source_kind not in SourceKind.values:
        raise LedgerError(_("未知的来源类型“%(kind)s”。") % {"kind": source_kind})
    existing = LedgerEntry.objects.filter(source_key=source_key).first()
    if existing is not None:
        return PostResult(existing, False)
    value = _clean_hours(hours)
    code = _category_code(category)
    earned_on = earned_on or timeutil.today()
    entry = LedgerEntry(
        user=user,
        hours=value,
        category_id=code,
        source_kind=source_kind,
        source_key=source_key,
        source_ref=(source_ref or "")[:255] or SourceKind(source_kind).label,
        source_url=source_url or "",
        earned_on=earned_on,
        year=earned_on.year,
        recorded_by=recorded_by,
        note=note or "",
    )
    with transaction.atomic():
        if not _insert(entry):
            return PostResult(LedgerEntry.objects.get(source_key=source_key), False)
        _apply_to_balances(user_id=user.pk, year=entry.year, category_code=code, hours=value)
        _announce(entry)
    return PostResult(entry, True)


def _check_actor(actor, person) -> None:
    """Manual changes are for HR within their scope and administrators, never on oneself."""
    if actor is None:
        return
    is_admin = actor.has_role(Role.ADMIN)
    if not (is_admin or actor.has_role(Role.HR)):
        raise LedgerError(_("只有人事/合规专员或系统管理员可以调整学时。"))
    if not can_view_person(actor, person):
        raise LedgerError(_("该人员不在您的管辖范围内。"))
    if actor.pk == person.pk and not is_admin:
        raise LedgerError(_("不能调整本人的学时。"))


def reverse_entry(*, entry: LedgerEntry, reason: str, recorded_by=None) -> LedgerEntry:
    """Cancel ``entry`` with a negative entry of the same year and category.

    The reversal is dated like the entry it cancels so the correction lands in
    the year that was wrong. An entry can be reversed once (the database's
    one-to-one on ``reverses`` enforces it even under concurrency).
    """
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError(_("请填写冲销原因。"))
    if entry.reverses_id is not None:
        raise LedgerError(_("冲销记录本身不能再冲销。"))
    _check_actor(recorded_by, entry.user)
    reversal = LedgerEntry(
        user_id=entry.user_id,
        hours=-entry.hours,
        category_id=entry.category_id,
        source_kind=entry.source_kind,
        source_key=f"reversal:{entry.pk}",
        source_ref=(_("冲销：%(ref)s") % {"ref": entry.source_ref})[:255],
        source_url=entry.source_url,
        earned_on=entry.earned_on,
        year=entry.year,
        recorded_by=recorded_by,
        note=reason,
        reverses=entry,
    )
    with transaction.atomic():
        try:
            inserted = _insert(reversal)
        except IntegrityError:
            inserted = False
        if not inserted:
            raise LedgerError(_("该记录已被冲销。"))
        _apply_to_balances(user_id=entry.user_id, year=entry.year, category_code=entry.category_id, hours=-entry.hours)
        if recorded_by is not None:
            record(
                actor=recorded_by,
                action="learning.ledger_reversal",
                summary=_("冲销 %(name)s 的学时记录：%(ref)s（%(hours)s 学时）")
                % {"name": entry.user.full_name, "ref": entry.source_ref, "hours": entry.hours},
                details={"entry": entry.pk, "reversal": reversal.pk, "user": entry.user_id, "reason": reason},
            )
        _announce(reversal)
    return reversal


def manual_adjustment(
    *,
    user,
    hours,
    category,
    reason: str,
    recorded_by,
    earned_on: dt.date | None = None,
    source_ref: str = "",
    request_key: str | None = None,
) -> PostResult:
    """Credit hours by hand (e.g. training taken elsewhere), audited.

    ``request_key`` (a token rendered into the form) makes a double-submitted
    form credit once.
    """
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError(_("请填写调整原因。"))
    if recorded_by is None:
        raise LedgerError(_("人工调整必须记录操作人。"))
    _check_actor(recorded_by, user)
    key = f"manual:{request_key or uuid.uuid4()}"
    with transaction.atomic():
        result = post_credit(
            user=user,
            hours=hours,
            category=category,
            source_kind=SourceKind.MANUAL,
            source_key=key,
            source_ref=source_ref or _("人工调整"),
            earned_on=earned_on,
            recorded_by=recorded_by,
            note=reason,
        )
        if result.created:
            record(
                actor=recorded_by,
                action="learning.manual_adjustment",
                summary=_("为 %(name)s 人工增加 %(hours)s 学时：%(reason)s")
                % {"name": user.full_name, "hours": result.entry.hours, "reason": reason},
                details={"entry": result.entry.pk, "user": user.pk, "reason": reason},
            )
    return result
