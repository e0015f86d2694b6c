from django.urls import path

from core import observability

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("news/", views.news_list, name="news"),
    path("sante/", observability.liveness, name="liveness"),
    path("sante/pret/", observability.readiness, name="readiness"),
    path("aide/", views.help_page, name="help"),
]
