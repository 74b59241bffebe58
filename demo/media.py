"""Demo attachments: a cover for 《行政处罚法》精讲 and a PDF handout in its first lesson.

They show what a lesson's attachments look like, and give the production-stack test a real
document and image behind the permission check (``tests/deploy/test_production_stack.py``:
refused to visitors through nginx, sent to the demo learner with X-Accel-Redirect). Both are
drawn here (Pillow, reportlab with the certificates' font), so the demo ships no binary files.
The handout's file name is Chinese on purpose: nginx must find it from the percent-encoded
X-Accel-Redirect. Running the function again changes nothing.
"""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from cms.models import CoursePage, LessonPage
from core.fonts import font_path, font_problem

COURSE_SLUG = "xzcf-jingjiang"
HANDOUT_TITLE = "《行政处罚法》精讲 · 第一课时讲义"
HANDOUT_FILENAME = "行政处罚法精讲讲义.pdf"
COVER_TITLE = "《行政处罚法》精讲 · 封面"


def _cover_png() -> bytes:
    image = PILImage.new("RGB", (1280, 720), (22, 64, 120))
    draw = ImageDraw.Draw(image)
    for i in range(12):
        draw.rectangle((80 + i * 90, 520 - i * 30, 140 + i * 90, 620), fill=(240, 196, 80 - i * 4))
    draw.ellipse((920, 90, 1160, 330), outline=(240, 240, 240), width=14)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _handout_pdf(lines: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = "Helvetica"
    if font_problem() is None:
        font = "DemoHandout"
        pdfmetrics.registerFont(TTFont(font, str(font_path())))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(HANDOUT_TITLE)
    y = A4[1] - 72
    for i, line in enumerate(lines):
        pdf.setFont(font, 16 if i == 0 else 11)
        pdf.drawString(64, y, line[:48])
        y -= 28 if i == 0 else 18
    pdf.save()
    return buffer.getvalue()


@transaction.atomic
def seed_demo_attachments() -> bool:
    """Give the first demo course a cover and its first lesson a handout (published); False when already done."""
    course = CoursePage.objects.filter(slug=COURSE_SLUG).first()
    lesson = LessonPage.objects.child_of(course).order_by("path").first() if course else None
    if lesson is None or course.cover_id is not None:
        return False
    cover = get_image_model()(title=COVER_TITLE, file=ImageFile(io.BytesIO(_cover_png()), name="xzcf-cover.png"))
    cover._set_image_file_metadata()
    cover.save()
    lines = [HANDOUT_TITLE, f"课时：{lesson.title}", "", "学习要点：", "1. 行政处罚的原则：公正、公开；过罚相当。"]
    lines += ["2. 设定和实施行政处罚必须以事实为依据。", "3. 对违法行为给予行政处罚的规定必须公布。"]
    handout = get_document_model()(title=HANDOUT_TITLE, file=ContentFile(_handout_pdf(lines), name=HANDOUT_FILENAME))
    handout._set_document_file_metadata()
    handout.save()
    lesson.body = [*lesson.body.raw_data, {"type": "document", "value": {"document": handout.pk, "title": ""}}]
    lesson.save_revision().publish()
    course.cover = cover
    course.save_revision().publish()
    return True
