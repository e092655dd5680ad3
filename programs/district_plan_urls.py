"""The districts' coaching plans, mounted under /district-plans/."""

from django.urls import URLPattern, path

from . import district_plan_views as views

app_name = "district_plans"

urlpatterns: list[URLPattern] = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_new, name="new"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/edit/", views.plan_edit, name="edit"),
    path("<int:pk>/checklist/", views.plan_checklist, name="checklist"),
    path("<int:pk>/visits/", views.plan_visits, name="visits"),
]
