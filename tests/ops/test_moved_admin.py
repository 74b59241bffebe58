"""Bookmarks of the Django admin's pages of a model that moved to another app still lead to them."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from core.moved_admin import moved_models

MOVED = moved_models()


def test_every_model_handed_over_is_found():
    assert MOVED[("learning", "trainingsession")] == "classroom"
    assert MOVED[("learning", "certificate")] == "certificates"
    assert MOVED[("learning", "annualreviewrule")] == "review"
    assert ("learning", "ledgerentry") not in MOVED  # still learning's


@pytest.mark.parametrize(("old", "model"), sorted(MOVED))
def test_the_old_admin_address_redirects_to_the_new_one(client, old, model):
    new = MOVED[(old, model)]
    response = client.get(f"/admin/{old}/{model}/7/change/?_changelist_filters=year%3D2025")
    assert response.status_code == 301
    assert response["Location"] == f"/admin/{new}/{model}/7/change/?_changelist_filters=year%3D2025"


def test_the_new_addresses_are_the_admins_pages():
    registered = {(m._meta.app_label, m._meta.model_name) for m in admin.site._registry}
    moved_and_registered = [(new, model) for (_old, model), new in MOVED.items() if (new, model) in registered]
    assert len(moved_and_registered) >= 4  # certificates, messages, review rules and outcomes
    for new, model in moved_and_registered:
        assert reverse(f"admin:{new}_{model}_changelist") == f"/admin/{new}/{model}/"


def test_a_model_that_did_not_move_is_not_redirected(client):
    response = client.get("/admin/learning/ledgerentry/")
    assert response.status_code != 301
