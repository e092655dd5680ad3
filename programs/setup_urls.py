"""The set-up pages: a program's districts and schools, contracts, coaches, district
administrators, activities, focus areas, non-coaching threshold and set-up history."""

from django.urls import URLPattern, path

from coaching.models import Activity, FocusArea

from . import export_views, plan_views
from . import setup_views as views

urlpatterns: list[URLPattern] = [
    path("", views.overview, name="setup"),
    path("districts/", views.district_list, name="districts"),
    path("districts/add/", views.district_add, name="district_add"),
    path("districts/<int:pk>/", views.district_edit, name="district_edit"),
    path("districts/<int:pk>/schools/add/", views.school_add, name="school_add"),
    path("schools/<int:pk>/", views.school_edit, name="school_edit"),
    path("districts/<int:pk>/enrollment/", views.enrollment_import_view, name="enrollment_import"),
    path("contracts/", views.contract_list, name="contracts"),
    path("contracts/add/", views.contract_add, name="contract_add"),
    path("contracts/<int:pk>/", views.contract_edit, name="contract_edit"),
    path("coaches/", views.coach_list, name="coaches"),
    path("coaches/add/", views.coach_add, name="coach_add"),
    path("coaches/<int:pk>/active/", views.coach_active, name="coach_active"),
    path("coaches/<int:pk>/invitation/", views.coach_invite, name="coach_invite"),
    path("coaches/<int:pk>/move/", views.coach_move, name="coach_move"),
    path("administrators/", views.administrator_list, name="administrators"),
    path("administrators/add/", views.administrator_add, name="administrator_add"),
    path("administrators/<int:pk>/invitation/", views.administrator_invite, name="administrator_invite"),
    path(
        "districts/<int:pk>/administrators/<int:user_pk>/remove/",
        views.administrator_remove,
        name="administrator_remove",
    ),
    path("activities/", views.item_list, {"model": Activity}, name="activities"),
    path("activities/add/", views.item_add, {"model": Activity}, name="activity_add"),
    path("activities/<int:pk>/", views.item_edit, {"model": Activity}, name="activity_edit"),
    path("activities/<int:pk>/move/", views.item_move, {"model": Activity}, name="activity_move"),
    path("activities/<int:pk>/active/", views.item_active, {"model": Activity}, name="activity_active"),
    path("focus-areas/", views.item_list, {"model": FocusArea}, name="focus_areas"),
    path("focus-areas/add/", views.item_add, {"model": FocusArea}, name="focus_area_add"),
    path("focus-areas/<int:pk>/", views.item_edit, {"model": FocusArea}, name="focus_area_edit"),
    path("focus-areas/<int:pk>/move/", views.item_move, {"model": FocusArea}, name="focus_area_move"),
    path("focus-areas/<int:pk>/active/", views.item_active, {"model": FocusArea}, name="focus_area_active"),
    path("threshold/", views.threshold, name="threshold"),
    path("history/", views.history, name="history"),
    # The agreed time plan
    path("plan/", plan_views.plan_list, name="plans"),
    path("plan/add/", plan_views.plan_add, name="plan_add"),
    path("plan/<int:pk>/", plan_views.plan_edit, name="plan_edit"),
    # A district's export
    path("export/", export_views.export, name="export"),
]
