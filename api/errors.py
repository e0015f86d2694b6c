"""Every refusal of the API in one stable JSON shape, in French (SPEC M15.1):

    {"erreur": {"code": "introuvable", "message": "DI introuvable", "champs": {"body": ["…"]}}}

``champs`` is present on validation errors only: field name → messages (``"__all__"`` for the
errors of no field)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

CODES = {
    400: "requete_invalide",
    401: "non_authentifie",
    403: "refuse",
    404: "introuvable",
    405: "methode_non_permise",
    406: "format_non_accepte",
    409: "conflit",
    415: "type_non_accepte",
    422: "cle_reutilisee",
    429: "trop_de_requetes",
}
MESSAGES = {
    400: _lazy("La requête est invalide."),
    401: _lazy("Authentifiez-vous : « Authorization: Bearer <jeton> »."),
    403: _lazy("Vous n'avez pas le droit de faire cette action."),
    404: _lazy("Introuvable."),
    405: _lazy("Méthode non permise sur cette adresse."),
    406: _lazy("Format de réponse non disponible : l'API répond en JSON."),
    415: _lazy("Type de contenu non accepté : envoyez du JSON ou un formulaire multipart."),
    429: _lazy("Trop de requêtes : réessayez dans %(seconds)s secondes."),
}


def error_body(status_code, message, fields=None, code=None):
    body = {"code": code or CODES.get(status_code, "erreur"), "message": str(message)}
    if fields:
        body["champs"] = fields
    return {"erreur": body}


def _fields_of(detail):
    """DRF's validation detail as {field: [messages]}."""
    if isinstance(detail, dict):
        return {
            name: [str(m) for m in (value if isinstance(value, list) else [value])]
            if not isinstance(value, dict)
            else [str(value)]
            for name, value in detail.items()
        }
    return {"__all__": [str(m) for m in (detail if isinstance(detail, list) else [detail])]}


def _django_fields(error):
    if hasattr(error, "error_dict"):
        return {name: [m for e in errors for m in e.messages] for name, errors in error.error_dict.items()}
    return {"__all__": list(error.messages)}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        fields = _django_fields(exc)
        first = next(iter(fields.values()))[0]
        return Response(error_body(400, first, fields, code="validation"), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if exc.args else MESSAGES[404])
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) if exc.args and str(exc) else MESSAGES[403])
    if not isinstance(exc, exceptions.APIException):
        return None
    set_rollback()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    code = exc.status_code
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1) + (0 if float(exc.wait or 1).is_integer() else 1)
        headers["Retry-After"] = str(max(wait, 1))
        return Response(error_body(429, MESSAGES[429] % {"seconds": headers["Retry-After"]}), 429, headers=headers)
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields_of(exc.detail)
        first = next(iter(fields.values()))[0] if fields else MESSAGES[400]
        return Response(error_body(400, first, fields, code="validation"), status=400, headers=headers)
    if isinstance(exc, exceptions.NotAuthenticated):
        message = MESSAGES[401]
    elif isinstance(exc, exceptions.MethodNotAllowed):
        message = MESSAGES[405]
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        message = MESSAGES[415]
    elif isinstance(exc, exceptions.NotAcceptable):
        message = MESSAGES[406]
    elif isinstance(exc, exceptions.ParseError):
        message = _("Le corps de la requête est illisible (JSON mal formé ?).")
    else:
        message = exc.detail if isinstance(exc.detail, str) else MESSAGES.get(code, MESSAGES[400])
    return Response(error_body(code, message), status=code, headers=headers)
