from django.urls import path

from . import caseload_views, kickoff_views, pd_views, views, yearend_views

app_name = "cycles"

urlpatterns = [
    path("", views.cycle_list_view, name="list"),
    path("new/", views.cycle_start, name="start"),
    path("new/teachers/", views.teacher_picker, name="teacher_picker"),
    path("caseload/", caseload_views.caseload, name="caseload"),
    path("caseload.csv", caseload_views.caseload_csv, name="caseload_csv"),
    path("caseloads/", caseload_views.caseload_counts_view, name="caseload_counts"),
    path("caseloads.csv", caseload_views.caseload_counts_csv, name="caseload_counts_csv"),
    path("reflections/<uuid:public_id>/", views.reflection_detail, name="reflection"),
    path("meetings/<int:pk>/reflect/", views.meeting_reflect, name="meeting_reflect"),
    path("my-data.json", views.my_data, {"fmt": "json"}, name="my_data_json"),
    path("my-data.csv", views.my_data, {"fmt": "csv"}, name="my_data_csv"),
    path("teachers/<int:pk>/erase/", views.teacher_erase, name="teacher_erase"),
    path("pd/<uuid:public_id>/", pd_views.pd_session_detail, name="pd_session"),
    path("pd/<uuid:public_id>/attendance/", pd_views.pd_attendance, name="pd_attendance"),
    path("pd/<uuid:public_id>/follow-up-links/", pd_views.pd_followup_links, name="pd_followup_links"),
    path("pd/<uuid:public_id>/signups/<int:pk>/cycle/", pd_views.pd_signup_cycle, name="pd_signup_cycle"),
    path("pd/<uuid:public_id>/follow-up/", pd_views.pd_followup, name="pd_followup"),
    path("<uuid:public_id>/", views.cycle_detail, name="detail"),
    path("<uuid:public_id>/plan/", views.cycle_plan, name="plan"),
    path("<uuid:public_id>/goal/", views.goal_edit, name="goal"),
    path("<uuid:public_id>/evidence/", views.evidence_add, name="evidence_add"),
    path("<uuid:public_id>/modeled-lesson/", views.modeled_lesson, name="modeled_lesson"),
    path("<uuid:public_id>/evidence/<int:pk>/file/", views.evidence_file, name="evidence_file"),
    path("<uuid:public_id>/checklist/", views.checklist_add, name="checklist_add"),
    path(
        "<uuid:public_id>/checklist/<int:pk>/toggle/",
        views.checklist_item,
        {"action": "toggle"},
        name="checklist_toggle",
    ),
    path(
        "<uuid:public_id>/checklist/<int:pk>/delete/",
        views.checklist_item,
        {"action": "delete"},
        name="checklist_delete",
    ),
    path("<uuid:public_id>/progress/", views.progress_add, name="progress_add"),
    path("<uuid:public_id>/adjust/", views.adjustment_add, name="adjust"),
    path("<uuid:public_id>/move/", views.cycle_move, name="move"),
    path("<uuid:public_id>/share/", views.cycle_share, name="share"),
    path("<uuid:public_id>/strategy-resources/", views.strategy_resources, name="strategy_resources"),
    path("<uuid:public_id>/reflect/", views.reflection_new, name="reflection_new"),
    path("<uuid:public_id>/links/", views.link_new, name="link_new"),
    path("<uuid:public_id>/links/<uuid:link_id>/", views.link_show, name="link"),
    path("<uuid:public_id>/time/", views.time_link, name="time_link"),
    path("<uuid:public_id>/time/log/", views.time_log, name="time_log"),
    path("<uuid:public_id>/time/<int:entry_id>/remove/", views.time_unlink, name="time_unlink"),
    # The end of a school year: the coach carries each open cycle over or closes it.
    path("year-end/", yearend_views.year_end, name="yearend"),
    path("<uuid:public_id>/links/<uuid:link_id>/email/", views.link_email, name="link_email"),
    # From kickoff to debrief: the kickoff and action plan (Identify, Learn), a debrief after each lesson (Improve).
    path("<uuid:public_id>/kickoff/", kickoff_views.kickoff_page, name="kickoff"),
    path("<uuid:public_id>/kickoff/steps/", kickoff_views.plan_step_add, name="plan_step_add"),
    path("<uuid:public_id>/kickoff/steps/<int:pk>/done/", kickoff_views.plan_step_done, name="plan_step_done"),
    path("<uuid:public_id>/kickoff/debriefs/", kickoff_views.debrief_add, name="debrief_add"),
]
