"""Reads for the whole-course review (整门课程审核): what a submission would hold, who may do what, the queues,
and what the reviewer reads (each changed page against what is live).

Who may submit or decide is Wagtail's page permission rule, asked page by page: a
trainer (培训管理员) may edit pages under the catalogue but not publish them; a
reviewer (法制审核员) may publish them (``cms/setup.py``). The comparison is Wagtail's
own (``wagtail.admin.compare``, as the page history's "比较" draws it); a page that is
not live yet is shown whole (every field of its content tab, as submitted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy

from cms.models import CoursePage, CourseSubmission, CourseSubmissionItem, LessonPage

if TYPE_CHECKING:
    from accounts.models import User

STEP = Page.steplen
#: A page that has to be reviewed before learners see it: never published, or edited since.
CHANGED = Q(live=False) | Q(has_unpublished_changes=True)
page_permissions = PagePermissionPolicy()


# --- the course of a page, and what a submission would hold --------------------------------


def course_of(page: Page) -> CoursePage | None:
    """The course a course or lesson page belongs to (itself for a course); None outside any course."""
    specific = page.specific
    if isinstance(specific, CoursePage):
        return specific
    if isinstance(specific, LessonPage):
        return CoursePage.objects.filter(path=page.path[:-STEP]).first()
    return None


def changed_pages(course: CoursePage) -> list[Page]:
    """The course (when it changed) and its lessons that changed, course first, lessons in their order (one query)."""
    return list(
        Page.objects.filter(Q(pk=course.pk) | Q(path__startswith=course.path, depth=course.depth + 1))
        .filter(CHANGED)
        .select_related("latest_revision")
        .order_by("path")
    )


def page_problems(obj: Page) -> list[str]:
    """What keeps a page's draft from being submitted, as "field: message" lines (empty when complete).

    Drafts are saved without their required fields (Wagtail defers them, and so does
    autosave), so the whole page is checked here, StreamField blocks included.
    """
    streams = [f for f in obj._meta.get_fields() if isinstance(f, StreamField)]
    problems: list[str] = []
    try:
        obj.full_clean(exclude=[f.name for f in streams])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            label = _field_label(obj, name)
            problems += [f"{label}：{message}" if label else message for message in messages]
    for stream_field in streams:
        try:
            stream_field.stream_block.clean(getattr(obj, stream_field.name))
        except ValidationError as exc:
            value = getattr(obj, stream_field.name)
            problems += _block_problems(stream_field.stream_block, value, exc, str(stream_field.verbose_name))
    return problems


def _field_label(obj, name: str) -> str:
    if name == "__all__":
        return ""
    try:
        return str(obj._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _block_problems(block, value, exc: ValidationError, where: str) -> list[str]:
    """Flatten a StreamField validation error into lines that name the block ("正文 › 第 3 块（随堂检测题）› 正确选项")."""
    data = exc.as_json_data() if hasattr(exc, "as_json_data") else {"messages": exc.messages}
    return _walk(block, value, data, where)


def _walk(block, value, data: dict, where: str) -> list[str]:
    from wagtail import blocks

    lines = [f"{where}：{message}" for message in data.get("messages", [])]
    for key, child_data in (data.get("blockErrors") or {}).items():
        if isinstance(block, blocks.StructBlock):
            child = block.child_blocks[key]
            label, child_value = str(child.label), (value or {}).get(key)
        elif isinstance(block, blocks.ListBlock):
            child = block.child_block
            label = _("第 %(n)s 项") % {"n": int(key) + 1}
            child_value = _at(value, int(key))
        else:  # a StreamBlock: the key is the position of the block in the stream
            bound = _at(value, int(key))
            child = bound.block if bound is not None else block
            label = _("第 %(n)s 块（%(type)s）") % {"n": int(key) + 1, "type": child.label}
            child_value = bound.value if bound is not None else None
        lines += _walk(child, child_value, child_data, f"{where} › {label}")
    return lines


def _at(sequence, index: int):
    try:
        return sequence[index]
    except (IndexError, KeyError, TypeError):
        return None


# --- who may do what -----------------------------------------------------------------------


def may_submit(user: User, course: CoursePage) -> bool:
    """Anyone who may edit the course may submit it (its lessons share the catalogue's permissions)."""
    return bool(user.is_authenticated and course.permissions_for_user(user).can_edit())


def may_review(user: User, pages) -> bool:
    """Deciding publishes every page of the submission: the reviewer must be allowed to publish each of them."""
    return bool(user.is_authenticated) and all(page.permissions_for_user(user).can_publish() for page in pages)


def reviews_courses(user: User) -> bool:
    """Whether the user publishes content somewhere (a reviewer or an administrator): they get the review queue."""
    return bool(user.is_authenticated) and page_permissions.user_has_permission(user, "publish")


def course_reviewers(course: CoursePage):
    """The people who may approve this course (for the message that one is waiting); administrators excluded."""
    return page_permissions.users_with_any_permission_for_instance(["publish"], course, include_superusers=False)


def is_pinned_revision(revision_id) -> bool:
    """A revision a submission holds: nobody may overwrite it (autosave reuses a revision it made)."""
    try:
        revision_id = int(revision_id)
    except (TypeError, ValueError):
        return False
    return CourseSubmissionItem.objects.filter(revision_id=revision_id).exists()


# --- lists ---------------------------------------------------------------------------------


def _with_counts(queryset: QuerySet[CourseSubmission]) -> QuerySet[CourseSubmission]:
    return queryset.select_related("course", "submitted_by", "decided_by").annotate(
        page_count=Count("items"), new_count=Count("items", filter=Q(items__is_new=True))
    )


def submissions_for(user: User) -> QuerySet[CourseSubmission]:
    """Every submission of a course the user may edit or publish (trainers and reviewers see the same history)."""
    if not user.is_authenticated:
        return CourseSubmission.objects.none()
    pages = page_permissions.instances_user_has_any_permission_for(user, ["change", "publish"])
    return _with_counts(CourseSubmission.objects.filter(course__in=pages.values("pk")))


def latest_only(queryset: QuerySet[CourseSubmission]) -> QuerySet[CourseSubmission]:
    """Each course's latest submission (a course sent back and resubmitted shows only the new round)."""
    later = CourseSubmission.objects.filter(course=OuterRef("course"), pk__gt=OuterRef("pk"))
    return queryset.filter(~Exists(later))


def awaiting_review(user: User) -> QuerySet[CourseSubmission]:
    """The reviewer's queue: pending submissions, oldest first."""
    if not reviews_courses(user):
        return CourseSubmission.objects.none()
    return submissions_for(user).filter(status=CourseSubmission.Status.PENDING).order_by("submitted_at", "pk")


def my_open_submissions(user: User) -> QuerySet[CourseSubmission]:
    """The trainer's courses under review or sent back (their latest round), sent back first, with every comment."""
    if not user.is_authenticated:
        return CourseSubmission.objects.none()
    mine = submissions_for(user).filter(Q(submitted_by=user) | Q(course__owner=user))
    open_statuses = [CourseSubmission.Status.CHANGES_REQUESTED, CourseSubmission.Status.PENDING]
    commented = CourseSubmissionItem.objects.exclude(comment="").select_related("page").order_by("page__path")
    return (
        latest_only(mine)
        .filter(status__in=open_statuses)
        .prefetch_related(Prefetch("items", queryset=commented, to_attr="commented_items"))
        .order_by("status", "-submitted_at")  # "changes_requested" before "pending"
    )


def latest_submission(course: CoursePage) -> CourseSubmission | None:
    return CourseSubmission.objects.filter(course=course).order_by("-pk").first()


def previous_round(submission: CourseSubmission) -> CourseSubmission | None:
    """The round before this one when it was sent back: its comments are what this round answers."""
    earlier = (
        CourseSubmission.objects.filter(course_id=submission.course_id, pk__lt=submission.pk)
        .exclude(status=CourseSubmission.Status.WITHDRAWN)
        .order_by("-pk")
        .first()
    )
    if earlier is None or earlier.status != CourseSubmission.Status.CHANGES_REQUESTED:
        return None
    return earlier


# --- what the reviewer reads ---------------------------------------------------------------


@dataclass
class FieldChange:
    """One field of a page as the review shows it: Wagtail's comparison, or "empty" for a new page's blank field."""

    comparison: object
    empty: bool = False


@dataclass
class ReviewedPage:
    item: CourseSubmissionItem
    page: Page
    submitted: Page
    is_new: bool
    changes: list[FieldChange]
    live_revision_id: int | None
    edited_since: bool
    live_changed: bool
    previous_comment: str = ""
    since_previous: list[FieldChange] = field(default_factory=list)
    has_previous: bool = False

    @property
    def kind(self) -> str:
        return str(self.page.specific_class._meta.verbose_name)


def review_pages(submission: CourseSubmission, *, request) -> list[ReviewedPage]:
    """Every page of the submission with its changes against what is live now (new pages whole), course first."""
    items = list(submission.items.select_related("revision").order_by("page__path"))
    pages = {page.pk: page for page in Page.objects.filter(pk__in=[i.page_id for i in items]).specific()}
    earlier = previous_round(submission)
    previous = {}
    if earlier is not None:
        previous = {i.page_id: i for i in earlier.items.select_related("revision")}
    shown = []
    for item in items:
        page = pages[item.page_id]
        submitted = page.with_content_json(item.revision.content)  # the page is loaded: no query per revision
        comparisons = _comparisons(page, request)
        is_new = not page.live
        before = previous.get(item.page_id)
        since = []
        if before is not None:
            since = [
                FieldChange(c)
                for c in _changed(comparisons, page.with_content_json(before.revision.content), submitted)
            ]
        shown.append(
            ReviewedPage(
                item=item,
                page=page,
                submitted=submitted,
                is_new=is_new,
                changes=_whole(comparisons, submitted)
                if is_new
                else [FieldChange(c) for c in _changed(comparisons, page, submitted)],
                live_revision_id=page.live_revision_id,
                edited_since=page.latest_revision_id != item.revision_id,
                live_changed=page.live_revision_id != item.live_revision_id,
                previous_comment=before.comment if before is not None else "",
                since_previous=since,
                has_previous=before is not None,
            )
        )
    return shown


def _comparisons(page: Page, request) -> list[tuple[bool, type]]:
    """(in the content tab?, comparison class) for each field the page's editor shows."""
    bound = page.get_edit_handler().get_bound_panel(instance=page, request=request, form=None)
    tabs = list(getattr(bound, "children", [bound]))
    result = []
    for index, tab in enumerate(tabs):
        result += [(index == 0, comparison) for comparison in tab.get_comparison()]
    return result


def _changed(comparisons, obj_a, obj_b) -> list:
    found = []
    for _content, comparison_class in comparisons:
        comparison = comparison_class(obj_a, obj_b)
        if comparison.has_changed():
            found.append(comparison)
    return found


def _whole(comparisons, submitted) -> list[FieldChange]:
    """A new page: every field of its content tab as submitted (a blank one said to be blank)."""
    shown = []
    for in_content, comparison_class in comparisons:
        if in_content:
            comparison = comparison_class(submitted, submitted)
            shown.append(FieldChange(comparison, empty=_is_empty(comparison)))
    return shown


def _is_empty(comparison) -> bool:
    if comparison.is_child_relation:
        return not comparison.get_child_comparisons()
    value = getattr(comparison, "val_b", None)
    if value is None or value == "" or value == []:
        return True
    if hasattr(value, "exists") and not isinstance(value, (str, bytes)):
        return not list(value)
    return False
