"""Group learning's pages, at the addresses they have always had (PD sessions under /cycles/pd/,
beside the session page that `cycles` composes)."""

from django.urls import path

from . import views

app_name = "learning"

urlpatterns = [
    path("resources/", views.resource_list, name="resources"),
    path("resources/new/", views.resource_new, name="resource_new"),
    path("resources/<uuid:public_id>/", views.resource_detail, name="resource"),
    path("open/<uuid:public_id>/", views.resource_open, name="resource_open"),
    path("groups/", views.group_list, name="groups"),
    path("groups/new/", views.group_new, name="group_new"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
    path("groups/<int:pk>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("goals/new/", views.coach_goal_new, name="coach_goal_new"),
    path("goals/<int:pk>/note/", views.coach_goal_note, name="coach_goal_note"),
    path("check-ins/", views.checkin_list, name="checkins"),
    path("check-ins/<uuid:public_id>/close/", views.checkin_close, name="checkin_close"),
    path("check-in/<str:token>/", views.checkin_answer, name="checkin_answer"),
    path("cycles/pd/", views.pd_session_list, name="pd_sessions"),
    path("cycles/pd/new/", views.pd_session_new, name="pd_session_new"),
    path("cycles/pd/<uuid:public_id>/room-sheet/", views.pd_room_sheet, name="pd_room_sheet"),
    path("cycles/pd/<uuid:public_id>/signups/<int:pk>/decide/", views.pd_signup_decide, name="pd_signup_decide"),
    path("cycles/pd/<uuid:public_id>/examples/", views.pd_examples, name="pd_examples"),
    path("groups/<int:pk>/examples/", views.group_examples, name="group_examples"),
    path("examples/<int:pk>/feedback/", views.example_comment, name="example_comment"),
    path("examples/<int:pk>/file/", views.example_file, name="example_file"),
    path("groups/<int:pk>/meetings/<int:meeting_pk>/practice/", views.meeting_practice, name="meeting_practice"),
]
