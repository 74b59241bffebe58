from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

# The Django admin signs in through allauth (rate limits, MFA) like every page.
admin.site.login = login_required(admin.site.login)
admin.site.site_header = "法治学堂 · 系统管理"
admin.site.site_title = "法治学堂"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("staff/", include("accounts.urls")),
    path("help/", include("accounts.urls_help")),
    path("learning/", include("learning.urls")),
    path("exams/", include("exams.urls")),
    path("courses/", include("cms.urls")),
    path("verify/", include("learning.urls_verify")),
    path("certificates/", include("learning.urls_certificates")),
    path("laws/", include("cms.urls_laws")),
    path("search/", include("cms.search.urls")),
]

if settings.DEBUG:
    # In production the web server serves /media/ (see README).
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]

urlpatterns += [path("", include(wagtail_urls))]

handler400 = "accounts.views.errors.bad_request"
handler403 = "accounts.views.errors.permission_denied"
handler404 = "accounts.views.errors.page_not_found"
handler500 = "accounts.views.errors.server_error"
