from django.urls import path

from . import views

app_name = "twofactor"

urlpatterns = [
    path("", views.manage, name="manage"),
    path("verification/", views.verify, name="verify"),
    path("activer/", views.setup, name="setup"),
    path("activer/qr-code.svg", views.qr_code, name="qr_code"),
    path("codes-de-secours/", views.codes, name="codes"),
    path("codes-de-secours/nouveaux/", views.regenerate, name="regenerate"),
    path("desactiver/", views.disable, name="disable"),
]
