"""The 法规修订提醒 pages of the CMS: every flag the trainer may act on, one flag's texts side by side.

Thin: ``cms.selectors.law_flags`` decides what a trainer sees, ``cms.laws.flags``
(and a source's ``retarget``) what resolving does. Registered in ``cms.law_flag_admin``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.laws.flags import FlagActionRefused, resolve_flag
from cms.models import FlagStatus
from cms.selectors import law_flags as selectors

PER_PAGE = 50
STATUSES = {"open": FlagStatus.OPEN, "resolved": FlagStatus.RESOLVED, "all": None}


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("处理说明"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("如：已改为引用新条文，已提交审核")}),
    )


def _breadcrumbs(*items) -> list[dict]:
    return [{"url": reverse("wagtailadmin_home"), "label": _("首页")}, *items]


def flag_index(request):
    sources = selectors.flag_sources(request.user)
    if not sources:
        raise PermissionDenied
    source = selectors.get_source(request.user, request.GET.get("source") or sources[0].key)
    status = request.GET.get("status") if request.GET.get("status") in STATUSES else "open"
    flags = selectors.flags_for(request.user, source, status=STATUSES[status]).order_by("-created_at", "-pk")
    page = Paginator(flags, PER_PAGE).get_page(request.GET.get("p"))
    counts = selectors.open_counts(request.user, sources)
    rows = [
        {
            "flag": flag,
            "subject": source.subject_title(flag),
            "detail_url": reverse("law_flags:detail", args=[source.key, flag.pk]),
        }
        for flag in page.object_list
    ]
    title = _("法规修订提醒")
    context = {
        "page_title": title,
        "header_title": title,
        "header_icon": "warning",
        "breadcrumbs_items": _breadcrumbs({"url": "", "label": title}),
        "tabs": [
            {
                "source": item,
                "open": counts[item.key],
                "url": "?" + urlencode({"source": item.key, "status": status}),
                "active": item.key == source.key,
            }
            for item in sources
        ],
        "statuses": [
            {"key": key, "label": label, "url": "?" + urlencode({"source": source.key, "status": key})}
            for key, label in (("open", _("待处理")), ("resolved", _("已处理")), ("all", _("全部")))
        ],
        "status": status,
        "source": source,
        "rows": rows,
        "page_obj": page,
        "page_query": urlencode({"source": source.key, "status": status}),
    }
    return TemplateResponse(request, "cms/admin/law_flags/index.html", context)


def flag_detail(request, source_key: str, pk: int):
    source = selectors.get_source(request.user, source_key)
    flag = selectors.get_flag(request.user, source, pk)
    form = ResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if request.POST.get("action") == "retarget" and source.retarget is not None:
                source.retarget(flag=flag, user=request.user, note=form.cleaned_data["note"])
                messages.success(request, _("已改为引用新条文，这条提醒已处理。"))
            else:
                resolve_flag(flag=flag, user=request.user, note=form.cleaned_data["note"])
                messages.success(request, _("这条提醒已标记为已处理。"))
        except FlagActionRefused as refused:
            messages.error(request, str(refused))
            return redirect("law_flags:detail", source.key, flag.pk)
        return redirect(reverse("law_flags:index") + "?" + urlencode({"source": source.key}))
    index_url = reverse("law_flags:index") + "?" + urlencode({"source": source.key})
    title = _("《%(law)s》%(article)s已修订") % {"law": flag.law.short_name, "article": flag.old_number_text}
    context = {
        "page_title": title,
        "header_title": title,
        "header_icon": "warning",
        "breadcrumbs_items": _breadcrumbs({"url": index_url, "label": _("法规修订提醒")}, {"url": "", "label": title}),
        "flag": flag,
        "source": source,
        "subject": source.subject_title(flag),
        "subject_url": source.subject_url(flag),
        "still_cites": flag.is_open and source.still_cites(flag),
        "can_retarget": flag.is_open and source.retarget is not None and flag.new_article_id is not None,
        "form": form,
        "index_url": index_url,
    }
    return TemplateResponse(request, "cms/admin/law_flags/detail.html", context)
