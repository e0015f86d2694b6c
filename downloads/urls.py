from django.urls import path

from . import views

app_name = "downloads"

urlpatterns = [
    path("", views.file_list, name="list"),
    path("<uuid:uuid>/", views.file_download, name="download"),
]
