from django.urls import path

from . import sso_views

app_name = "sso"

urlpatterns = [
    path("<int:pk>/", sso_views.SignInStart.as_view(), name="start"),
    path("callback/", sso_views.SignInCallback.as_view(), name="callback"),
]
