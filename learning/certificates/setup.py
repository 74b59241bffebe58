"""Wiring done once in ``LearningConfig.ready``: system check, admin, signal receiver, the bulk-issue job kind."""

from __future__ import annotations


def connect() -> None:
    from jobs import registry
    from learning.signals import hours_posted

    from . import admin, checks  # noqa: F401  (registering is the import's effect)
    from .jobs import BULK_ISSUE
    from .receivers import issue_when_requirement_met

    hours_posted.connect(issue_when_requirement_met, dispatch_uid="certificates_issue_when_requirement_met")
    registry.register(BULK_ISSUE)
