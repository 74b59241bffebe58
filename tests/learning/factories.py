"""Factories and helpers for the ledger tests (entries only ever come from the service)."""

from __future__ import annotations

import itertools
from decimal import Decimal

from learning.models import SourceKind
from learning.services.ledger import post_credit

_counter = itertools.count()


def credit(user, hours="2", category="legal", kind=SourceKind.COURSE, earned_on=None, key=None, ref="测试课程"):
    """Post a credit through the real service and return the entry."""
    key = key or f"test:{next(_counter)}:{user.pk}"
    return post_credit(
        user=user,
        hours=Decimal(str(hours)),
        category=category,
        source_kind=kind,
        source_key=key,
        source_ref=ref,
        earned_on=earned_on,
    ).entry
