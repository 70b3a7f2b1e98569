from django.urls import path

from gpqi.web.editor import views

app_name = "editor"

urlpatterns = [
    path("", views.index, name="index"),
    path("codelists/", views.codelists, name="codelists"),
    path("publications/<int:pk>/", views.publication, name="publication"),
    path("<slug:indicator_id>/", views.edit, name="edit"),
    path("<slug:indicator_id>/check/", views.check, name="check"),
    path("<slug:indicator_id>/preview/", views.preview_view, name="preview"),
    path("<slug:indicator_id>/publish/", views.publish, name="publish"),
]
