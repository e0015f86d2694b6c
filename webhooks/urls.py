from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("<int:pk>/", views.endpoint_detail, name="detail"),
    path("<int:pk>/activation/", views.endpoint_toggle, name="toggle"),
    path("<int:endpoint_pk>/livraisons/<int:pk>/renvoyer/", views.delivery_resend, name="resend"),
]
