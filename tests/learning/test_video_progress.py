"""The furthest point a learner watched of each uploaded video: kept with the lesson progress.

It travels inside the ordinary heartbeat, only grows, survives a reload (the lesson page
hands it back to the player) and a malformed report is refused whole, changing nothing.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from wagtail.documents import get_document_model

from cms.blocks import VideoBlock, VideoEmbedBlock
from learning.models import LessonProgress, LessonTimer
from learning.services.progress import ProgressError
from learning.services.video_progress import MAX_VIDEOS_PER_LESSON, merged_positions, parse_video_positions
from tests.cms import course_factories as cf

BLOCK = "5d1c7a38-8c0e-4a55-9f62-1d2f8d1e3b40"


@pytest.fixture
def video_lesson(db):
    from django.core.files.base import ContentFile

    document = get_document_model().objects.create(
        title="讲解视频", file=ContentFile(b"\x1aE\xdf\xa3 not really a video", name="clip.webm")
    )
    course_page = cf.course()
    lesson = cf.lesson(course_page, check=None)
    lesson.body.append(("video", {"file": document, "embed": None, "caption": ""}))
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    return lesson


def _video_block_id(lesson) -> str:
    return next(child.id for child in lesson.body if child.block_type == "video")


def _beat(client, lesson, **extra):
    body = {"lesson": lesson.pk, "visible": True, "claim": True, **extra}
    return client.post(reverse("learning:lesson_heartbeat"), json.dumps(body), content_type="application/json")


def test_a_heartbeat_stores_the_furthest_point_and_it_only_grows(client_for, learner, video_lesson):
    client = client_for(learner)
    block = _video_block_id(video_lesson)
    assert _beat(client, video_lesson, video={block: {"furthest": 42.37, "ended": False}}).status_code == 200
    progress = LessonProgress.objects.get(user=learner, lesson=video_lesson)
    assert progress.video_positions == {block: {"furthest": 42.4, "ended": False}}

    # A late or repeated beat with an earlier position moves nothing back.
    assert _beat(client, video_lesson, video={block: {"furthest": 10, "ended": False}}).status_code == 200
    progress.refresh_from_db()
    assert progress.video_positions[block]["furthest"] == 42.4

    assert _beat(client, video_lesson, video={block: {"furthest": 60, "ended": True}}).status_code == 200
    assert _beat(client, video_lesson, video={block: {"furthest": 61, "ended": False}}).status_code == 200
    progress.refresh_from_db()
    assert progress.video_positions[block] == {"furthest": 61.0, "ended": True}


def test_a_beacon_carries_the_positions_as_json_text(client_for, learner, video_lesson):
    client = client_for(learner)
    block = _video_block_id(video_lesson)
    _beat(client, video_lesson)
    response = client.post(
        reverse("learning:lesson_heartbeat"),
        {"lesson": video_lesson.pk, "visible": "0", "video": json.dumps({block: {"furthest": 7.5, "ended": False}})},
    )
    assert response.status_code == 200
    assert LessonProgress.objects.get(user=learner, lesson=video_lesson).video_positions[block]["furthest"] == 7.5


@pytest.mark.parametrize(
    "video",
    [
        [1, 2],
        {BLOCK: 12},
        {BLOCK: {"furthest": -1, "ended": False}},
        {BLOCK: {"furthest": 10**9, "ended": False}},
        {BLOCK: {"furthest": "12", "ended": False}},
        {BLOCK: {"furthest": True, "ended": False}},
        {BLOCK: {"furthest": 12, "ended": "yes"}},
        {"<script>": {"furthest": 12, "ended": False}},
        {f"{i:036d}": {"furthest": 1, "ended": False} for i in range(MAX_VIDEOS_PER_LESSON + 1)},
        "{not json",
    ],
)
def test_a_malformed_report_is_refused_and_changes_nothing(client_for, learner, video_lesson, video):
    client = client_for(learner)
    _beat(client, video_lesson)
    timer_before = LessonTimer.objects.get(user=learner).version
    response = _beat(client, video_lesson, video=video)
    assert response.status_code == 400
    assert "视频观看进度的格式不正确" in response.json()["error"]
    assert LessonTimer.objects.get(user=learner).version == timer_before, "the beat itself was not recorded"
    assert LessonProgress.objects.get(user=learner, lesson=video_lesson).video_positions == {}


def test_no_position_is_stored_for_a_lesson_the_learner_may_not_study(client_for, learner, video_lesson):
    client = client_for(learner)
    video_lesson.unpublish()
    response = _beat(client, video_lesson, video={_video_block_id(video_lesson): {"furthest": 5, "ended": True}})
    assert response.status_code == 404
    assert not LessonProgress.objects.filter(user=learner, lesson=video_lesson).exists()


def test_the_record_stays_bounded_whatever_ids_a_forged_page_sends():
    stored = {f"{i:036d}": {"furthest": 1.0, "ended": False} for i in range(MAX_VIDEOS_PER_LESSON)}
    merged = merged_positions(stored, {BLOCK: (5.0, True), f"{0:036d}": (9.0, False)})
    assert len(merged) == MAX_VIDEOS_PER_LESSON
    assert BLOCK not in merged
    assert merged[f"{0:036d}"] == {"furthest": 9.0, "ended": False}


def test_parsing_rounds_to_a_tenth_and_accepts_an_empty_report():
    assert parse_video_positions(None) == {}
    assert parse_video_positions("") == {}
    assert parse_video_positions({BLOCK: {"furthest": 3.14159, "ended": False}}) == {BLOCK: (3.1, False)}
    with pytest.raises(ProgressError):
        parse_video_positions({BLOCK: {"furthest": float("nan"), "ended": False}})


def test_the_lesson_page_hands_the_player_its_record(client_for, learner, video_lesson):
    client = client_for(learner)
    block = _video_block_id(video_lesson)
    _beat(client, video_lesson, video={block: {"furthest": 33, "ended": False}})
    response = client.get(video_lesson.url)
    html = response.content.decode()
    assert f'data-lesson-video="{block}"' in html
    assert "首次观看时不能快进" in html
    assert "视频播放且页面在前台时计时" in html
    positions = json.loads(html.split('id="lesson-video-positions" type="application/json">')[1].split("</script>")[0])
    assert positions == {block: {"furthest": 33.0, "ended": False}}


def test_a_text_lesson_keeps_its_visible_page_rule(client_for, learner):
    client = client_for(learner)
    lesson = cf.lesson(cf.course(), check=None)
    html = client.get(lesson.url).content.decode()
    assert "data-lesson-video" not in html
    assert "页面在前台时计时" in html and "视频播放" not in html


def test_an_empty_embed_reads_as_nothing_in_the_revision_comparison():
    """Wagtail's compare view draws each field with ``render_basic``: an empty embed was "None"."""
    assert VideoEmbedBlock().render_basic(None) == ""
    value = VideoBlock().to_python({"file": None, "embed": "https://v.example.org/watch/1", "caption": ""})
    assert VideoEmbedBlock().render_basic(value["embed"]) == "https://v.example.org/watch/1"
