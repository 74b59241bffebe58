"""URLs of the credential review and "我的达标路径", included from ``learning.urls``
(no ``app_name`` here: the names live in the ``learning`` namespace)."""

from django.urls import path

from learning.views import path as path_views
from learning.views import review

urlpatterns = [
    path("path/", path_views.my_path, name="my_path"),
    path("review/", review.review_risk, name="review_risk"),
    path("review/roster/", review.review_roster, name="review_roster"),
    path("review/roster/run/", review.review_run, name="review_run"),
    path("review/roster/export.xlsx", review.roster_export_xlsx, name="review_roster_xlsx"),
    path("review/roster/export.pdf", review.roster_export_pdf, name="review_roster_pdf"),
    path("review/credential/<int:pk>/", review.review_credential, name="review_credential"),
]
