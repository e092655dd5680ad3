"""Contract statements, mounted under /statements/."""

from django.urls import URLPattern, path

from . import statement_views as views

app_name = "statements"

urlpatterns: list[URLPattern] = [
    path("", views.statement_list, name="list"),
    path("new/", views.statement_new, name="new"),
    path("issue/", views.statement_issue, name="issue"),
    path("<int:pk>/", views.statement_detail, name="detail"),
    path("<int:pk>/statement.csv", views.statement_csv, name="csv"),
    path("<int:pk>/statement.pdf", views.statement_pdf, name="pdf"),
]
