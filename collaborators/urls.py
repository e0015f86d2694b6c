from django.urls import path

from . import views

app_name = "collaborators"

urlpatterns = [
    path("etablissement/", views.establishment_detail, name="establishment"),
    path("collaborateurs/", views.collaborator_list, name="list"),
    path("collaborateurs/a-reaffecter/", views.unassigned_detail, name="unassigned"),
    path("collaborateurs/a-reaffecter/reaffecter/", views.unassigned_reassign, name="unassigned_reassign"),
    path("collaborateurs/<int:pk>/", views.collaborator_detail, name="detail"),
    path("collaborateurs/<int:pk>/desactiver/", views.collaborator_deactivate, name="deactivate"),
    path("collaborateurs/<int:pk>/activer/", views.collaborator_activate, name="activate"),
    path("collaborateurs/<int:pk>/profil/", views.collaborator_change_role, name="change_role"),
    path("collaborateurs/<int:pk>/reaffecter/", views.collaborator_reassign, name="reassign"),
]
