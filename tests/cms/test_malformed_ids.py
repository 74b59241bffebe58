"""A CMS address with an id its model cannot hold answers 404; every other error still surfaces."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import resolve
from wagtail.documents import get_document_model

from cms.malformed_ids import MalformedIdNotFoundMiddleware, is_malformed_id
from tests.auth import sign_in
from tests.cms import media_helpers as mh

pytestmark = pytest.mark.django_db

CHOSEN = ["/cms/documents/chooser/chosen/{}/", "/cms/images/chooser/chosen/{}/", "/cms/law-article-chooser/chosen/{}/"]


@pytest.fixture
def admin_client(admin_user):
    return sign_in(Client(raise_request_exception=False), admin_user)


@pytest.mark.parametrize("template", CHOSEN)
@pytest.mark.parametrize("bad_id", ["x", "1x", "%C3%A9", "1.5"])
def test_a_chooser_answers_404_for_an_id_that_is_no_number(admin_client, template, bad_id):
    assert admin_client.get(template.format(bad_id)).status_code == 404


@pytest.mark.parametrize(
    "template", ["/cms/documents/edit/{}/", "/cms/images/{}/", "/cms/snippets/cms/lawflag/edit/{}/"]
)
def test_other_cms_pages_by_id_answer_404_too(admin_client, template):
    assert admin_client.get(template.format("x")).status_code == 404


def test_a_real_id_is_still_chosen(admin_client, org_tree):
    document = mh.document()
    response = admin_client.get(CHOSEN[0].format(document.pk))
    assert response.status_code == 200
    assert response.json()["result"]["title"] == document.title


# --- the scope: only a model field refusing an id from this CMS request's path -----------------


def _field_error(value):
    try:
        get_document_model().objects.get(pk=value)
    except ValueError as exc:
        return exc
    raise AssertionError("the lookup should have failed")


def _request(path):
    request = RequestFactory().get(path)
    request.resolver_match = resolve(path)
    return request


def test_the_middleware_turns_the_lookup_error_into_a_404():
    path = CHOSEN[0].format("x")
    exception = _field_error("x")
    assert is_malformed_id(_request(path), exception)
    with pytest.raises(Http404):
        MalformedIdNotFoundMiddleware(lambda request: None).process_exception(_request(path), exception)


def test_a_field_error_for_a_value_not_in_the_path_is_left_alone():
    """A bad value from a form, the database or our own code is a bug to see, not a missing page."""
    request = _request(CHOSEN[0].format("x"))
    assert not is_malformed_id(request, _field_error("y"))
    assert MalformedIdNotFoundMiddleware(lambda request: None).process_exception(request, _field_error("y")) is None


def test_a_value_error_raised_outside_the_model_fields_is_left_alone():
    try:
        int("x")
    except ValueError as exc:
        assert not is_malformed_id(_request(CHOSEN[0].format("x")), exc)


def test_other_exceptions_are_left_alone():
    assert not is_malformed_id(_request(CHOSEN[0].format("x")), KeyError("x"))


def test_outside_the_cms_nothing_is_turned_into_a_404():
    path = "/laws/x/"
    assert resolve(path).kwargs  # the route captures "x"
    assert not is_malformed_id(_request(path), _field_error("x"))
