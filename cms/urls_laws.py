"""URLs of the law library, mounted at /laws/ (namespace ``laws``).

Article URLs use the article's number (``33``, or ``120-1`` for 第一百二十条之一), so
they survive re-imports; the version-less form always shows the current text.
"""

from django.urls import path, re_path

from cms.views import laws as views

app_name = "laws"

ARTICLE = r"(?P<article>[0-9]+(?:-[0-9]+)?)"

urlpatterns = [
    path("", views.law_list, name="law_list"),
    path("<str:law_slug>/", views.law_detail, name="law_detail"),
    re_path(rf"^(?P<law_slug>[^/]+)/art/{ARTICLE}/$", views.article_detail, name="current_article"),
    path("<str:law_slug>/<str:version>/", views.law_detail, name="version_detail"),
    re_path(
        rf"^(?P<law_slug>[^/]+)/(?P<version>[^/]+)/art/{ARTICLE}/$",
        views.article_detail,
        name="article_detail",
    ),
]
