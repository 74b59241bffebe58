"""The certificate pages keep the paths they had inside the learning app (``/verify/<code>/`` is printed on paper)."""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse

from certificates import urls as certificate_urls
from certificates import urls_verify
from certificates.views import certificates as views

CODE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

#: path (as published before the certificates app) → (namespace, URL name, view, kwargs)
PATHS = {
    "/verify/": ("verify", "form", views.verify_form, {}),
    f"/verify/{CODE}/": ("verify", "detail", views.verify_detail, {"code": CODE}),
    "/verify/ABCD-EFGH-IJKL/": ("verify", "detail", views.verify_detail, {"code": "ABCD-EFGH-IJKL"}),
    "/certificates/": ("certificates", "mine", views.my_certificates, {}),
    "/certificates/7/download/": ("certificates", "download", views.download, {"pk": 7}),
    "/certificates/7/revoke/": ("certificates", "revoke", views.revoke, {"pk": 7}),
    "/certificates/7/reissue/": ("certificates", "reissue", views.reissue, {"pk": 7}),
    "/certificates/bulk/": ("certificates", "bulk", views.bulk_issue, {}),
}


@pytest.mark.parametrize("path", PATHS)
def test_every_published_certificate_path_resolves_to_the_same_view(path):
    namespace, name, view, kwargs = PATHS[path]
    match = resolve(path)
    assert (match.func, match.kwargs, match.namespace, match.url_name) == (view, kwargs, namespace, name)
    assert reverse(f"{namespace}:{name}", kwargs=kwargs) == path


def test_the_printed_verification_link_of_a_certificate_is_unchanged(settings):
    from certificates.models import Certificate
    from certificates.render import verification_url

    settings.SITE_URL = "https://fazhi.example.cn/"
    assert verification_url(CODE) == f"https://fazhi.example.cn/verify/{CODE}/"
    assert Certificate(verification_code=CODE).get_verify_path() == f"/verify/{CODE}/"


def test_the_app_has_no_other_certificate_paths():
    published = {(namespace, name) for namespace, name, _view, _kwargs in PATHS.values()}
    assert {("certificates", p.name) for p in certificate_urls.urlpatterns} | {
        ("verify", p.name) for p in urls_verify.urlpatterns
    } == published
