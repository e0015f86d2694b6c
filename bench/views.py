"""The framework's own ceilings, measured by the benchmark in the same run on the same server.

Served only by the benchmark's own URLconf (``bench.urls``, through ``bench.server_settings``);
the portal's URLconf (``config/urls.py``) never includes them.
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines

from support.models import Ticket

FIXED_PAGE = (
    "<!doctype html><html lang=fr><head><meta charset=utf-8><title>Banc d'essai</title></head><body><main>"
    + "<p>Page fixe du banc d'essai : ce texte ne change jamais.</p>" * 34
    + "</main></body></html>"
).encode()[:2048]

ONE_ROW = engines["django"].from_string(
    """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{{ ticket.number }}</title></head>
<body><main><h1>{{ ticket.number }}</h1><p>{{ ticket.subject }}</p>
<dl><dt>Statut</dt><dd>{{ ticket.get_status_display }}</dd><dt>Déposée le</dt><dd>{{ ticket.created_at|date:"d/m/Y H:i" }}</dd>
<dt>Dernière activité</dt><dd>{{ ticket.last_activity_at|date:"d/m/Y H:i" }}</dd></dl></main></body></html>"""
)


def fixed(request):
    """A fixed 2 KB page: the cost of the request/response cycle and the middleware alone."""
    return HttpResponse(FIXED_PAGE)


def one_row(request, pk):
    """One DI by primary key, rendered in a small template."""
    ticket = get_object_or_404(Ticket, pk=pk)
    return HttpResponse(ONE_ROW.render({"ticket": ticket}, request))
