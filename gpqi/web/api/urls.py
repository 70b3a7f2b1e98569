from django.urls import path

from gpqi.web.api import views

app_name = "api"

urlpatterns = [
    path("", views.index, name="index"),
    path("openapi.json", views.openapi, name="openapi"),
    path("indicators/", views.indicators, name="indicators"),
    path("indicators/<slug:indicator_id>/", views.indicator, name="indicator"),
    path("indicators/<slug:indicator_id>/results/", views.results, name="results"),
    path("practices/<str:code>/summary/", views.practice_summary, name="practice_summary"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign, name="campaign"),
]
