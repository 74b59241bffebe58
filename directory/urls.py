from django.urls import path

from .views import letters, staff, staff_import

app_name = "directory"

urlpatterns = [
    path("", staff.staff_list, name="staff_list"),
    path("export.xlsx", staff.staff_export, name="staff_export"),
    path("import/", staff_import.StaffImportView.as_view(), name="staff_import"),
    path("import/template.xlsx", staff_import.template_download, name="staff_import_template"),
    path("activation-letters/", letters.activation_letters, name="activation_letters"),
    path("<str:employee_no>/", staff.staff_detail, name="staff_detail"),
    path("<str:employee_no>/reset-access/", letters.reset_access_view, name="staff_reset_access"),
]
