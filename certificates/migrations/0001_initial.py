"""The certificates leave the learning app with their tables and rows.

Nothing changes in the database's schema: the models keep their tables (``db_table``
``learning_certificate``, ``learning_certificatesequence`` and
``learning_certificatesettings``), so the models are only created in the migration
state here; ``learning/0011_certificates_moved_to_certificates`` removes them from
learning's state.

The rows of ``django_content_type`` move with them (``learning`` → ``certificates``,
same ids), so permissions given to role groups or users, admin log entries and anything
else pointing at those content types still point at these models.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from core.migration_ops import MoveContentTypes

import certificates.models.certificates
import certificates.validators
import jobs.storage

MODELS = ("certificate", "certificatesequence", "certificatesettings")
KINDS = [("annual", "年度培训合格证明"), ("exam", "考试合格证书"), ("course", "课程结业证书")]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("exams", "0002_relations"),
        ("learning", "0010_sessions_moved_to_classroom"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        migrations.swappable_dependency(settings.WAGTAIL_PAGE_MODEL),
    ]

    operations = [
        MoveContentTypes(source="learning", target="certificates", models=MODELS),
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="CertificateSettings",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "authority_name",
                            models.CharField(
                                default="喀什地区全面依法治地委员会办公室", max_length=100, verbose_name="颁发机构"
                            ),
                        ),
                        (
                            "signatory",
                            models.CharField(
                                blank=True,
                                default="（盖章）",
                                help_text="印章旁的落款，例如“（盖章）”或负责人姓名。",
                                max_length=200,
                                verbose_name="落款文字",
                            ),
                        ),
                        (
                            "seal",
                            models.ImageField(
                                blank=True,
                                help_text="PNG 或 JPEG，不超过 1 MB、2000×2000 像素；建议透明背景的红色印章。",
                                storage=jobs.storage.private_storage,
                                upload_to=certificates.models.certificates.seal_upload_to,
                                validators=[certificates.validators.validate_seal_image],
                                verbose_name="印章/标志图片",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "证书设置",
                        "verbose_name_plural": "证书设置",
                        "db_table": "learning_certificatesettings",
                    },
                ),
                migrations.CreateModel(
                    name="CertificateSequence",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("kind", models.CharField(choices=KINDS, max_length=16, verbose_name="类型")),
                        ("year", models.PositiveSmallIntegerField(verbose_name="年度")),
                        ("last_value", models.PositiveIntegerField(default=0, verbose_name="当前序号")),
                    ],
                    options={
                        "verbose_name": "证书编号序列",
                        "verbose_name_plural": "证书编号序列",
                        "db_table": "learning_certificatesequence",
                        "constraints": [
                            models.UniqueConstraint(fields=("kind", "year"), name="uniq_certificate_sequence")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Certificate",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("kind", models.CharField(choices=KINDS, max_length=16, verbose_name="类型")),
                        ("year", models.PositiveSmallIntegerField(verbose_name="年度")),
                        ("serial", models.CharField(max_length=32, unique=True, verbose_name="证书编号")),
                        ("verification_code", models.CharField(max_length=32, unique=True, verbose_name="验证码")),
                        ("details", models.JSONField(blank=True, default=dict, verbose_name="证书内容")),
                        (
                            "issued_at",
                            models.DateTimeField(default=django.utils.timezone.now, verbose_name="颁发时间"),
                        ),
                        (
                            "pdf",
                            models.FileField(
                                blank=True,
                                max_length=200,
                                storage=jobs.storage.private_storage,
                                upload_to=certificates.models.certificates.certificate_upload_to,
                                verbose_name="PDF 文件",
                            ),
                        ),
                        ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="撤销时间")),
                        ("revoke_reason", models.TextField(blank=True, verbose_name="撤销原因")),
                        (
                            "course",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.WAGTAIL_PAGE_MODEL,
                                verbose_name="课程",
                            ),
                        ),
                        (
                            "exam",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="exams.exam",
                                verbose_name="考试",
                            ),
                        ),
                        (
                            "holder",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="certificates",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="持有人",
                            ),
                        ),
                        (
                            "revoked_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="撤销人",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "证书",
                        "verbose_name_plural": "证书",
                        "db_table": "learning_certificate",
                        "ordering": ["-issued_at", "-id"],
                        "indexes": [models.Index(fields=["kind", "year"], name="certificate_kind_year")],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("kind", "annual"), ("revoked_at__isnull", True)),
                                fields=("holder", "year"),
                                name="uniq_certificate_annual",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("kind", "exam"), ("revoked_at__isnull", True)),
                                fields=("holder", "exam"),
                                name="uniq_certificate_exam",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("kind", "course"), ("revoked_at__isnull", True)),
                                fields=("holder", "course"),
                                name="uniq_certificate_course",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("kind", "annual"), ("exam__isnull", True), ("course__isnull", True)),
                                    models.Q(("kind", "exam"), ("exam__isnull", False), ("course__isnull", True)),
                                    models.Q(("kind", "course"), ("course__isnull", False), ("exam__isnull", True)),
                                    _connector="OR",
                                ),
                                name="certificate_kind_source",
                            ),
                        ],
                    },
                ),
            ],
        ),
    ]
