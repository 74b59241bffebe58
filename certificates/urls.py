"""Certificates of the signed-in official, and HR's bulk issue."""

from django.urls import path

from certificates.views import certificates as views

app_name = "certificates"

urlpatterns = [
    path("", views.my_certificates, name="mine"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
    path("<int:pk>/reissue/", views.reissue, name="reissue"),
    path("bulk/", views.bulk_issue, name="bulk"),
]
