from django.urls import path

from . import views

app_name = "subscriptions"

urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("<int:pk>/frequency/", views.subscription_change, name="subscription_change"),
    path("<int:pk>/remove/", views.subscription_remove, name="subscription_remove"),
    path("deliveries/<int:pk>/send-again/", views.delivery_retry, name="delivery_retry"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("reminders/", views.reminders, name="reminders"),
    path("my-reminders/", views.my_reminders, name="my_reminders"),
]
