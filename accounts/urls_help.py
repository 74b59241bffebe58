from django.urls import path

from .views import help as views

app_name = "help"

urlpatterns = [
    path("", views.index, name="index"),
    path("img/<str:name>", views.image, name="image"),
    path("<slug:slug>/", views.page, name="page"),
]
