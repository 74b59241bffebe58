"""The annual credential review leaves the learning app with its tables and rows.

Nothing changes in the database's schema: the models keep their tables (``db_table``
``learning_annualreviewrule`` and ``learning_annualreviewoutcome``, with their index and
constraint), so the models are only created in the migration state here;
``learning/0013_review_moved_to_review`` removes them from learning's state and depends
on this migration, so the two states hand over in order.

This migration depends on ``learning/0001``, the only one that created or changed these
tables: from here on the tables are what this state describes, so a later migration of
this app that alters them can never run before learning created them.

The rows of ``django_content_type`` move with them (``learning`` → ``review``, same
ids), so permissions given to role groups or users, admin log entries and anything else
pointing at those content types still point at these models.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from core.migration_ops import MoveContentTypes

MODELS = ("annualreviewrule", "annualreviewoutcome")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0003_credentials"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("exams", "0001_initial"),
        ("learning", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        MoveContentTypes(source="learning", target="review", models=MODELS),
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="AnnualReviewRule",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("year", models.PositiveSmallIntegerField(unique=True, verbose_name="年度")),
                        (
                            "requires_hours",
                            models.BooleanField(
                                default=True,
                                help_text="按当年的年度学时要求（含各类别最低学时）审核。",
                                verbose_name="要求达到年度学时",
                            ),
                        ),
                        ("note", models.TextField(blank=True, verbose_name="说明")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                        (
                            "annual_exam",
                            models.ForeignKey(
                                blank=True,
                                help_text="设置后须通过该考试（或其补考）才能通过年审；留空则不要求考试。",
                                limit_choices_to={"makeup_for__isnull": True},
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="exams.exam",
                                verbose_name="年度学法考试",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "年审规则",
                        "verbose_name_plural": "年审规则",
                        "db_table": "learning_annualreviewrule",
                        "ordering": ["-year"],
                    },
                ),
                migrations.CreateModel(
                    name="AnnualReviewOutcome",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("year", models.PositiveSmallIntegerField(verbose_name="年度")),
                        ("passed", models.BooleanField(verbose_name="通过")),
                        ("reasons", models.JSONField(blank=True, default=list, verbose_name="未通过原因")),
                        ("hours", models.DecimalField(decimal_places=2, max_digits=9, verbose_name="学时")),
                        (
                            "required_hours",
                            models.DecimalField(decimal_places=2, max_digits=6, verbose_name="应修学时"),
                        ),
                        ("category_hours", models.JSONField(blank=True, default=dict, verbose_name="分类学时")),
                        ("exam_required", models.BooleanField(default=False, verbose_name="要求年度考法")),
                        ("exam_passed", models.BooleanField(blank=True, null=True, verbose_name="年度考法通过")),
                        (
                            "frozen",
                            models.BooleanField(
                                default=False,
                                help_text="依据年度关账冻结的学时（另加关账后人事补录的学时）。",
                                verbose_name="按关账结果",
                            ),
                        ),
                        (
                            "reviewed_at",
                            models.DateTimeField(default=django.utils.timezone.now, verbose_name="审核时间"),
                        ),
                        ("cleared_at", models.DateTimeField(blank=True, null=True, verbose_name="补正通过时间")),
                        ("clear_reason", models.CharField(blank=True, max_length=500, verbose_name="补正说明")),
                        (
                            "cleared_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="补正操作人",
                            ),
                        ),
                        (
                            "credential",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="review_outcomes",
                                to="accounts.credential",
                                verbose_name="执法证",
                            ),
                        ),
                        (
                            "reviewed_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="审核人",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "年审结果",
                        "verbose_name_plural": "年审结果",
                        "db_table": "learning_annualreviewoutcome",
                        "ordering": ["-year", "credential"],
                        "indexes": [models.Index(fields=["year", "passed"], name="review_outcome_year_passed")],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("credential", "year"), name="uniq_review_outcome_credential_year"
                            )
                        ],
                    },
                ),
            ],
        ),
    ]
