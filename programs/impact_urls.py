"""The program's impact page, mounted under /impact/."""

from django.urls import URLPattern, path

from . import impact_views as views

app_name = "impact"

urlpatterns: list[URLPattern] = [
    path("", views.impact_home, name="home"),
    path("<int:pk>/", views.impact_detail, name="page"),
    path("<int:pk>/impact.pdf", views.impact_pdf, name="pdf"),
    path("<int:pk>/publication/", views.impact_publication, name="publication"),
    path("p/<str:token>/", views.impact_public, name="public"),
]
