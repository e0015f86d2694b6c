from django.urls import path

from . import views

app_name = "bench"

urlpatterns = [
    path("fixe/", views.fixed, name="fixed"),
    path("une-ligne/<int:pk>/", views.one_row, name="one_row"),
]
