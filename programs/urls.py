"""The set-up pages and the new school year, mounted under /setup/."""

from django.urls import URLPattern

from . import rollover_urls, setup_urls

app_name = "programs"

urlpatterns: list[URLPattern] = [*setup_urls.urlpatterns, *rollover_urls.urlpatterns]
