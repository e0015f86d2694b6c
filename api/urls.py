from csp.decorators import csp_update
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI sets inline styles: allowed on this page alone (its scripts stay 'self' only).
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path("dis/", views.TicketCollection.as_view(), name="tickets"),
    path("dis/<str:number>/", views.TicketDetail.as_view(), name="ticket"),
    path("dis/<str:number>/pj/<uuid:uuid>/", views.AttachmentDownload.as_view(), name="attachment"),
    path("dis/<str:number>/messages/", views.OwnerMessage.as_view(), name="owner_message"),
    path("dis/<str:number>/cloture/valider/", views.ValidateClosure.as_view(), name="validate_closure"),
    path("dis/<str:number>/cloture/refuser/", views.RefuseClosure.as_view(), name="refuse_closure"),
    path("dis/<str:number>/annuler/", views.Cancel.as_view(), name="cancel"),
    path("guichet/dis/", views.DeskCollection.as_view(), name="desk"),
    path("guichet/dis/<str:number>/prendre/", views.Take.as_view(), name="take"),
    path("guichet/dis/<str:number>/repondre/", views.Reply.as_view(), name="reply"),
    path("guichet/dis/<str:number>/note/", views.InternalNote.as_view(), name="internal_note"),
    path("guichet/dis/<str:number>/proposer-cloture/", views.ProposeClosure.as_view(), name="propose_closure"),
    path("guichet/dis/<str:number>/support/", views.ChangeAssignee.as_view(), name="change_assignee"),
    path("guichet/dis/<str:number>/reorienter/", views.Reroute.as_view(), name="reroute"),
    path("guichet/dis/<str:number>/fusionner/", views.Merge.as_view(), name="merge"),
    path("contrats/", views.ContractList.as_view(), name="contracts"),
    path("questionnaire/", views.SurveyQuestions.as_view(), name="survey"),
    path("referentiel/<str:kind>/", views.ReferentialUpsert.as_view(), name="referential"),
    re_path(r"^", views.UnknownRoute.as_view(), name="unknown"),
]
