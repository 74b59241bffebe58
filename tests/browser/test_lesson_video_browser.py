"""A video lesson in a real Chromium with a real (12-second, 4 KB) webm file.

On a first viewing the learner may seek back but not past the furthest point watched;
that point survives a reload because it is kept with the lesson progress on the
server; study time counts only while the video plays and the page is visible.
Hidden pages are emulated the way the Page Visibility API reports them (the document's
``visibilityState`` and its ``visibilitychange`` event), which is all the page reads.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.core.files import File
from wagtail.documents import get_document_model
from wagtail.models import Collection

from learning.models import LessonProgress, LessonTimer
from tests.cms import course_factories as cf

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLIP = Path(__file__).resolve().parents[1] / "fixtures" / "lesson_clip.webm"  # 12 s, 64×36 VP8

HIDE_PAGE = """() => {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
  Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
  document.dispatchEvent(new Event("visibilitychange"));
}"""
SHOW_PAGE = """() => {
  delete document.visibilityState;
  delete document.hidden;
  document.dispatchEvent(new Event("visibilitychange"));
}"""


@pytest.fixture
def fast_beats(settings):
    settings.LESSON_HEARTBEAT_SECONDS = 1
    settings.LESSON_MIN_SECONDS_OVERRIDE = 600  # never completes during the test


@pytest.fixture
def video_lesson(db):
    if Collection.get_first_root_node() is None:  # a transactional test's flush removed the migrated root
        Collection.add_root(name="Root")
    document = get_document_model().objects.create(title="听证程序讲解", file=File(CLIP.open("rb"), name="clip.webm"))
    course_page = cf.course(title="视频课程")
    lesson = cf.lesson(course_page, title="听证程序（视频）", check=None)
    lesson.body.append(("video", {"file": document, "embed": None, "caption": "听证程序讲解"}))
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    return lesson


def _serve_video_with_ranges(page):
    """Answer the video's requests with byte ranges, as nginx does in production.

    Chromium can seek in a video only when its server answers ``Range`` requests;
    the document view the test server runs answers every request whole. How media is
    served is not what this test is about, so the clip is answered here.
    """
    data = CLIP.read_bytes()

    def fulfil(route):
        wanted = route.request.headers.get("range", "")
        start, end = 0, len(data) - 1
        if wanted.startswith("bytes="):
            first, _, last = wanted[6:].partition("-")
            start, end = int(first or 0), int(last) if last else len(data) - 1
        headers = {
            "Content-Type": "video/webm",
            "Accept-Ranges": "bytes",
            "Content-Range": f"bytes {start}-{end}/{len(data)}",
        }
        route.fulfill(status=206 if wanted else 200, headers=headers, body=data[start : end + 1])

    page.route("**/*.webm", fulfil)
    return page


def _video(page, script: str):
    return page.evaluate(f"() => {{ const v = document.querySelector('video[data-lesson-video]'); {script} }}")


def _seconds(user, lesson) -> int:
    row = LessonProgress.objects.filter(user=user, lesson=lesson).first()
    return row.seconds_studied if row else 0


def _wait_until(condition, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


def _wait_js(page, expression: str, timeout: float = 15.0):
    """Poll a page expression (the page's CSP forbids the eval that ``wait_for_function`` relies on)."""
    _wait_until(lambda: page.evaluate(f"() => Boolean({expression})"), timeout)


def _timer_stopped(user):
    return lambda: not LessonTimer.objects.filter(user=user, running=True).exists()


def _play(page):
    # Muted playback needs no user gesture (Chromium's autoplay policy); sound plays no part here.
    _video(page, "v.muted = true; return v.play().then(() => true);")


def test_first_viewing_cannot_skip_ahead_and_time_counts_only_while_playing_and_visible(
    live_server, page_at, login_as, learner, fast_beats, video_lesson
):
    page = _serve_video_with_ranges(login_as(page_at(*DESKTOP), learner))
    page.goto(live_server.url + video_lesson.url)
    status = page.locator("[data-study-status]")
    status.get_by_text("已暂停（播放视频时计时）").wait_for()
    assert "视频播放且页面在前台时计时" in page.locator("[data-study-hint]").inner_text()
    _video(page, "return new Promise((ok) => v.readyState >= 1 ? ok() : v.addEventListener('loadedmetadata', ok));")

    # An open page whose video does not play earns nothing.
    time.sleep(2.5)
    assert _seconds(learner, video_lesson) == 0

    _play(page)
    status.get_by_text("计时中").wait_for()
    _wait_js(page, "document.querySelector('video').currentTime > 4", 15)

    # Seeking forward past the furthest point watched is pulled back to it.
    _video(page, "v.currentTime = 11;")
    _wait_js(page, "!document.querySelector('video').seeking")
    position = _video(page, "return v.currentTime;")
    assert 3.5 < position < 7, position
    note = page.locator("[data-video-note]")
    assert "首次观看不能快进" in note.inner_text()

    # Seeking back is allowed.
    _video(page, "v.currentTime = 1;")
    _wait_js(page, "!document.querySelector('video').seeking")
    assert _video(page, "return v.currentTime;") < 2

    # Paused: the pause beat stops the timer and saves the furthest point; then nothing more counts.
    _video(page, "v.pause();")
    status.get_by_text("已暂停（播放视频时计时）").wait_for()
    _wait_until(_timer_stopped(learner))
    paused_at = _seconds(learner, video_lesson)
    assert paused_at >= 2, "time counted while the video played"
    furthest = LessonProgress.objects.get(user=learner, lesson=video_lesson).video_positions
    ((block_id, record),) = furthest.items()
    assert record["furthest"] >= 4 and record["ended"] is False
    time.sleep(3)
    assert _seconds(learner, video_lesson) == paused_at

    # Hidden: the video is paused and the timer stops until the learner plays again in a visible page.
    _play(page)
    status.get_by_text("计时中").wait_for()
    page.evaluate(HIDE_PAGE)
    assert _video(page, "return v.paused;") is True
    _wait_until(_timer_stopped(learner))
    hidden_at = _seconds(learner, video_lesson)
    time.sleep(3)
    assert _seconds(learner, video_lesson) == hidden_at
    page.evaluate(SHOW_PAGE)
    time.sleep(2)
    assert _seconds(learner, video_lesson) == hidden_at, "showing the page again does not play the video"

    # A reload keeps the furthest point: seeking up to it works, past it does not.
    stored = LessonProgress.objects.get(user=learner, lesson=video_lesson).video_positions[block_id]["furthest"]
    page.reload()
    status.get_by_text("已暂停（播放视频时计时）").wait_for()
    _video(page, "return new Promise((ok) => v.readyState >= 1 ? ok() : v.addEventListener('loadedmetadata', ok));")
    _video(page, f"v.currentTime = {stored - 1};")
    _wait_js(page, "!document.querySelector('video').seeking")
    assert abs(_video(page, "return v.currentTime;") - (stored - 1)) < 0.6
    _video(page, "v.currentTime = 11.5;")
    _wait_js(page, "!document.querySelector('video').seeking")
    assert _video(page, "return v.currentTime;") <= stored + 0.6

    # Watched to the end once: from then on the learner may seek anywhere, also after a reload.
    _video(page, f"v.currentTime = {stored};")
    _video(page, "v.playbackRate = 2;")
    _play(page)
    _wait_js(page, "document.querySelector('video').ended", 20)
    note.get_by_text("您已看完本视频").wait_for()
    _wait_until(
        lambda: LessonProgress.objects.get(user=learner, lesson=video_lesson).video_positions[block_id]["ended"]
    )
    page.reload()
    _video(page, "return new Promise((ok) => v.readyState >= 1 ? ok() : v.addEventListener('loadedmetadata', ok));")
    assert note.is_hidden()
    _video(page, "v.currentTime = 1; v.currentTime = 11;")
    _wait_js(page, "!document.querySelector('video').seeking")
    assert _video(page, "return v.currentTime;") > 10.5


def test_video_lesson_fits_a_phone(live_server, page_at, login_as, learner, fast_beats, video_lesson):
    page = login_as(page_at(*PHONE), learner)
    page.goto(live_server.url + video_lesson.url)
    page.locator("[data-study-status]").get_by_text("已暂停（播放视频时计时）").wait_for()
    assert page.locator("video[data-lesson-video]").bounding_box()["width"] <= PHONE[0]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
