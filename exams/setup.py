"""Idempotent set-up run after every migrate (also in --nomigrations test runs)."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from accounts.models import ROLE_GROUP_NAMES, Role

#: What trainers (培训管理员) may do in the question bank. No delete of questions:
#: a used question must stay for the attempts that showed it; trainers archive instead.
TRAINER_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    ("exams", "add_question"),
    ("exams", "change_question"),
    ("exams", "view_question"),
    ("exams", "add_questioncategory"),
    ("exams", "change_questioncategory"),
    ("exams", "delete_questioncategory"),
    ("exams", "view_questioncategory"),
]


def grant_trainer_permissions() -> None:
    group, _created = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[Role.TRAINER])
    for app_label, codename in TRAINER_PERMISSIONS:
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is not None:
            group.permissions.add(permission)
