from django.urls import URLPattern, path

from . import rollover_views

urlpatterns: list[URLPattern] = [
    path("rollover/", rollover_views.rollover, name="rollover"),
]
