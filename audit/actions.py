"""The names of the events in the security log, in French, for the pages that show them."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "login_succeeded": _("Connexion réussie"),
    "login_failed": _("Échec de connexion"),
    "login_locked_out": _("Connexion bloquée (trop d'échecs)"),
    "password_reset_requested": _("Mot de passe oublié : lien envoyé"),
    "password_reset_completed": _("Mot de passe choisi par lien"),
    "password_reset_no_account": _("Mot de passe oublié : adresse inconnue"),
    "password_changed": _("Mot de passe modifié"),
    "2fa_enabled": _("Double authentification activée"),
    "2fa_disabled": _("Double authentification désactivée"),
    "2fa_failed": _("Code de double authentification refusé"),
    "2fa_recovery_codes_regenerated": _("Codes de secours renouvelés"),
    "recovery_code_used": _("Code de secours utilisé"),
    "email_changed": _("Adresse mail modifiée"),
    "profile_updated": _("Informations personnelles modifiées"),
    "role_changed": _("Profil modifié"),
    "user_activated": _("Compte activé"),
    "user_deactivated": _("Compte désactivé"),
    "user_created_in_back_office": _("Compte créé par l'éditeur"),
    "user_changed_in_back_office": _("Compte modifié par l'éditeur"),
    "account_request_submitted": _("Demande de compte déposée"),
    "account_request_approved": _("Demande de compte approuvée"),
    "account_request_rejected": _("Demande de compte refusée"),
    "account_created_by_training": _("Compte créé après une formation"),
    "training_validated": _("Formation validée"),
    "ticket_reassigned": _("DI réaffectée"),
    "reply_by_email_refused": _("Réponse par mail refusée (autre expéditeur)"),
    "inbound_mail_retried": _("Réponse par mail relancée (back office)"),
    "tickets_reassigned": _("DIs réaffectées"),
    "download": _("Téléchargement"),
    "attachment_download": _("Téléchargement d’une pièce jointe"),
    "download_file_published": _("Fichier publié"),
    "download_file_changed": _("Fichier modifié"),
    "download_file_withdrawn": _("Fichier retiré"),
    "download_file_deleted": _("Fichier supprimé"),
    "access_refused": _("Accès refusé"),
    "api_token_created": _("Jeton d'API créé"),
    "api_token_revoked": _("Jeton d'API révoqué"),
    "referential_imported": _("Référentiel importé"),
    "backup_created": _("Sauvegarde créée"),
    "backup_restored": _("Sauvegarde restaurée"),
}


def label(action):
    return LABELS.get(action, action)
