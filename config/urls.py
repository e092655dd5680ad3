from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from coaching import offline_views
from cycles import views as cycle_views
from teachers import sso_views
from teachers import views as teacher_views

from . import views

admin.site.site_header = "Fulcrum administration"
admin.site.site_title = "Fulcrum"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", sso_views.SignIn.as_view(), name="login"),
    # Signing in with a district's OpenID Connect provider.
    path("sign-in/", include("teachers.sso_urls")),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Password reset by email. The "sent" page is the same whether or not the address has an
    # account, so the form reveals nothing about who uses Fulcrum.
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("", include("coaching.urls")),
    path("", include("learning.urls")),
    path("roster/", include("teachers.urls")),
    path("cycles/", include("cycles.urls")),
    path("reports/", include("reports.urls")),
    path("email/", include("subscriptions.urls")),
    path("setup/", include("programs.urls")),
    path("statements/", include("programs.statement_urls")),
    path("district-plans/", include("programs.district_plan_urls")),
    path("impact/", include("programs.impact_urls")),
    path("calendar/", include("calendars.urls")),
    path("audit/", teacher_views.audit_log, name="audit"),
    path("invitation/<str:token>/", teacher_views.invitation, name="invitation"),
    path("r/<str:token>/", cycle_views.reflect_by_link, name="reflect"),
    path("admin/", admin.site.urls),
    # The installable web app: the service worker at the root, so that its scope is the whole site.
    path("sw.js", offline_views.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline_views.manifest, name="manifest"),
]
