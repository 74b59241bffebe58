"""The in-site messages leave the learning app with their table and rows.

Nothing changes in the database's schema: ``Notification`` keeps its table
(``db_table`` ``learning_notification``, with its indexes and constraint), so the model
is only created in the migration state here; ``learning/0011`` removes it from
learning's state and depends on this migration, so the two states hand over in order.

This migration depends on ``learning/0006``, the last one that changed the table
(``emailed_at`` and the ``notification_mail_pending`` index): from here on the table
is what this state describes, so a later migration of this app that alters it can
never run before learning created and completed it (``migrate notifications`` on an
empty database included). It needs nothing else of learning: the model points only
at the user.

The row of ``django_content_type`` moves with it (``learning`` → ``notifications``,
same id), so permissions given to role groups or users, admin log entries and anything
else pointing at that content type still point at this model.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from core.migration_ops import MoveContentTypes

MODELS = ("notification",)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("learning", "0006_notification_emailed_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        MoveContentTypes(source="learning", target="notifications", models=MODELS),
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("title", models.CharField(max_length=200, verbose_name="标题")),
                        ("body", models.TextField(blank=True, verbose_name="内容")),
                        ("url", models.CharField(blank=True, max_length=500, verbose_name="链接")),
                        ("kind", models.CharField(blank=True, db_index=True, max_length=32, verbose_name="类型")),
                        ("dedupe_key", models.CharField(blank=True, max_length=100, verbose_name="去重键")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="时间")),
                        ("read_at", models.DateTimeField(blank=True, null=True, verbose_name="已读时间")),
                        ("emailed_at", models.DateTimeField(blank=True, null=True, verbose_name="邮件发送时间")),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="收件人",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "站内消息",
                        "verbose_name_plural": "站内消息",
                        "db_table": "learning_notification",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
                            models.Index(
                                condition=models.Q(
                                    ("emailed_at__isnull", True), models.Q(("dedupe_key", ""), _negated=True)
                                ),
                                fields=["dedupe_key"],
                                name="notification_mail_pending",
                            ),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("dedupe_key", ""), _negated=True),
                                fields=("user", "dedupe_key"),
                                name="uniq_notification_dedupe",
                            )
                        ],
                    },
                ),
            ],
        ),
    ]
