from django.urls import include, path

from learning.views import compliance, hours
from learning.views import path as path_views

app_name = "learning"

urlpatterns = [
    path("hours/", hours.my_hours, name="my_hours"),
    path("compliance/", compliance.compliance, name="compliance"),
    path("compliance/export.xlsx", compliance.compliance_export, name="compliance_export"),
    path("compliance/person/<int:user_id>/", compliance.person_ledger, name="person_ledger"),
    path("compliance/person/<int:user_id>/adjust/", compliance.person_adjust, name="person_adjust"),
    path("compliance/person/<int:user_id>/reverse/<int:entry_id>/", compliance.person_reverse, name="person_reverse"),
    path("path/", path_views.my_path, name="my_path"),
    path("", include("learning.urls_progress")),
]
