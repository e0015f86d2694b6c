from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("deposer/", views.ticket_create, name="create"),
    path("dis/", views.ticket_list, name="list"),
    path("exporter/csv/", views.ticket_export, {"fmt": "csv"}, name="export_csv"),
    path("exporter/xlsx/", views.ticket_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("tableau-de-bord/", views.dashboard, name="dashboard"),
    path("dis/<str:number>/", views.ticket_detail, name="detail"),
    path("dis/<str:number>/message/", views.ticket_message, name="message"),
    path("dis/<str:number>/cloture/valider/", views.ticket_validate_closure, name="validate_closure"),
    path("dis/<str:number>/cloture/refuser/", views.ticket_refuse_closure, name="refuse_closure"),
    path("dis/<str:number>/annuler/", views.ticket_cancel, name="cancel"),
    path("dis/<str:number>/reaffecter/", views.ticket_reassign, name="reassign"),
    path("dis/<str:number>/confier/", views.ticket_hand_over, name="hand_over"),
    path("dis/<str:number>/pj/<uuid:uuid>/", views.attachment_download, name="attachment"),
]
