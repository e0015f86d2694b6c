from django.urls import path

from . import collaborator_views as views

app_name = "collaborators"

urlpatterns = [
    path("", views.collaborator_list, name="list"),
    path("a-reaffecter/", views.unassigned_detail, name="unassigned"),
    path("a-reaffecter/reaffecter/", views.unassigned_reassign, name="unassigned_reassign"),
    path("<int:pk>/", views.collaborator_detail, name="detail"),
    path("<int:pk>/desactiver/", views.collaborator_deactivate, name="deactivate"),
    path("<int:pk>/activer/", views.collaborator_activate, name="activate"),
    path("<int:pk>/profil/", views.collaborator_change_role, name="change_role"),
    path("<int:pk>/reaffecter/", views.collaborator_reassign, name="reassign"),
]
