from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe-oublie/", views.PasswordResetView.as_view(), name="password_reset"),
    path("mot-de-passe-oublie/envoye/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mot-de-passe/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("bienvenue/<uidb64>/<token>/", views.InvitationConfirmView.as_view(), name="invitation_confirm"),
    path("mot-de-passe/modifie/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("demande-de-compte/", views.account_request, name="account_request"),
    path("demande-de-compte/envoyee/", views.account_request_done, name="account_request_done"),
    path("mon-profil/", views.profile, name="profile"),
    path("mon-profil/modifier/", views.profile_edit, name="profile_edit"),
    path("adresse-mail/confirmer/<str:token>/", views.email_change_confirm, name="email_change_confirm"),
    path("adresse-mail/annuler/<str:token>/", views.email_change_cancel, name="email_change_cancel"),
]
