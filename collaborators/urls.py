from django.urls import path

from . import desk_views, views

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
    # The vendor's staff, read-only (M11.3).
    path("guichet/etablissements/", desk_views.establishment_list, name="vendor_establishments"),
    path("guichet/etablissements/<int:pk>/", desk_views.establishment_sheet, name="vendor_establishment"),
    path(
        "guichet/etablissements/<int:pk>/collaborateurs/<int:user_pk>/",
        desk_views.collaborator_sheet,
        name="vendor_collaborator",
    ),
]
