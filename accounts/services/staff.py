"""Writes about people that are not imports."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User


@transaction.atomic
def deactivate_departed_staff(*, today: dt.date | None = None) -> int:
    """Switch off accounts whose leaving date has passed; idempotent. Returns how many."""
    today = today or timezone.localdate()
    return User.objects.filter(is_active=True, left_on__lt=today).update(is_active=False)
