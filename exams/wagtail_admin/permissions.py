"""Who may manage exams in the Wagtail admin.

Trainers and administrators may manage exams whatever Django model permissions their group
carries, because the role *is* the permission in this project (``accounts.models.Role``).
The policy is registered for ``Exam`` in ``exams/wagtail_hooks.py``.
"""

from __future__ import annotations

from wagtail.permission_policies.base import ModelPermissionPolicy

from accounts.models import Role


class ExamPermissionPolicy(ModelPermissionPolicy):
    """Trainers and administrators manage exams; nobody else does."""

    def user_has_permission(self, user, action):
        return bool(user.is_active and (user.has_role(Role.TRAINER) or user.has_role(Role.ADMIN)))

    def user_has_any_permission(self, user, actions):
        return self.user_has_permission(user, None)
