"""``Idempotency-Key`` on POST (SPEC M15.2): the same key, from the same account, for the same
request, gets the first answer again without acting twice; the same key for another request is
refused (422); a key whose first request still runs answers 409."""

import hashlib
import json
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response

from .errors import error_body
from .models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_LENGTH = 255


def _fingerprint(request):
    data = request.data  # a form's fields, or whatever JSON was sent (an object, a list, a number…)
    if hasattr(data, "getlist"):
        data = {key: data.getlist(key) for key in data}
    files = sorted((name, f.name, f.size) for name, f in request.FILES.items()) if request.FILES else []
    text = json.dumps([request.path, _plain(data), files], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(data):
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data if not hasattr(v, "read")]
    return data if not hasattr(data, "read") else None


def idempotent(handler):
    """Wrap a view's ``post``."""

    @wraps(handler)
    def post(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return handler(view, request, *args, **kwargs)
        if len(key) > MAX_LENGTH:
            return Response(
                error_body(400, _("L'en-tête Idempotency-Key dépasse 255 caractères."), code="requete_invalide"), 400
            )
        fingerprint = _fingerprint(request)
        since = timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
        IdempotentRequest.objects.filter(user=request.user, key=key, created_at__lt=since).delete()
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(user=request.user, key=key, fingerprint=fingerprint)
        except IntegrityError:
            record = IdempotentRequest.objects.get(user=request.user, key=key)
            if record.fingerprint != fingerprint:
                message = _("Cette clé Idempotency-Key a déjà servi pour une autre requête.")
                return Response(error_body(422, message), status=422)
            if record.status_code is None:
                message = _("La requête de cette clé Idempotency-Key est encore en cours.")
                return Response(error_body(409, message), status=409)
            response = Response(record.body, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            response = handler(view, request, *args, **kwargs)
        except Exception:
            record.delete()
            raise
        if response.status_code >= 500 or not isinstance(response, Response):
            record.delete()
        else:
            record.status_code, record.body = response.status_code, response.data
            record.save(update_fields=["status_code", "body"])
        return response

    return post
