"""Set up who may write and who must approve course content (idempotent).

* A course is reviewed as a whole: the trainer submits the course with every lesson
  that changed once, the 法制审核员 approve it once, and everything is published
  together (``cms.services.course_review``). Wagtail's per-page workflow "法制审核"
  (one group-approval step for the 法制审核员 group) stays assigned to the catalogue
  for the catalogue page itself; courses and lessons switch it off
  (``cms.models.courses.ReviewedWithItsCourseMixin``).
* 培训管理员 (trainers) may add and edit pages under the catalogue and upload
  images and documents, but not publish: they submit for review.
* 法制审核员 (reviewers) may open the admin, edit pages under the catalogue to
  review and correct them, and publish them: Wagtail publishes an approved
  revision as the approving reviewer, so the reviewers need the publish right.

Runs after every ``migrate`` (see ``cms.apps``) and from ``seed_demo``; it also
creates the catalogue page "课程中心" under the home page if there is none.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from accounts.models import ROLE_GROUP_NAMES, Role

WORKFLOW_NAME = "法制审核"
#: The root collection's name (Wagtail's migrations call it "Root"): the library shows it beside each
#: file once there is a second collection (“已替换的旧版本”, cms.services.media).
ROOT_COLLECTION_NAME = "默认集合"
TASK_NAME = "法制审核"
CATALOGUE_SLUG = "courses"

TRAINER_PAGE_PERMISSIONS = ("add_page", "change_page")
REVIEWER_PAGE_PERMISSIONS = ("change_page", "publish_page")
TRAINER_COLLECTION_PERMISSIONS = (
    ("wagtailimages", "image", ("add_image", "change_image", "choose_image")),
    ("wagtaildocs", "document", ("add_document", "change_document", "choose_document")),
)


def ensure_course_index():
    """The catalogue page, created (published) under the home page when missing; None without a home page."""
    from cms.models import CourseIndexPage, HomePage

    index = CourseIndexPage.objects.order_by("path").first()
    if index is not None:
        return index
    home = HomePage.objects.order_by("path").first()
    if home is None:
        return None
    index = CourseIndexPage(title=_("课程中心"), slug=CATALOGUE_SLUG)
    home.add_child(instance=index)
    index.save_revision().publish()
    return index


def _workflow() -> Workflow:
    reviewers, _created = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[Role.REVIEWER])
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
    if not task.active:
        task.active = True
        task.save(update_fields=["active"])
    task.groups.add(reviewers)
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    if not workflow.active:
        workflow.active = True
        workflow.save(update_fields=["active"])
    if not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=workflow.workflow_tasks.count())
    return workflow


def _page_permission(codename: str) -> Permission:
    return Permission.objects.get(content_type=ContentType.objects.get_for_model(Page), codename=codename)


def _grant_pages(group: Group, page: Page, codenames) -> None:
    for codename in codenames:
        GroupPagePermission.objects.get_or_create(group=group, page=page, permission=_page_permission(codename))


def _grant_admin_access(group: Group) -> None:
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))


def _grant_collections(group: Group) -> None:
    root = Collection.get_first_root_node()
    if root is None:
        # Wagtail's migrations make it; a database emptied since (a flushed test database) is repaired too.
        root = Collection.add_root(name=ROOT_COLLECTION_NAME)
    elif root.name == "Root":
        root.name = ROOT_COLLECTION_NAME
        root.save(update_fields=["name"])
    for app_label, model, codenames in TRAINER_COLLECTION_PERMISSIONS:
        for codename in codenames:
            permission = Permission.objects.get(
                content_type__app_label=app_label, content_type__model=model, codename=codename
            )
            GroupCollectionPermission.objects.get_or_create(group=group, collection=root, permission=permission)


@transaction.atomic
def ensure_workflow_and_permissions() -> Workflow:
    """Create or repair the review workflow and the trainer/reviewer permissions."""
    trainers, _created = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[Role.TRAINER])
    reviewers, _created = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[Role.REVIEWER])
    workflow = _workflow()
    for group in (trainers, reviewers):
        _grant_admin_access(group)
    _grant_collections(trainers)
    from cms.models import CourseIndexPage

    ensure_course_index()
    for index in CourseIndexPage.objects.all():
        WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": workflow})
        _grant_pages(trainers, index, TRAINER_PAGE_PERMISSIONS)
        _grant_pages(reviewers, index, REVIEWER_PAGE_PERMISSIONS)
    return workflow
