"""The "消息" pages: a person's in-site messages, and how they want to be told."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications.forms import PreferencesForm
from notifications.kinds import Group
from notifications.models import Notification
from notifications.schedules import DIGEST_HOUR, DIGEST_MINUTE
from notifications.selectors.notifications import notifications_for
from notifications.selectors.preferences import settings_for
from notifications.services.notifications import mark_read
from notifications.services.preferences import PreferenceError, reset_preferences, save_preferences


@login_required
def notification_list(request):
    page = Paginator(notifications_for(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_open(request, pk: int):
    """Mark the message read and follow its link (only to this site)."""
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    mark_read(user=request.user, notification_id=note.pk)
    if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts={request.get_host()}):
        return redirect(note.url)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    mark_read(user=request.user)
    return redirect("notifications:list")


@login_required
def notification_settings(request):
    """提醒设置: e-mail and SMS per kind of message (the in-site message always comes)."""
    user = request.user
    rows = settings_for(user)
    if request.method == "POST" and "reset" in request.POST:
        reset_preferences(user=user)
        messages.success(request, _("已恢复默认提醒方式。"))
        return redirect("notifications:settings")
    form = PreferencesForm(request.POST or None, user=user, rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            save_preferences(user=user, choices=form.choices())
        except PreferenceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("提醒方式已保存。"))
            return redirect("notifications:settings")
    labels = dict(Group.choices)
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row.kind.group, []).append((row, form[row.field_email], form[row.field_sms]))
    return render(
        request,
        "notifications/settings.html",
        {
            "form": form,
            "groups": [(labels.get(code, code), items) for code, items in groups.items()],
            "digest_time": f"{DIGEST_HOUR}:{DIGEST_MINUTE:02d}",
        },
    )
