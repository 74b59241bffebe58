"""The credential register's writes. Every status change leaves a history row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Credential, CredentialEvent, CredentialStatus, User


@transaction.atomic
def change_status(
    *, credential: Credential, to_status: str, reason: str, actor: User | None = None, year: int | None = None
) -> CredentialEvent | None:
    """Move a credential to ``to_status``; a no-op (None) when it is already there."""
    if not reason.strip():
        raise ValueError(_("变更执法证状态必须填写原因"))
    locked = Credential.objects.select_for_update().get(pk=credential.pk)
    if locked.status == to_status:
        return None
    event = CredentialEvent.objects.create(
        credential=locked, actor=actor, from_status=locked.status, to_status=to_status, reason=reason.strip(), year=year
    )
    locked.status = to_status
    locked.status_changed_at = timezone.now()
    locked.save(update_fields=["status", "status_changed_at"])
    credential.status, credential.status_changed_at = locked.status, locked.status_changed_at
    return event


@dataclass(frozen=True)
class StatusChange:
    """One move for ``change_statuses``: what ``change_status`` takes for one credential."""

    credential: Credential
    to_status: str
    reason: str


@transaction.atomic
def change_statuses(
    changes: Iterable[StatusChange], *, actor: User | None = None, year: int | None = None
) -> list[CredentialEvent | None]:
    """``change_status`` for many credentials at once, with the same rows: one history row per move, none
    for a credential already there (its entry in the result is None), in the order given.

    A blank reason refuses the whole call before anything is written. The credentials are
    locked together (in ``pk`` order); the same credential twice moves from where the first
    change left it. Statements: one lock, one INSERT per 1,000 moves, one UPDATE per target status.
    """
    changes = list(changes)
    for change in changes:
        if not change.reason.strip():
            raise ValueError(_("变更执法证状态必须填写原因"))
    if not changes:
        return []
    ids = {change.credential.pk for change in changes}
    status = dict(Credential.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", "status"))
    missing = ids - status.keys()
    if missing:
        raise Credential.DoesNotExist(f"credentials {sorted(missing)} do not exist")
    now = timezone.now()
    result: list[CredentialEvent | None] = []
    moved: dict[int, str] = {}
    for change in changes:
        pk = change.credential.pk
        if status[pk] == change.to_status:
            result.append(None)
            continue
        result.append(
            CredentialEvent(
                credential_id=pk,
                at=now,
                actor=actor,
                from_status=status[pk],
                to_status=change.to_status,
                reason=change.reason.strip(),
                year=year,
            )
        )
        status[pk] = moved[pk] = change.to_status
    CredentialEvent.objects.bulk_create([event for event in result if event is not None], batch_size=1000)
    by_status: dict[str, list[int]] = {}
    for pk, to_status in moved.items():
        by_status.setdefault(to_status, []).append(pk)
    for to_status, pks in by_status.items():
        Credential.objects.filter(pk__in=pks).update(status=to_status, status_changed_at=now)
    for change in changes:
        if change.credential.pk in moved:
            change.credential.status, change.credential.status_changed_at = status[change.credential.pk], now
    return result


def sync_from_staff(users: list[User]) -> int:
    """Make sure each person's 执法证号 from the staff file is in the register. Returns created.

    A number the register holds for someone else who no longer has it in the
    staff records (a number entered on the wrong person, now corrected) moves
    to the person the file names, with a record of the correction.
    """
    numbers = {u.credential_no: u for u in users if u.credential_no}
    registered = list(Credential.objects.filter(number__in=numbers).select_related("holder"))
    existing = {c.number for c in registered}
    for credential in registered:
        person = numbers[credential.number]
        if credential.holder_id == person.pk or credential.holder.credential_no == credential.number:
            continue
        previous = credential.holder
        Credential.objects.filter(pk=credential.pk).update(holder=person)
        CredentialEvent.objects.create(
            credential=credential,
            from_status=credential.status,
            to_status=credential.status,
            reason=_("执法证号登记人更正：由 %(old)s（%(old_no)s）改为 %(new)s（%(new_no)s），随人员名单导入")
            % {
                "old": previous.full_name,
                "old_no": previous.employee_no,
                "new": person.full_name,
                "new_no": person.employee_no,
            },
        )
    new = [Credential(holder=numbers[n], number=n) for n in numbers if n not in existing]
    Credential.objects.bulk_create(new, batch_size=1000)
    CredentialEvent.objects.bulk_create(
        [
            CredentialEvent(credential=c, to_status=CredentialStatus.VALID, reason=_("随人员名单导入登记"))
            for c in Credential.objects.filter(number__in=[c.number for c in new])
        ],
        batch_size=1000,
    )
    return len(new)


def expire_overdue(*, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    overdue = Credential.objects.filter(expires_on__lt=today).exclude(
        status__in=[CredentialStatus.EXPIRED, CredentialStatus.REVOKED]
    )
    count = 0
    for credential in overdue:
        if change_status(credential=credential, to_status=CredentialStatus.EXPIRED, reason=_("超过有效期")):
            count += 1
    return count
