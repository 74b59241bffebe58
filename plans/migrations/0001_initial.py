"""Study plans leave the learning app with their tables and rows.

Nothing changes in the database's schema: the models keep their tables (``db_table``
``learning_studyplan`` and ``learning_studyplanitem``, with their constraints; the
audience's many-to-many tables ``learning_studyplan_target_units`` and
``learning_studyplan_target_people`` are named after the plan's table, so they keep their
names too), so the models are only created in the migration state here;
``learning/0014_plans_moved_to_plans`` removes them from learning's state and depends on
this migration, so the two states hand over in order.

This migration depends on ``learning/0003_plan_exam_items``, the last one that created or
changed these tables: from here on the tables are what this state describes, so a later
migration of this app that alters them can never run before learning created them.

The rows of ``django_content_type`` move with them (``learning`` → ``plans``, same ids),
so permissions given to role groups or users, admin log entries and anything else
pointing at those content types still point at these models.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import cms.fields
from core.migration_ops import MoveContentTypes

MODELS = ("studyplan", "studyplanitem")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0003_credentials"),
        ("cms", "0004_course_exam_links"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("exams", "0002_relations"),
        ("learning", "0003_plan_exam_items"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        MoveContentTypes(source="learning", target="plans", models=MODELS),
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="StudyPlan",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("year", models.PositiveSmallIntegerField(db_index=True, verbose_name="年度")),
                        ("title", models.CharField(max_length=200, verbose_name="名称")),
                        ("due_on", models.DateField(verbose_name="完成期限")),
                        ("note", models.TextField(blank=True, verbose_name="说明")),
                        (
                            "target_categories",
                            cms.fields.ChoiceListField(
                                blank=True,
                                default="",
                                item_choices=[("enforcement", "执法人员"), ("leader", "领导干部"), ("other", "其他")],
                                max_length=200,
                                verbose_name="对象人员类别",
                            ),
                        ),
                        ("target_positions", models.JSONField(blank=True, default=list, verbose_name="对象职务")),
                        (
                            "created_at",
                            models.DateTimeField(default=django.utils.timezone.now, verbose_name="创建时间"),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                        (
                            "created_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="创建人",
                            ),
                        ),
                        (
                            "target_people",
                            models.ManyToManyField(
                                blank=True,
                                related_name="named_study_plans",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="指定人员",
                            ),
                        ),
                        (
                            "target_units",
                            models.ManyToManyField(
                                blank=True, related_name="study_plans", to="accounts.orgunit", verbose_name="对象单位"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "学法清单",
                        "verbose_name_plural": "学法清单",
                        "db_table": "learning_studyplan",
                        "ordering": ["-year", "due_on", "pk"],
                    },
                ),
                migrations.CreateModel(
                    name="StudyPlanItem",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[("course", "课程"), ("exam", "考试")],
                                default="course",
                                max_length=16,
                                verbose_name="类型",
                            ),
                        ),
                        ("position", models.PositiveSmallIntegerField(default=0, verbose_name="顺序")),
                        (
                            "course",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="plan_items",
                                to="cms.coursepage",
                                verbose_name="课程",
                            ),
                        ),
                        (
                            "exam",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="plan_items",
                                to="exams.exam",
                                verbose_name="考试",
                            ),
                        ),
                        (
                            "plan",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="items",
                                to="plans.studyplan",
                                verbose_name="学法清单",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "清单项目",
                        "verbose_name_plural": "清单项目",
                        "db_table": "learning_studyplanitem",
                        "ordering": ["plan", "position", "pk"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("course__isnull", False)),
                                fields=("plan", "course"),
                                name="learning_planitem_unique_course",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("exam__isnull", False)),
                                fields=("plan", "exam"),
                                name="learning_planitem_unique_exam",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("kind", "course"), _negated=True),
                                    ("course__isnull", False),
                                    _connector="OR",
                                ),
                                name="learning_planitem_course_set",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("kind", "course"), ("exam__isnull", True)),
                                    models.Q(("kind", "exam"), ("exam__isnull", False), ("course__isnull", True)),
                                    _connector="OR",
                                ),
                                name="learning_planitem_one_target",
                            ),
                        ],
                    },
                ),
            ],
        ),
    ]
