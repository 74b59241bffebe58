"""Course content: the catalogue, courses and their lessons (Wagtail pages).

Pages describe content only. What a learner *does* with it (time studied, the
check question, completion, credits) lives in apps above ``cms`` and points back at
these pages; those apps add what the learner's page shows, and record the visit,
through ``cms.extensions`` (``get_context`` only reads; a visit writes in ``serve``).

Every one of these pages needs a signed-in learner; a course (and its lessons)
is served only while it is published and meant for the learner's audience —
the one rule for that is ``cms.selectors.courses.courses_for``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, MultipleChooserPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from accounts import audience
from accounts.models import StaffCategory
from accounts.pickers import UnitPicker
from cms.blocks import LessonBodyBlock
from cms.compare import HourCategoryPanel
from cms.extensions import hour_categories, learner_context, record_visit
from cms.fields import ChoiceListField
from cms.search.registry import COURSE, LESSON, register_kind
from core.html import validate_html_fields

DEFAULT_MIN_STUDY_SECONDS = 600


class SignedInPageMixin:
    """Learner pages: sign-in first, then the page's own visibility rule (404 otherwise).

    The context is read first (``get_context`` writes nothing), then the visit is
    recorded by the apps registered in ``cms.extensions`` (never for a preview).
    """

    def learner_may_open(self, user) -> bool:
        return True

    @classmethod
    def pages_open_to(cls, user):
        """The pages of this type ``user`` may open: ``learner_may_open`` as one queryset.

        ``cms.media_access`` asks it which files (documents, images, videos) a learner may receive.
        """
        return cls.objects.live() if user.is_authenticated else cls.objects.none()

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(learner_context(request, self))
        return context

    def serve(self, request, *args, **kwargs):
        preview = getattr(request, "is_preview", False)
        if not preview:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not self.learner_may_open(request.user):
                raise Http404
        request.is_preview = False  # as Wagtail's Page.serve
        context = self.get_context(request, *args, **kwargs)
        if not preview:
            record_visit(request, self, context)
        return TemplateResponse(request, self.get_template(request, *args, **kwargs), context)


class ReviewedWithItsCourseMixin:
    """Courses and lessons are reviewed a whole course at a time (``cms.services.course_review``), never page by page.

    Wagtail's per-page workflow ("法制审核", assigned to the catalogue, which keeps it for
    itself) is switched off for them: their editor offers no "提交审核" of one page (a
    forged one saves a draft; on a new course ``cms.course_review_admin`` refuses it). A
    lesson approved alone would be reviewed without the course it belongs to.
    """

    @property
    def has_workflow(self) -> bool:
        return False

    def get_workflow(self):
        return None


class CourseIndexPage(SignedInPageMixin, Page):
    """The course catalogue (课程中心)."""

    intro = RichTextField(_("简介"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.CoursePage"]
    template = "cms/course_index_page.html"

    def clean(self):
        super().clean()
        validate_html_fields(self, "intro")

    class Meta:
        verbose_name = _("课程中心")
        verbose_name_plural = _("课程中心")


class CoursePage(ReviewedWithItsCourseMixin, SignedInPageMixin, Page):
    """A course: a sequence of lessons worth ``credit_hours`` of one hour category once completed."""

    summary = models.TextField(_("课程简介"), max_length=600)
    cover = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("封面图片"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    category = models.CharField(
        _("学时类别"),
        max_length=32,
        default="legal",
        help_text=_("完成课程后计入的学时类别。"),
    )
    credit_hours = models.DecimalField(
        _("学时"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("1.0"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("100"))],
        help_text=_("完成全部课时（及课程考试）后计入台账的学时。"),
    )
    audience_units = ParentalManyToManyField(
        "accounts.OrgUnit",
        verbose_name=_("面向单位"),
        blank=True,
        related_name="audience_courses",
        help_text=audience.UNITS_HELP,
    )
    audience_categories = ChoiceListField(
        _("面向人员类别"),
        item_choices=StaffCategory.choices,
        help_text=audience.help_text(audience.CATEGORIES_HELP, audience.OPEN_HELP),
    )
    exam = models.ForeignKey(
        "exams.Exam",
        verbose_name=_("课程考试"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="courses",
        help_text=_("可选。设置后，学员须完成全部课时并通过此考试，课程才算完成。"),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("cover"),
        FieldRowPanel([HourCategoryPanel("category"), FieldPanel("credit_hours")]),
        MultiFieldPanel(
            [FieldPanel("audience_units", widget=UnitPicker), FieldPanel("audience_categories")], heading=_("学习对象")
        ),
        FieldPanel("exam"),
        MultipleChooserPanel(
            "law_article_links", chooser_field_name="article", label=_("涵盖法条"), heading=_("涵盖法条")
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary")]
    parent_page_types = ["cms.CourseIndexPage"]
    subpage_types = ["cms.LessonPage"]
    template = "cms/course_page.html"

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = _("课程")

    def clean(self):
        super().clean()
        if self.category not in dict(hour_categories()):
            raise ValidationError({"category": _("未知的学时类别“%(code)s”。") % {"code": self.category}})

    def learner_may_open(self, user) -> bool:
        from cms.selectors.courses import can_study

        return can_study(user, self)

    @classmethod
    def pages_open_to(cls, user):
        from cms.selectors.courses import courses_for

        return courses_for(user)


class CourseLawArticle(Orderable):
    """A law article a course covers (for the catalogue's law filter and exam statistics)."""

    page = ParentalKey(CoursePage, on_delete=models.CASCADE, related_name="law_article_links")
    article = models.ForeignKey(
        "cms.LawArticle", verbose_name=_("法条"), on_delete=models.CASCADE, related_name="course_links"
    )

    panels = [FieldPanel("article")]

    class Meta(Orderable.Meta):
        verbose_name = _("涵盖法条")
        verbose_name_plural = _("涵盖法条")
        constraints = [models.UniqueConstraint(fields=["page", "article"], name="cms_courselawarticle_unique")]


class LessonPage(ReviewedWithItsCourseMixin, SignedInPageMixin, Page):
    """One lesson of a course: body blocks, an optional check question and a minimum study time."""

    body = StreamField(LessonBodyBlock(), verbose_name=_("正文"), blank=True)
    min_study_seconds = models.PositiveIntegerField(
        _("最少学习时间（秒）"),
        default=DEFAULT_MIN_STUDY_SECONDS,
        validators=[MinValueValidator(30), MaxValueValidator(6 * 3600)],
        help_text=_("页面处于前台的累计学习时间达到此值，且随堂检测答对后，本课时才算完成。"),
    )

    content_panels = [*Page.content_panels, FieldPanel("min_study_seconds"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["cms.CoursePage"]
    subpage_types: list[str] = []
    template = "cms/lesson_page.html"

    class Meta:
        verbose_name = _("课时")
        verbose_name_plural = _("课时")

    def learner_may_open(self, user) -> bool:
        from cms.selectors.courses import course_of_lesson

        return course_of_lesson(user, self) is not None

    @classmethod
    def pages_open_to(cls, user):
        from cms.selectors.courses import lessons_for

        return lessons_for(user)

    def check_question(self):
        """The value (``StructValue``) of the lesson's check question, or ``None``.

        Read from the raw stream so that heartbeats do not load the images,
        documents and articles the other blocks point at.
        """
        for item in self.body.raw_data:
            if item.get("type") == "check":
                return self.body.stream_block.child_blocks["check"].to_python(item.get("value") or {})
        return None

    @property
    def has_check_question(self) -> bool:
        return any(item.get("type") == "check" for item in self.body.raw_data)

    @property
    def has_video_file(self) -> bool:
        """Whether a video block holds an uploaded file: then study time counts only while it plays."""
        return any(item.get("type") == "video" and (item.get("value") or {}).get("file") for item in self.body.raw_data)

    @property
    def required_seconds(self) -> int:
        return required_seconds_for(self.min_study_seconds)


def required_seconds_for(min_study_seconds: int) -> int:
    """A lesson's minimum study time, shortened in test settings (``LESSON_MIN_SECONDS_OVERRIDE``)."""
    override = getattr(settings, "LESSON_MIN_SECONDS_OVERRIDE", None)
    return int(override) if override is not None else min_study_seconds


def _visible_course_ids(user):
    from cms.course_search import visible_course_ids

    return visible_course_ids(user)


def _visible_lesson_ids(user):
    from cms.course_search import visible_lesson_ids

    return visible_lesson_ids(user)


# Search hits for courses and lessons follow the same audience rule as the pages.
register_kind(COURSE, label=_("课程"), order=10, visible=_visible_course_ids)
register_kind(LESSON, label=_("课时"), order=20, visible=_visible_lesson_ids)
