"""Public certificate verification (no sign-in; the MFA middleware lets /verify/ through)."""

from django.urls import path

from certificates.views import certificates as views

app_name = "verify"

urlpatterns = [
    path("", views.verify_form, name="form"),
    path("<str:code>/", views.verify_detail, name="detail"),
]
