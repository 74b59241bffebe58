"""URLs of the study plans, included from ``config.urls`` under ``learning/plans/``
(the paths and names they had inside the learning app, now in the ``plans`` namespace)."""

from django.urls import path

from plans.views import plans

app_name = "plans"

urlpatterns = [
    path("mine/", plans.my_plan_list, name="my_plans"),
    path("", plans.plan_list, name="plan_list"),
    path("new/", plans.plan_create, name="plan_create"),
    path("<int:pk>/", plans.plan_report_view, name="plan_report"),
    path("<int:pk>/edit/", plans.plan_edit, name="plan_edit"),
    path("<int:pk>/delete/", plans.plan_delete, name="plan_delete"),
]
