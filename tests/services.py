"""The real servers some tests start (slapd, the OIDC provider): skipped where one is not installed, failed in CI."""

from __future__ import annotations

import pytest
from django.conf import settings


def require(found, message: str):
    """``found`` when it is set; otherwise skip the test, or fail it in CI (``settings.CI``), saying ``message``."""
    if not found:
        if settings.CI:
            pytest.fail(message)
        pytest.skip(message)
    return found
