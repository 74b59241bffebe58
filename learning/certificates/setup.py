"""Wiring done once in ``LearningConfig.ready``: system check, admin, signal receiver."""

from __future__ import annotations


def connect() -> None:
    from learning.signals import hours_posted

    from . import admin, checks  # noqa: F401  (registering is the import's effect)
    from .receivers import issue_when_requirement_met

    hours_posted.connect(issue_when_requirement_met, dispatch_uid="certificates_issue_when_requirement_met")
