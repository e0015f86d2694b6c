from django.urls import path

from . import desk_views

app_name = "desk"

urlpatterns = [
    path("", desk_views.desk_list, name="list"),
    path("exporter/csv/", desk_views.desk_export, {"fmt": "csv"}, name="export_csv"),
    path("exporter/xlsx/", desk_views.desk_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("dis/<str:number>/", desk_views.desk_detail, name="detail"),
    path("dis/<str:number>/prendre/", desk_views.desk_take, name="take"),
    path("dis/<str:number>/repondre/", desk_views.desk_reply, name="reply"),
    path("dis/<str:number>/note/", desk_views.desk_internal_note, name="internal_note"),
    path("dis/<str:number>/proposer-cloture/", desk_views.desk_propose_closure, name="propose_closure"),
    path("dis/<str:number>/support/", desk_views.desk_change_assignee, name="change_assignee"),
    path("dis/<str:number>/reorienter/", desk_views.desk_reroute, name="reroute"),
    path("dis/<str:number>/fusionner/", desk_views.desk_merge, name="merge"),
    path("etablissements/<int:establishment_pk>/deposer/", desk_views.desk_file_on_behalf, name="file_on_behalf"),
    path("satisfaction/", desk_views.desk_satisfaction, name="satisfaction"),
]
