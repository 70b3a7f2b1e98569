from django.urls import path

from gpqi.web.alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.alerts_page, name="page"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
