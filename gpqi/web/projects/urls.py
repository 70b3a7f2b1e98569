from django.urls import path

from gpqi.web.projects import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_edit, name="new"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/cycles/new/", views.cycle_edit, name="cycle_new"),
    path("<int:pk>/cycles/<int:cycle>/edit/", views.cycle_edit, name="cycle_edit"),
    path("annotations/new/", views.annotation_new, name="annotation_new"),
    path("annotations/<int:pk>/delete/", views.annotation_delete, name="annotation_delete"),
]
