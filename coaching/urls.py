from django.urls import path

from . import learning_views, views

app_name = "coaching"

urlpatterns = [
    path("week/", views.my_week, name="my_week"),
    path("entries/", views.entry_list, name="entry_list"),
    path("entries/export.csv", views.entry_export, name="entry_export"),
    path("entries/new/", views.entry_add, name="entry_add"),
    path("entries/district-fields/", views.district_fields, name="district_fields"),
    path("entries/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("entries/<int:pk>/delete/", views.entry_delete, name="entry_delete"),
    path("contracts/", views.contract_list, name="contracts"),
    path("my-sessions/", views.my_sessions, name="my_sessions"),
    path("resources/", learning_views.resource_list, name="resources"),
    path("resources/new/", learning_views.resource_new, name="resource_new"),
    path("resources/<uuid:public_id>/", learning_views.resource_detail, name="resource"),
    path("groups/", learning_views.group_list, name="groups"),
    path("groups/new/", learning_views.group_new, name="group_new"),
    path("groups/<int:pk>/", learning_views.group_detail, name="group"),
    path("groups/<int:pk>/meetings/new/", learning_views.meeting_new, name="meeting_new"),
    path("goals/new/", learning_views.coach_goal_new, name="coach_goal_new"),
    path("goals/<int:pk>/note/", learning_views.coach_goal_note, name="coach_goal_note"),
    path("check-ins/", learning_views.checkin_list, name="checkins"),
]
