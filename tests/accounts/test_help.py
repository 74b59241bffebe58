"""In-site help: the Chinese guides of docs/ as pages for staff users, linked where the work happens."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.help import PAGES

pytestmark = pytest.mark.django_db


def test_every_guide_renders_for_staff_with_links_between_guides(client_for, trainer):
    client = client_for(trainer)
    response = client.get(reverse("help:index"))
    assert response.status_code == 302 and response["Location"] == reverse("help:page", args=[PAGES[0].slug])
    for page in PAGES:
        html = client.get(reverse("help:page", args=[page.slug])).content.decode()
        assert f'<strong aria-current="page">{page.title}</strong>' in html
        assert '<h1 id="' in html and "<h2" in html  # Markdown headings became HTML with anchors
    exams = client.get(reverse("help:page", args=["exams"])).content.decode()
    assert f'href="{reverse("help:page", args=["question-bank"])}"' in exams  # question_bank.md → its page
    assert '.md"' not in exams and "<table>" in exams


def test_learners_and_strangers_get_no_guides(client_for, learner):
    from django.test import Client

    response = Client().get(reverse("help:page", args=["exams"]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert client_for(learner).get(reverse("help:page", args=["exams"])).status_code == 403
    assert client_for(learner).get(reverse("learning:my_hours")).content.decode().count(reverse("help:index")) == 0


def test_unknown_guide_is_404(client_for, hr_shache):
    assert client_for(hr_shache).get(reverse("help:page", args=["nope"])).status_code == 404


def test_guides_are_linked_from_the_tools_the_import_page_the_roster_and_the_cms(client_for, hr_shache, trainer):
    hr = client_for(hr_shache)
    assert reverse("help:index") in hr.get(reverse("learning:compliance")).content.decode()
    assert reverse("help:page", args=["staff-import"]) in hr.get(reverse("directory:staff_import")).content.decode()
    assert reverse("help:page", args=["year-close"]) in hr.get(reverse("review:review_roster")).content.decode()
    cms = client_for(trainer).get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("help:page", args=["exams"]) in cms
