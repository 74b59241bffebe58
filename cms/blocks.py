"""StreamField blocks of a lesson body.

A law citation stores the article a trainer picked but renders the text of the
same-numbered article in the law's *current* version, so a lesson written
against 行政复议法 2017 shows the 2023 text once that version is current. The
lesson page resolves all its citations in two queries and hands the result to
the blocks as ``current_articles`` (see ``LessonPage.get_context``).

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
        context = super().get_context(value, parent_context=parent_context)
        chosen = value.get("article")
        current_articles = (parent_context or {}).get("current_articles")
        if chosen is None:
            current = None
        elif current_articles is not None:
            current = current_articles.get(chosen.pk)
        else:
            current = chosen.current()
        context["current_article"] = current
        context["chosen_article"] = chosen
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


class VideoBlock(blocks.StructBlock):
    """An uploaded video file (mp4/webm document) or an embedded video page."""

    file = DocumentChooserBlock(label=_("视频文件"), required=False, help_text=_("上传的 mp4 或 webm 文件。"))
    embed = EmbedBlock(label=_("外部视频网址"), required=False, help_text=_("或填写视频网站的播放页网址。"))
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
