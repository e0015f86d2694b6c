from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from twofactor.views import back_office_login

admin.site.site_header = _("Espace Clients — back office")
admin.site.site_title = _("Espace Clients")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", include("portal.urls")),
    path("", include("accounts.urls")),
    path("support/", include("support.urls")),
    path("guichet/", include("support.desk_urls")),
    path("rapports/", include("reports.urls")),
    path("", include("collaborators.urls")),
    path("telechargements/", include("downloads.urls")),
    path("base-de-connaissances/", include("knowledge.urls")),
    path("journal/", include("audit.urls")),
    path("double-authentification/", include("twofactor.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("referentiel/", include("referential.urls")),
    path("api/v1/", include("api.urls")),
    path("", include("api.page_urls")),
    # The back office has no login form of its own: the portal's (captcha, lockout, code) serves.
    path("back-office/login/", back_office_login, name="back_office_login"),
    path("back-office/", admin.site.urls),
]

handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
