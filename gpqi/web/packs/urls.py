from django.urls import path

from gpqi.web.packs import views

app_name = "packs"

urlpatterns = [path("", views.pack, name="pack")]
