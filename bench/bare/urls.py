from django.urls import path

from . import views

urlpatterns = [
    path("banc-essai/fixe/", views.fixed, name="fixed"),
    path("banc-essai/une-ligne/<int:pk>/", views.one_row, name="one_row"),
]
