"""Certificates of the signed-in official, and HR's bulk issue."""

from django.urls import path

from learning.certificates import views

app_name = "certificates"

urlpatterns = [
    path("", views.my_certificates, name="mine"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
    path("<int:pk>/reissue/", views.reissue, name="reissue"),
    path("bulk/", views.bulk_issue, name="bulk"),
    path("bulk/<int:pk>/", views.bulk_job, name="bulk_job"),
    path("bulk/<int:pk>/status.json", views.bulk_job_status, name="bulk_status"),
    path("bulk/<int:pk>/certificates.zip", views.bulk_zip, name="bulk_zip"),
]
