from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("refresh/", views.refresh, name="refresh"),
    path("runs/<int:pk>/", views.run_status, name="run_status"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.pdf", views.export_pdf, name="export_pdf"),
]
