from django.urls import path

from gpqi.web.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("practices/", views.practice_list, name="practices"),
    path("practices/<str:code>/", views.practice, name="practice"),
    path("indicators/", views.indicator_list, name="indicators"),
    path("indicators/<slug:indicator_id>/", views.indicator, name="indicator"),
    path("networks/", views.networks, name="networks"),
    path("networks/<str:code>/", views.network, name="network"),
    path("operational/", views.operational, name="operational"),
    path("data-quality/", views.data_quality, name="data_quality"),
]
