from django.urls import path

from gpqi.web.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/tip/", views.edit_tip, name="tip"),
]
