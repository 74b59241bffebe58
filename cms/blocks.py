"""StreamField blocks of a lesson body.

A law citation shows the article the trainer picked, as the reviewer approved it.
Once a newer version of the law is current and the article was changed, moved to
another number or repealed, the learner is told “本条已修订” with a link to the
article that continues it (``cms.laws.amendments`` matched them when the version
was imported), and the trainers are flagged to update the lesson. The lesson page
resolves all its citations in two queries and hands them to the blocks as
``current_articles`` (``cms.selectors.laws.cited_articles``).

The check question's correct answer is stored in the block but never rendered:
the page posts the learner's choice and the server compares.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.stream_block import StreamBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

from cms.choosers import law_article_chooser_viewset
from core.html import is_external, validate_html

LawArticleChooserBlock = law_article_chooser_viewset.get_block_class(
    name="LawArticleChooserBlock", module_path="cms.blocks"
)


class HeadingBlock(blocks.CharBlock):
    class Meta:
        icon = "title"
        label = _("小标题")
        template = "cms/blocks/heading.html"
        form_classname = "title"


class LawCitationBlock(blocks.StructBlock):
    article = LawArticleChooserBlock(label=_("法条"))
    note = blocks.CharBlock(label=_("引用说明"), required=False, max_length=200)

    class Meta:
        icon = "doc-full"
        label = _("法条引用")
        template = "cms/blocks/law_citation.html"

    def get_context(self, value, parent_context=None):
        from cms.selectors.laws import cited_articles

        context = super().get_context(value, parent_context=parent_context)
        chosen = value.get("article")
        resolved = (parent_context or {}).get("current_articles")
        if chosen is None:
            citation = None
        elif resolved is not None and chosen.pk in resolved:
            citation = resolved[chosen.pk]
        else:
            citation = cited_articles([chosen.pk]).get(chosen.pk)
        context["citation"] = citation
        return context


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("图片"))
    caption = blocks.CharBlock(label=_("图注"), required=False, max_length=200)

    class Meta:
        icon = "image"
        label = _("图片")
        template = "cms/blocks/image.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("文档"))
    title = blocks.CharBlock(label=_("显示名称"), required=False, max_length=200)

    class Meta:
        icon = "doc-full-inverse"
        label = _("文档")
        template = "cms/blocks/document.html"


class VideoEmbedBlock(EmbedBlock):
    """Wagtail's embed block, shown as its address where the admin draws a value as text.

    The revision comparison draws each field with ``render_basic``: Wagtail's would print
    an empty embed as "None" and fetch the video site's player for a filled one.
    """

    def render_basic(self, value, context=None):
        return value.url if value else ""


class VideoBlock(blocks.StructBlock):
    """An uploaded video file (mp4/webm document) or an embedded video page.

    An uploaded video is played by the lesson page's own player, which counts study time
    only while it plays and does not let a first viewing skip ahead (``static/cms/lesson.js``);
    a video site's player cannot be controlled, so the help texts tell the trainer so.
    """

    file = DocumentChooserBlock(
        label=_("视频文件"),
        required=False,
        help_text=_(
            "上传的 mp4 或 webm 文件。学员首次观看时不能快进（可以回看）；含视频文件的课时只在视频播放"
            "且页面在前台时计时，最少学习时间请不要超过视频时长。"
        ),
    )
    embed = VideoEmbedBlock(
        label=_("外部视频网址"),
        required=False,
        help_text=_(
            "或填写视频网站的播放页网址。外部网站的播放器无法控制：学员可以随意快进，"
            "计时也只能按页面在前台的时间计算。需要防止快进时请上传视频文件。"
        ),
    )
    caption = blocks.CharBlock(label=_("说明"), required=False, max_length=200)

    class Meta:
        icon = "media"
        label = _("视频")
        template = "cms/blocks/video.html"

    def clean(self, value):
        # Before the children's clean: EmbedBlock's would fetch the URL from the video site.
        url = getattr(value.get("embed"), "url", None) or ""
        if url and is_external(url, frame=True):
            message = _("不允许嵌入外部网站的视频：%(url)s。请上传视频文件，或请系统管理员把该网站加入允许嵌入的网站。")
            raise StructBlockValidationError(block_errors={"embed": ValidationError(message % {"url": url})})
        value = super().clean(value)
        if bool(value.get("file")) == bool(value.get("embed")):
            message = _("请上传视频文件或填写外部视频网址（二者选其一）。")
            raise StructBlockValidationError(block_errors={"file": ValidationError(message)})
        return value


class CheckQuestionBlock(blocks.StructBlock):
    """A single-choice question the learner must answer correctly to finish the lesson."""

    question = blocks.TextBlock(label=_("题目"))
    options = blocks.ListBlock(blocks.CharBlock(label=_("选项"), max_length=300), label=_("选项"), min_num=2, max_num=6)
    answer = blocks.IntegerBlock(
        label=_("正确选项（第几项）"), min_value=1, max_value=6, help_text=_("填写正确选项的序号，如 2 表示第二项。")
    )
    explanation = blocks.TextBlock(label=_("答对后显示的解析"), required=False)

    class Meta:
        icon = "help"
        label = _("随堂检测题")
        template = "cms/blocks/check_question.html"

    def clean(self, value):
        value = super().clean(value)
        if value["answer"] is not None and value["answer"] > len(value["options"]):
            message = _("正确选项是第 %(n)s 项，但只有 %(count)s 个选项。") % {
                "n": value["answer"],
                "count": len(value["options"]),
            }
            raise StructBlockValidationError(block_errors={"answer": ValidationError(message)})
        return value


class LessonBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(label=_("正文"), template="cms/blocks/paragraph.html")
    law_citation = LawCitationBlock()
    image = ImageBlock()
    document = DocumentBlock()
    video = VideoBlock()
    check = CheckQuestionBlock()

    class Meta:
        block_counts = {"check": {"max_num": 1}}

    def clean(self, value):
        """Rich text may not load anything from another site (an image, an embedded player): core.html."""
        errors = {}
        for index, child in enumerate(value):
            if child.block_type == "paragraph":
                try:
                    validate_html(child.value.source)
                except ValidationError as exc:
                    errors[index] = exc
        try:
            cleaned = super().clean(value)
        except StreamBlockValidationError as exc:
            if not errors:
                raise
            raise StreamBlockValidationError(
                block_errors={**exc.block_errors, **errors}, non_block_errors=exc.non_block_errors
            ) from None
        if errors:
            raise StreamBlockValidationError(block_errors=errors)
        return cleaned
