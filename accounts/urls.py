from django.urls import path

from .views import staff_import

app_name = "accounts"

urlpatterns = [
    path("import/", staff_import.StaffImportView.as_view(), name="staff_import"),
    path("import/template.xlsx", staff_import.template_download, name="staff_import_template"),
]
