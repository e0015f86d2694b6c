"""What the ceilings of both servers show, shared by the portal's ceiling views (bench/views.py)
and the bare Django project's (bench/bare/views.py), so that both render the very same bytes.
A plain module: the bare project imports it without the portal's apps."""

FIXED_PAGE = (
    "<!doctype html><html lang=fr><head><meta charset=utf-8><title>Banc d'essai</title></head><body><main>"
    + "<p>Page fixe du banc d'essai : ce texte ne change jamais.</p>" * 34
    + "</main></body></html>"
).encode()[:2048]

ONE_ROW_TEMPLATE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{{ ticket.number }}</title></head>
<body><main><h1>{{ ticket.number }}</h1><p>{{ ticket.subject }}</p>
<dl><dt>Statut</dt><dd>{{ ticket.get_status_display }}</dd><dt>Déposée le</dt><dd>{{ ticket.created_at|date:"d/m/Y H:i" }}</dd>
<dt>Dernière activité</dt><dd>{{ ticket.last_activity_at|date:"d/m/Y H:i" }}</dd></dl></main></body></html>"""
