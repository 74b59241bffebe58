"""The course review's messages (整门课程审核): a course waits for review; a course approved or sent back.

Registered in ``CmsConfig.ready``. The review's services (``cms.services.course_review``)
send them with ``notifications.services.events.send_event``:

* ``COURSE_REVIEW_SUBMITTED`` to the course's reviewers (not the submitter), context
  ``title`` (the course), ``name`` (who submitted), ``count`` (pages), ``note`` (may be empty);
* ``COURSE_REVIEW_APPROVED`` / ``COURSE_REVIEW_CHANGES`` to the trainer who submitted,
  context ``title``, ``reviewer`` (who decided), ``comment`` (the overall comment, may be empty).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from notifications.kinds import EventKind, Group

COURSE_REVIEW_SUBMITTED = "course_review_submitted"
COURSE_REVIEW_APPROVED = "course_review_approved"
COURSE_REVIEW_CHANGES = "course_review_changes"


def _render_submitted(ctx: Mapping) -> tuple[str, str]:
    body = _("%(name)s 提交了整门课程审核，共 %(count)s 个页面。") % ctx
    if ctx.get("note"):
        body += "\n" + _("提交说明：%(note)s") % ctx
    return _("课程“%(title)s”待审核") % ctx, body


def _render_approved(ctx: Mapping) -> tuple[str, str]:
    body = _("%(reviewer)s 审核通过并发布了整门课程。") % ctx
    if ctx.get("comment"):
        body += "\n" + _("审核意见：%(comment)s") % ctx
    return _("课程“%(title)s”审核通过，已发布") % ctx, body


def _render_changes(ctx: Mapping) -> tuple[str, str]:
    body = _("%(reviewer)s 退回了整门课程，请按审核意见修改后重新提交。") % ctx
    body += "\n" + (_("审核意见：%(comment)s") % ctx if ctx.get("comment") else _("请查看各页的审核意见。"))
    return _("课程“%(title)s”需修改") % ctx, body


KINDS = (
    EventKind(
        code=COURSE_REVIEW_SUBMITTED,
        name=gettext_lazy("课程待审核"),
        audience=gettext_lazy("法制审核员，培训管理员提交整门课程审核时"),
        group=Group.CONTENT,
        render=_render_submitted,
        email=True,
        digest=True,
        roles=frozenset({Role.REVIEWER}),
        order=10,
    ),
    EventKind(
        code=COURSE_REVIEW_APPROVED,
        name=gettext_lazy("课程审核通过"),
        audience=gettext_lazy("提交审核的培训管理员，课程审核通过并发布时"),
        group=Group.CONTENT,
        render=_render_approved,
        email=True,
        roles=frozenset({Role.TRAINER}),
        order=20,
    ),
    EventKind(
        code=COURSE_REVIEW_CHANGES,
        name=gettext_lazy("课程退回修改"),
        audience=gettext_lazy("提交审核的培训管理员，审核员退回修改时（附审核意见）"),
        group=Group.CONTENT,
        render=_render_changes,
        email=True,
        roles=frozenset({Role.TRAINER}),
        order=30,
    ),
)
