from django.urls import path

from . import month_views, offline_views, views

app_name = "coaching"

urlpatterns = [
    path("week/", views.my_week, name="my_week"),
    path("entries/", views.entry_list, name="entry_list"),
    path("entries/export.csv", views.entry_export, name="entry_export"),
    path("entries/new/", views.entry_add, name="entry_add"),
    path("entries/district-fields/", views.district_fields, name="district_fields"),
    path("entries/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("entries/<int:pk>/delete/", views.entry_delete, name="entry_delete"),
    path("entries/<int:pk>/repeat/", views.entry_repeat, name="entry_repeat"),
    path("entries/repeat-day/", views.day_repeat, name="day_repeat"),
    path("entries/quick/", views.entry_quick, name="entry_quick"),
    path("history/import/", views.history_import, name="history_import"),
    path("history/import/preview/", views.history_preview, name="history_preview"),
    path("history/import/template.csv", views.history_template, name="history_template"),
    path("contracts/", views.contract_list, name="contracts"),
    path("contracts/export.csv", views.contract_export, name="contracts_export"),
    path("my-sessions/", views.my_sessions, name="my_sessions"),
    path("months/", month_views.my_months, name="my_months"),
    path("months/submit/", month_views.month_submit, name="month_submit"),
    path("approvals/", month_views.approvals, name="approvals"),
    path("approvals/<int:pk>/approve/", month_views.month_approve, name="month_approve"),
    path("approvals/<int:pk>/return/", month_views.month_return, name="month_return"),
    path("approvals/<int:pk>/reopen/", month_views.month_reopen, name="month_reopen"),
    # The offline queue (the service worker and the manifest are at the site root, in config/urls.py)
    path("offline/", offline_views.offline_page, name="offline_page"),
    path("offline/state.json", offline_views.offline_state, name="offline_state"),
    path("entries/offline/", offline_views.offline_entry, name="offline_entry"),
]
