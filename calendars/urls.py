from django.urls import path

from . import views

app_name = "calendars"

urlpatterns = [
    path("", views.calendar_import, name="import"),
    path("drafts/", views.draft_list, name="drafts"),
    path("drafts/<int:pk>/confirm/", views.draft_confirm, name="draft_confirm"),
    path("drafts/<int:pk>/edit/", views.draft_edit, name="draft_edit"),
    path("drafts/<int:pk>/discard/", views.draft_discard, name="draft_discard"),
    path("feed/", views.feed_settings, name="feed_settings"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
]
