from django.urls import path

from . import views

app_name = "teachers"

urlpatterns = [
    path("", views.roster, name="roster"),
    path("export.csv", views.roster_export, name="roster_export"),
    path("import/", views.roster_import_view, name="roster_import"),
    path("import/template.csv", views.roster_template, name="roster_template"),
    path("invite/", views.roster_invite, name="roster_invite"),
]
