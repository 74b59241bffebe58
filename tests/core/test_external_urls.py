"""Question and lesson HTML may not load anything from another site (a tracking pixel reveals who sits an exam).

Every path that stores such HTML refuses it, naming the URL: the question editor's
service, the question-bank imports (all-or-nothing, naming the question), and the
lesson body in the page editor.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from wagtail.blocks.stream_block import StreamBlockValidationError
from wagtail.rich_text import RichText

from core.html import inspect_html, is_external, validate_html
from exams.models import Question, QuestionType
from exams.services.question_import import QuestionImportFailed, import_questions
from exams.services.questions import save_question
from tests.exams import factories_exams as f

PIXEL = "https://tracker.example/p.gif"
REFUSED = f"不允许引用外部网站的图片或资源：{PIXEL}，请上传到本站后再引用。"
TINY_PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGM4o6SEFTEMLQkAvM5EAT6yk8sAAAAASUVORK5CYII="


# --- the rule ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        f'<p><img src="{PIXEL}"></p>',
        '<img src="//tracker.example/p.gif">',
        '<img src="\\\\tracker.example/p.gif">',
        '<img src="http:/tracker.example/p.gif">',
        '<img src="/media/a.png" srcset="/media/a.png 1x, https://tracker.example/b.png 2x">',
        '<iframe src="https://tracker.example/frame"></iframe>',
        '<video poster="https://tracker.example/p.jpg"><source src="/media/v.mp4"></video>',
        '<audio><source src="https://tracker.example/a.mp3"></audio>',
        '<link rel="stylesheet" href="https://tracker.example/s.css">',
        '<object data="https://tracker.example/x.swf"></object>',
        '<embed src="https://tracker.example/x.swf">',
        '<table background="https://tracker.example/bg.png"><tr><td>x</td></tr></table>',
        "<p style=\"background-image: url('https://tracker.example/bg.png')\">x</p>",
        '<p style="background: u\\72l(https://tracker.example/bg.png)">x</p>',
        '<style>@import "https://tracker.example/s.css";</style>',
        '<svg><image href="https://tracker.example/i.png"/></svg>',
        '<embed embedtype="media" url="https://v.example/watch?v=1"/>',
        '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">',
        '<img src="&#104;ttps://tracker.example/p.gif">',
    ],
)
def test_anything_loaded_from_another_site_is_found(html):
    assert inspect_html(html)[0], html


@pytest.mark.parametrize(
    "html",
    [
        '<p><img src="/media/images/seal.png"></p>',
        '<img src="/documents/1/x.png">',
        '<img src="images/relative.png">',
        '<img src="http://127.0.0.1:8000/media/x.png">',  # SITE_URL in the test settings
        f'<img src="{TINY_PNG}">',
        '<a href="https://www.npc.gov.cn/">全国人大</a>',  # a link loads nothing until clicked
        '<embed embedtype="image" id="3" format="left" alt=""/>',  # a Wagtail image: ours
        "<p style=\"font-family: 'Microsoft YaHei'\">x</p>",
    ],
)
def test_own_files_inline_images_and_links_are_fine(html):
    assert inspect_html(html) == ([], [])


def test_a_large_inline_image_counts_as_external(settings):
    settings.MAX_INLINE_IMAGE_BYTES = 10
    assert is_external(TINY_PNG)


def test_embed_origins_admit_a_video_player_but_not_its_images(settings):
    settings.EMBED_ORIGINS = ["https://player.example.cn"]
    assert not is_external("https://player.example.cn/v/1", frame=True)
    assert is_external("https://player.example.cn/v/1.jpg")


def test_scripts_and_event_handlers_are_refused():
    with pytest.raises(ValidationError) as caught:
        validate_html('<img src="/media/a.png" onerror="alert(1)"><script>alert(2)</script>')
    assert caught.value.messages == ["不允许包含脚本或事件处理属性：onerror=、<script>。"]


# --- questions: the editor's service -----------------------------------------------------


@pytest.mark.django_db
def test_question_with_a_tracking_pixel_is_refused_by_the_service():
    with pytest.raises(ValidationError) as caught:
        save_question(
            category=f.category(),
            qtype=QuestionType.TRUEFALSE,
            stem=f'<p>行政处罚决定书应当载明救济途径。<img src="{PIXEL}" width="1" height="1"></p>',
            options=[{"key": "T", "correct": True}],
        )
    assert caught.value.message_dict == {"stem": [REFUSED]}
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_an_edit_that_adds_an_external_image_to_the_explanation_is_refused():
    question = f.question(QuestionType.TRUEFALSE, correct=("T",))
    before = question.current_version.explanation
    with pytest.raises(ValidationError) as caught:
        save_question(
            question=question,
            category=question.category,
            qtype=QuestionType.TRUEFALSE,
            stem="<p>题干</p>",
            options=[{"key": "T", "correct": True}],
            explanation=f'<p>解析<img src="{PIXEL}"></p>',
        )
    assert caught.value.message_dict == {"explanation": [REFUSED]}
    question.current_version.refresh_from_db()
    assert question.current_version.explanation == before


@pytest.mark.django_db
def test_own_and_inline_images_are_kept_and_handlers_stripped_by_the_sanitiser():
    question = save_question(
        category=f.category(),
        qtype=QuestionType.TRUEFALSE,
        stem=f'<p>印章<img src="{TINY_PNG}" onerror="alert(1)"><img src="/media/seal.png"></p>',
        options=[{"key": "T", "correct": True}],
    )
    stem = question.current_version.stem
    assert TINY_PNG in stem and "/media/seal.png" in stem and "onerror" not in stem


# --- questions: imports (all-or-nothing, the error names the question) -------------------

MOODLE_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="truefalse">
    <name><text>无害的题</text></name>
    <questiontext format="html"><text><![CDATA[<p>行政处罚应当公正、公开。</p>]]></text></questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
  <question type="truefalse">
    <name><text>带跟踪像素的题</text></name>
    <questiontext format="html"><text><![CDATA[<p>听证应当公开举行。</p><img src="{PIXEL}" width="1" height="1">]]></text></questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
</quiz>
""".encode()

GIFT = """::无害的题::行政处罚应当公正、公开。{T}

::带跟踪像素的题::[html]<p>听证应当公开举行。<img src\\="https\\://tracker.example/p.gif"></p>{T}
""".encode()


@pytest.mark.django_db
@pytest.mark.parametrize(("fmt", "data"), [("moodle-xml", MOODLE_XML), ("gift", GIFT)])
def test_import_with_an_external_image_is_refused_naming_the_question(fmt, data):
    with pytest.raises(QuestionImportFailed) as caught:
        import_questions(data=data, fmt=fmt)
    errors = caught.value.outcome.errors
    assert [(e.question, e.message) for e in errors] == [("第 2 题「带跟踪像素的题」", REFUSED)]
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_import_dry_run_reports_the_same_refusal():
    with pytest.raises(QuestionImportFailed) as caught:
        import_questions(data=MOODLE_XML, fmt="moodle-xml", dry_run=True)
    assert PIXEL in str(caught.value)


# --- lessons: the page editor ------------------------------------------------------------


def _body_errors(value) -> dict:
    from cms.models import LessonPage

    block = LessonPage._meta.get_field("body").stream_block
    with pytest.raises(StreamBlockValidationError) as caught:
        block.clean(block.to_python(value))
    return caught.value.block_errors


@pytest.mark.django_db
def test_lesson_rich_text_with_an_external_image_or_player_is_refused():
    errors = _body_errors(
        [
            {"type": "heading", "value": "要点"},
            {"type": "paragraph", "value": '<p>听证程序。</p><embed embedtype="media" url="https://v.example/1"/>'},
            {"type": "paragraph", "value": "<p>无害的段落。</p>"},
            {"type": "paragraph", "value": f'<p><img src="{PIXEL}"></p>'},
        ]
    )
    assert set(errors) == {1, 3}
    assert errors[3].messages == [REFUSED]
    assert "https://v.example/1" in errors[1].messages[0]


@pytest.mark.django_db
def test_lesson_video_from_another_site_is_refused_without_contacting_it(monkeypatch):
    import wagtail.embeds.embeds

    def no_network(*args, **kwargs):
        raise AssertionError("the embed URL was fetched")

    monkeypatch.setattr(wagtail.embeds.embeds, "get_embed", no_network)
    errors = _body_errors([{"type": "video", "value": {"embed": "https://v.example/watch?v=1", "caption": ""}}])
    assert errors[0].block_errors["embed"].messages == [
        "不允许嵌入外部网站的视频：https://v.example/watch?v=1。请上传视频文件，或请系统管理员把该网站加入允许嵌入的网站。"
    ]


@pytest.mark.django_db
def test_lesson_page_editor_form_refuses_an_external_url_in_the_body(trainer):
    """What the Wagtail editor posts: the page's edit form with a rich text block holding a media embed."""
    from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

    from cms.models import LessonPage
    from tests.cms import course_factories as cf

    lesson = cf.lesson(cf.course())
    form_class = LessonPage.get_edit_handler().get_form_class()
    data = nested_form_data(
        {
            "title": lesson.title,
            "slug": lesson.slug,
            "min_study_seconds": 600,
            "body": streamfield(
                [("paragraph", rich_text('<p>听证</p><embed embedtype="media" url="https://v.example/1"/>'))]
            ),
        }
    )
    form = form_class(data, instance=lesson, parent_page=lesson.get_parent(), for_user=trainer)
    assert not form.is_valid()
    assert set(form.errors) == {"body"}
    (error,) = form.errors.as_data()["body"]
    assert "https://v.example/1" in error.block_errors[0].messages[0]


@pytest.mark.django_db
def test_lesson_with_own_content_still_validates():
    from cms.models import LessonPage

    block = LessonPage._meta.get_field("body").stream_block
    value = block.to_python(
        [{"type": "paragraph", "value": RichText('<p>本课时<a href="https://www.npc.gov.cn/">链接</a></p>').source}]
    )
    block.clean(value)


@pytest.mark.parametrize("model_name", ["HomePage", "CourseIndexPage"])
def test_page_intros_may_not_load_from_other_sites(db, model_name):
    from django.core.exceptions import ValidationError

    import cms.models

    page = getattr(cms.models, model_name)(
        title="x", slug="x", intro='<p><img src="https://tracker.example/p.gif"></p>'
    )
    with pytest.raises(ValidationError) as info:
        page.clean()
    assert "tracker.example" in str(info.value.message_dict["intro"])
    page.intro = "<p>本站内容</p>"
    page.clean()
