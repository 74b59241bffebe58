"""The guides' screenshots: every picture a guide shows exists and is served to the staff who read the guides,
and only those pictures; the course and classroom guides are linked where that work starts."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.help import DOCS_DIR, IMG_DIR, PAGES
from classroom.models import TrainingSession
from tests.classroom.factories import TrainingSessionFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

IMAGE_REF = re.compile(r"!\[[^\]]*\]\((?P<src>[^)\s]+)\)")


def _refs(page) -> list[str]:
    return IMAGE_REF.findall((DOCS_DIR / page.filename).read_text(encoding="utf-8"))


def test_every_picture_a_guide_shows_is_in_docs_img_and_drawn_from_the_site(client_for, trainer):
    client = client_for(trainer)
    shown = 0
    for page in PAGES:
        refs = _refs(page)
        html = client.get(reverse("help:page", args=[page.slug])).content.decode()
        for src in refs:
            assert src.startswith("img/") and src.endswith(".png"), f"{page.filename}: {src} is not a docs/img PNG"
            assert (DOCS_DIR / src).is_file(), f"{page.filename} shows {src}, which does not exist"
            assert f'src="{reverse("help:image", args=[src[4:]])}"' in html
        assert 'src="img/' not in html
        shown += len(refs)
    assert shown >= 15  # the course and classroom guides are illustrated


def test_the_course_and_classroom_guides_have_their_pictures(client_for, trainer):
    assert len(_refs(next(p for p in PAGES if p.slug == "courses"))) >= 8
    assert len(_refs(next(p for p in PAGES if p.slug == "classroom"))) >= 6


def test_a_trainer_receives_the_picture_itself(client_for, trainer):
    name = sorted(IMG_DIR.glob("*.png"))[0].name
    response = client_for(trainer).get(reverse("help:image", args=[name]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == (IMG_DIR / name).read_bytes()


def test_learners_and_strangers_get_no_pictures(client_for, learner):
    url = reverse("help:image", args=[sorted(IMG_DIR.glob("*.png"))[0].name])
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("account_login"))
    assert client_for(learner).get(url).status_code == 403


@pytest.mark.parametrize(
    "name",
    ["nope.png", "course_guide.md", "..%2Fcourse_guide.md", "%2E%2E%2Fcourse_guide.md", "a.PNG", ".png", "x.png.md"],
)
def test_nothing_but_the_pictures_of_docs_img_is_served(client_for, trainer, name):
    assert client_for(trainer).get(f"/help/img/{name}").status_code == 404


def test_the_cms_dashboard_offers_our_course_guide_instead_of_wagtails(client_for, trainer):
    html = client_for(trainer).get(reverse("wagtailadmin_home")).content.decode()
    assert f'href="{reverse("help:page", args=["courses"])}"' in html
    assert "guide.wagtail.org" not in html


def test_the_classroom_page_links_its_guide_for_those_who_may_read_it(client_for, trainer, org_tree):
    html = client_for(trainer).get(reverse("classroom:sessions_manage")).content.decode()
    assert f'href="{reverse("help:page", args=["classroom"])}"' in html
    # An organiser without a staff role runs their own session but has no guides: no link to a 403.
    organiser = UserFactory(org_unit=org_tree["shache"])
    TrainingSessionFactory(organiser=organiser, audience_units=[org_tree["shache"]])
    client = Client()
    from tests.auth import sign_in

    sign_in(client, organiser)
    page = client.get(reverse("classroom:sessions_manage"))
    assert page.status_code == 200 and TrainingSession.objects.filter(organiser=organiser).exists()
    assert reverse("help:page", args=["classroom"]) not in page.content.decode()


def test_the_review_guide_renders_for_a_reviewer_with_its_pictures(client_for, reviewer):
    page = next(p for p in PAGES if p.slug == "course-review")
    assert page.filename == "review_guide.md"
    refs = _refs(page)
    assert {"img/review-dashboard.png", "img/review-list.png", "img/review-round-page.png"} <= set(refs)
    client = client_for(reviewer)
    html = client.get(reverse("help:page", args=["course-review"])).content.decode()
    assert f'<strong aria-current="page">{page.title}</strong>' in html
    assert "批准并发布" in html and "与上次提交相比" in html and "法规修订提醒" in html
    for src in refs:
        url = reverse("help:image", args=[src[4:]])
        assert f'src="{url}"' in html
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
    # The course guide's "提交" section points the trainer to it.
    courses = client.get(reverse("help:page", args=["courses"])).content.decode()
    assert f'href="{reverse("help:page", args=["course-review"])}"' in courses


def test_the_course_review_pages_link_the_review_guide(client_for, trainer, reviewer):
    from cms.services.course_review import submit_course
    from cms.setup import ensure_workflow_and_permissions
    from tests.cms.course_review_helpers import draft_course

    ensure_workflow_and_permissions()
    course, _lessons = draft_course(trainer)
    submission = submit_course(course=course, user=trainer)
    guide = f'href="{reverse("help:page", args=["course-review"])}"'
    client = client_for(reviewer)
    listing = client.get(reverse("course_reviews:index")).content.decode()
    assert guide in listing and course.title in listing
    assert guide in client.get(reverse("course_reviews:detail", args=[submission.pk])).content.decode()
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert 'data-testid="cr-panel-awaiting"' in home
    assert home.count(guide) == 1  # in the "待审核的课程" panel (the account summary links the course guide)
