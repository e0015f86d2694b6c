"""What the knowledge base adds to other apps' pages, as Jinja2 fragments (core.jinja_env)."""

from django.templatetags.static import static
from django.utils.translation import gettext_lazy

from core.jinja_env import TemplateLabels, render_fragment
from core.reversal import reverse  # remembered per process (same answers as Django's)
from support.models import Status

_DESK_TOOLS_LABELS = TemplateLabels(
    title=gettext_lazy("Base de connaissances"),
    picker_region=gettext_lazy("Chercher un article à citer"),
    picker_label=gettext_lazy("Insérer dans la réponse un lien vers un article"),
    picker_help=gettext_lazy(
        "Tapez quelques mots ; « Insérer le lien » ajoute le titre et l'adresse de l'article à l'endroit du "
        "curseur dans la réponse."
    ),
    search_in_tab=gettext_lazy("Chercher dans un nouvel onglet"),
    draft_help=gettext_lazy(
        "Un brouillon d'article est créé sur le produit de la DI, avec son objet pour titre et la réponse "
        "finale du support pour texte ; rien du client n'y est recopié."
    ),
    draft=gettext_lazy("Rédiger un article"),
)


def desk_tools(ticket, *, reply, csrf_input):
    """The desk's DI page (M14.5): while a reply can be written, a search of the articles of the
    DI's product whose « Insérer le lien » puts a link into the reply; on a closed DI, « Rédiger un
    article » from it. ``reply``: whether the page offers the reply form."""
    closed = ticket.status == Status.CLOSED
    return render_fragment(
        "knowledge/desk_tools.html",
        ticket=ticket,
        reply=reply,
        closed=closed,
        k=_DESK_TOOLS_LABELS.current(),
        index_url=reverse("knowledge:index"),
        picker_url=reverse("knowledge:picker"),
        script_url=static("knowledge/knowledge.js"),
        draft_url=reverse("knowledge:draft_from_ticket", args=[ticket.number]) if closed else "",
        csrf_input=csrf_input,
    )
