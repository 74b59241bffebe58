# Whole-course review (整门课程审核): a submission of a course with the lessons that changed.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cms', '0005_audience_help_texts'),
        ('wagtailcore', '0098_apitoken'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        migrations.swappable_dependency(settings.WAGTAIL_PAGE_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CourseSubmission',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('pending', '待审核'), ('changes_requested', '需修改'), ('approved', '已通过'), ('withdrawn', '已撤回')], default='pending', max_length=20, verbose_name='状态')),
                ('note', models.TextField(blank=True, max_length=2000, verbose_name='提交说明')),
                ('submitted_at', models.DateTimeField(verbose_name='提交时间')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='处理时间')),
                ('comment', models.TextField(blank=True, max_length=4000, verbose_name='总体意见')),
                ('course', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='submissions', to='cms.coursepage', verbose_name='课程')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='course_submissions_decided', to=settings.AUTH_USER_MODEL, verbose_name='审核人')),
                ('submitted_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='course_submissions', to=settings.AUTH_USER_MODEL, verbose_name='提交人')),
            ],
            options={
                'verbose_name': '整门课程审核',
                'verbose_name_plural': '整门课程审核',
                'ordering': ['-submitted_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='CourseSubmissionItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('is_new', models.BooleanField(default=False, help_text='提交时页面尚未发布。', verbose_name='新页面')),
                ('comment', models.TextField(blank=True, max_length=4000, verbose_name='审核意见')),
                ('live_revision', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='wagtailcore.revision', verbose_name='提交时的线上版本')),
                ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='course_submission_items', to=settings.WAGTAIL_PAGE_MODEL, verbose_name='页面')),
                ('revision', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='course_submission_items', to='wagtailcore.revision', verbose_name='提交的版本')),
                ('submission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='cms.coursesubmission')),
            ],
            options={
                'verbose_name': '审核页面',
                'verbose_name_plural': '审核页面',
            },
        ),
        migrations.AddIndex(
            model_name='coursesubmission',
            index=models.Index(fields=['status', 'submitted_at'], name='cms_coursesub_status_idx'),
        ),
        migrations.AddConstraint(
            model_name='coursesubmission',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('course',), name='cms_coursesubmission_one_pending_per_course'),
        ),
        migrations.AddConstraint(
            model_name='coursesubmissionitem',
            constraint=models.UniqueConstraint(fields=('submission', 'page'), name='cms_coursesubmissionitem_unique_page'),
        ),
    ]
