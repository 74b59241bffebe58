from django.conf import settings
from django.contrib import admin
from django.http import Http404
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from accounts.views import signin
from cms import user_names
from cms.views import media as media_views
from core import moved_admin
from core.health import HealthView


def _to_allauth(name: str):
    """A password page another library registers, sent to allauth's."""
    return RedirectView.as_view(pattern_name=name, query_string=True)


# One way in: the sign-in and password routes Wagtail and the Django admin still
# register lead to allauth's pages (rate limits, TOTP). Whatever route signed a
# session in, accounts.middleware.RequireSecondFactorMiddleware still asks for the
# second factor before any privileged page.
ONE_WAY_IN = [
    path("admin/login/", signin.elsewhere),
    path("admin/password_change/", _to_allauth("account_change_password")),
    path("admin/password_change/done/", _to_allauth("account_change_password")),
    path("cms/login/", signin.elsewhere),
    re_path(r"^cms/password_reset/", _to_allauth("account_reset_password")),
    path("_util/login/", signin.elsewhere),
]


def _closed(request, *args, **kwargs):
    raise Http404


# Wagtail's redirect import reads uploaded CSV/Excel past the door checks every
# import of ours makes (size, rows, shared strings); redirects are added one by one.
# Single sign-on links no third-party account and signs nobody up (accounts/sso.py): allauth's
# connections, sign-up and its own error pages are closed (errors come back to our sign-in page).
CLOSED = [re_path(r"^cms/redirects/import/", _closed), re_path(r"^accounts/3rdparty/", _closed)]

admin.site.site_header = "法治学堂 · 系统管理"
admin.site.site_title = "法治学堂"

urlpatterns = [
    *ONE_WAY_IN,
    *CLOSED,
    # Admin pages of models handed to another app: the old address redirects (core/moved_admin.py).
    *moved_admin.urlpatterns(),
    path("admin/", admin.site.urls),
    # Wagtail's aging-pages report names people by 工号; ours by name (cms/user_names.py).
    path("cms/", include(user_names.admin_urls_ahead)),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # The activation page (a one-time code from an activation letter), beside allauth's pages.
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("staff/", include("directory.urls")),
    path("help/", include("accounts.urls_help")),
    path("learning/sessions/", include("classroom.urls")),
    path("learning/messages/", include("notifications.urls")),
    path("learning/review/", include("review.urls")),
    path("learning/plans/", include("plans.urls")),
    path("learning/", include("learning.urls")),
    path("exams/", include("exams.urls")),
    path("courses/", include("cms.urls")),
    path("verify/", include("certificates.urls_verify")),
    path("certificates/", include("certificates.urls")),
    path("jobs/", include("jobs.urls")),
    path("laws/", include("cms.urls_laws")),
    path("search/", include("cms.search.urls")),
    path("health/", HealthView.as_view(), name="health"),
]

# Uploaded files only to those allowed to see them, in every environment (behind nginx: X-Accel-Redirect).
urlpatterns += [path(settings.MEDIA_URL.strip("/") + "/<path:path>", media_views.serve_media, name="media")]

urlpatterns += [path("", include(wagtail_urls))]

handler400 = "accounts.views.errors.bad_request"
handler403 = "accounts.views.errors.permission_denied"
handler404 = "accounts.views.errors.page_not_found"
# Not a Django handler: allauth answers its rate limits with the root URLconf's handler429.
handler429 = "accounts.views.errors.too_many_requests"
handler500 = "accounts.views.errors.server_error"
