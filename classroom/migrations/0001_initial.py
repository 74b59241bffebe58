"""The classroom sessions leave the learning app with their tables and rows.

Nothing changes in the database's schema: the models keep their tables (``db_table``
``learning_lectureseries``, ``learning_trainingsession``, ``learning_attendance`` and the
many-to-many tables named after them), so the models are only created in the migration
state here; ``learning/0010`` removes them from learning's state.

The rows of ``django_content_type`` move with them (``learning`` → ``classroom``, same
ids), so permissions given to role groups or users, admin log entries and anything
else pointing at those content types still point at these models.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from core.migration_ops import MoveContentTypes

MODELS = ("lectureseries", "trainingsession", "attendance")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0003_credentials"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("learning", "0009_lessontimer_remove_access_checked_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        MoveContentTypes(source="learning", target="classroom", models=MODELS),
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="LectureSeries",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("title", models.CharField(max_length=200, unique=True, verbose_name="系列名称")),
                        (
                            "created_at",
                            models.DateTimeField(default=django.utils.timezone.now, verbose_name="创建时间"),
                        ),
                        (
                            "organiser",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="组织者",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "讲堂系列",
                        "verbose_name_plural": "讲堂系列",
                        "db_table": "learning_lectureseries",
                        "ordering": ["title"],
                    },
                ),
                migrations.CreateModel(
                    name="TrainingSession",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[("training", "培训班"), ("lecture", "法治讲堂"), ("meeting", "会前学法")],
                                default="training",
                                max_length=16,
                                verbose_name="类型",
                            ),
                        ),
                        ("title", models.CharField(max_length=200, verbose_name="名称")),
                        ("description", models.TextField(blank=True, verbose_name="内容简介")),
                        ("starts_at", models.DateTimeField(verbose_name="开始时间")),
                        ("ends_at", models.DateTimeField(verbose_name="结束时间")),
                        ("hours", models.DecimalField(decimal_places=2, max_digits=5, verbose_name="学时")),
                        ("venue", models.CharField(blank=True, max_length=200, verbose_name="地点")),
                        (
                            "audience_categories",
                            models.JSONField(
                                blank=True, default=list, help_text="为空表示不限人员类别。", verbose_name="参训人员类别"
                            ),
                        ),
                        ("capacity", models.PositiveIntegerField(blank=True, null=True, verbose_name="容纳人数")),
                        (
                            "status",
                            models.CharField(
                                choices=[("scheduled", "未举办"), ("held", "已举办"), ("cancelled", "已取消")],
                                default="scheduled",
                                max_length=16,
                                verbose_name="状态",
                            ),
                        ),
                        ("held_at", models.DateTimeField(blank=True, null=True, verbose_name="确认举办时间")),
                        ("series_date", models.DateField(blank=True, null=True, verbose_name="系列日期")),
                        (
                            "created_at",
                            models.DateTimeField(default=django.utils.timezone.now, verbose_name="创建时间"),
                        ),
                        (
                            "audience_people",
                            models.ManyToManyField(
                                blank=True,
                                related_name="audience_of_sessions",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="指定参训人员",
                            ),
                        ),
                        (
                            "audience_units",
                            models.ManyToManyField(
                                blank=True,
                                help_text="所选单位及其下属单位的人员。",
                                related_name="audience_of_sessions",
                                to="accounts.orgunit",
                                verbose_name="参训单位",
                            ),
                        ),
                        (
                            "hour_category",
                            models.ForeignKey(
                                db_column="hour_category_code",
                                default="legal",
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="learning.hourcategory",
                                to_field="code",
                                verbose_name="学时类别",
                            ),
                        ),
                        (
                            "lecturers",
                            models.ManyToManyField(
                                blank=True,
                                related_name="lectured_sessions",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="主讲人",
                            ),
                        ),
                        (
                            "organiser",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="organised_sessions",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="组织者",
                            ),
                        ),
                        (
                            "series",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="sessions",
                                to="classroom.lectureseries",
                                verbose_name="讲堂系列",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "面授培训",
                        "verbose_name_plural": "面授培训",
                        "db_table": "learning_trainingsession",
                        "ordering": ["-starts_at", "-id"],
                        "indexes": [
                            models.Index(fields=["starts_at"], name="session_starts_at"),
                            models.Index(fields=["status", "starts_at"], name="session_status_starts"),
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("ends_at__gt", models.F("starts_at"))),
                                name="session_ends_after_start",
                            ),
                            models.CheckConstraint(condition=models.Q(("hours__gt", 0)), name="session_hours_positive"),
                            models.UniqueConstraint(
                                condition=models.Q(("series__isnull", False)),
                                fields=("series", "series_date"),
                                name="uniq_session_series_date",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Attendance",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        (
                            "method",
                            models.CharField(
                                choices=[("qr", "扫码签到"), ("import", "名单导入"), ("manual", "手工登记")],
                                max_length=16,
                                verbose_name="方式",
                            ),
                        ),
                        (
                            "marked_at",
                            models.DateTimeField(default=django.utils.timezone.now, verbose_name="签到时间"),
                        ),
                        (
                            "ledger_entry",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="learning.ledgerentry",
                                verbose_name="学时记录",
                            ),
                        ),
                        (
                            "marked_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="登记人",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="attendances",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="人员",
                            ),
                        ),
                        (
                            "session",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="attendances",
                                to="classroom.trainingsession",
                                verbose_name="培训",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "签到记录",
                        "verbose_name_plural": "签到记录",
                        "db_table": "learning_attendance",
                        "ordering": ["marked_at", "id"],
                        "indexes": [models.Index(fields=["user", "marked_at"], name="attendance_user_marked")],
                        "constraints": [
                            models.UniqueConstraint(fields=("session", "user"), name="uniq_attendance_session_user")
                        ],
                    },
                ),
            ],
        ),
    ]
