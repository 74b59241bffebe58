"""Law-library pages: list, a version's full text with contents, one article.

Every signed-in official may read the laws; the pages are thin wrappers around
``cms.selectors.laws``.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from cms.selectors import laws as selectors


@login_required
def law_list(request):
    return render(request, "cms/laws/law_list.html", {"laws": selectors.laws_with_versions()})


@login_required
def law_detail(request, law_slug, version=None):
    law_version = selectors.get_version(law_slug, version)
    context = {
        "law": law_version.law,
        "version": law_version,
        "versions": selectors.sibling_versions(law_version),
        "contents": selectors.version_contents(law_version),
        "pinned": version is not None,
    }
    return render(request, "cms/laws/law_detail.html", context)


@login_required
def article_detail(request, law_slug, article, version=None):
    law_version = selectors.get_version(law_slug, version)
    page = selectors.article_page(law_version, article)
    context = {"law": law_version.law, "version": law_version, "page": page, "pinned": version is not None}
    return render(request, "cms/laws/article_detail.html", context)
