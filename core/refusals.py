"""The one refusal page: a clear French reason and a way back, 403 by default, never a 500."""

from django.shortcuts import render
from django.utils.translation import gettext as _


def refuse(request, reason="", *, title=None, back_url=None, back_label=None, explanation="", status=403):
    """Render ``core/refused.html``: ``title`` (« Accès refusé » by default) and ``reason`` at the
    top, an optional ``explanation``, a link back (``back_url``, ``back_label``) and home."""
    context = {
        "title": title or _("Accès refusé"),
        "reason": reason or _("Vous n'avez pas le droit d'accéder à cette page."),
        "explanation": explanation,
        "back_url": back_url,
        "back_label": back_label or _("Revenir à la page précédente"),
    }
    return render(request, "core/refused.html", context, status=status)
