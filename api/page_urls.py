from django.urls import path

from . import pages

app_name = "tokens"

urlpatterns = [
    path("mon-profil/jetons/", pages.personal_tokens, name="personal"),
    path("jetons-integration/", pages.integration_tokens, name="integration"),
    path("jetons/<int:pk>/revoquer/", pages.token_revoke_view, name="revoke"),
]
