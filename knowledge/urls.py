from django.urls import path

from . import views

app_name = "knowledge"

urlpatterns = [
    path("", views.article_index, name="index"),
    path("articles/<int:pk>/", views.article_detail, name="detail"),
    path("articles/<int:pk>/resolu/", views.article_resolved, name="resolved"),
    path("fichiers/<uuid:uuid>/", views.article_file, name="file"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path("guichet/articles/", views.desk_picker, name="picker"),
    path("guichet/dis/<str:number>/rediger/", views.draft_from_ticket, name="draft_from_ticket"),
    path("rapport/", views.report, name="report"),
]
