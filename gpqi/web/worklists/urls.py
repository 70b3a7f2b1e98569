from django.urls import path

from gpqi.web.worklists import views

app_name = "worklists"

urlpatterns = [
    path("", views.home, name="home"),
    path("<str:code>/", views.practice, name="practice"),
    path("<str:code>/<slug:indicator_id>/", views.worklist, name="worklist"),
]
