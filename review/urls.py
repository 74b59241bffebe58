"""URLs of the credential review, included from ``config.urls`` under ``learning/review/``
(the paths and names they had inside the learning app, now in the ``review`` namespace)."""

from django.urls import path

from review.views import review

app_name = "review"

urlpatterns = [
    path("", review.review_risk, name="review_risk"),
    path("remind/", review.review_risk_remind, name="review_risk_remind"),
    path("roster/", review.review_roster, name="review_roster"),
    path("roster/run/", review.review_run, name="review_run"),
    path("roster/export.xlsx", review.roster_export_xlsx, name="review_roster_xlsx"),
    path("roster/export.pdf", review.roster_export_pdf, name="review_roster_pdf"),
    path("credential/<int:pk>/", review.review_credential, name="review_credential"),
]
