"""The "消息" pages, mounted at ``learning/messages/`` (the paths they had inside the learning app)."""

from django.urls import path

from notifications.views import notifications

app_name = "notifications"

urlpatterns = [
    path("", notifications.notification_list, name="list"),
    path("settings/", notifications.notification_settings, name="settings"),
    path("read-all/", notifications.notification_read_all, name="read_all"),
    path("<int:pk>/open/", notifications.notification_open, name="open"),
]
