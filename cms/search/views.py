"""The site search page (/search/)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from .query import search_documents, to_hits
from .registry import kinds

PAGE_SIZE = 20


@login_required
def search_view(request):
    query = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")
    available = kinds()
    context = {"query": query, "kind": kind, "kinds": available, "page": None, "hits": []}
    if query:
        documents, terms = search_documents(query, request.user)
        if kind in {k.name for k in available}:
            documents = documents.filter(kind=kind)
        page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(page=page, hits=to_hits(page.object_list, terms), terms=terms)
    return render(request, "cms/search/search.html", context)
