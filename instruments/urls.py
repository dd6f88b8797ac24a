from django.urls import path

from instruments import lab_views, views

app_name = "instruments"
urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.create, name="create"),
    path("manage/import/", views.import_file, name="import"),
    path("manage/photos/<int:pk>/delete/", views.photo_delete, name="photo-delete"),
    path("labs/", lab_views.labs, name="labs"),
    path("labs/<int:pk>/", lab_views.lab, name="lab"),
    path("<slug:code>/", views.detail, name="detail"),
    path("<slug:code>/edit/", views.edit, name="edit"),
    path("<slug:code>/photos/", views.photo_upload, name="photo-upload"),
]
