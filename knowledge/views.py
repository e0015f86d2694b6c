"""« Base de connaissances » (SPEC M14): the articles of the products a client's establishment holds
a contract in force on, their files, the suggestions while a DI is typed, the desk's article
picker and « Rédiger un article », and the vendor's report.

Views stay thin: reads through ``knowledge.access`` and ``knowledge.selectors``, writes through
``knowledge.services``.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.actions import perform_action
from core.guards import client_required, vendor_staff_required
from core.serving import PrivateFile, serve
from support.access import get_ticket_for_user

from . import selectors, services
from .access import get_article_file_for_user, get_article_for_user
from .forms import ReportFilterForm, SearchForm
from .markdown import render as render_markdown


@login_required
@require_GET
def article_index(request):
    """By product, newest first; a search across the products (or one product's articles)."""
    form = SearchForm(request.GET)
    form.is_valid()
    query = (form.cleaned_data.get("q") or "").strip()
    product_id = form.cleaned_data.get("produit")
    product = selectors.product_for(request.user, product_id) if product_id else None
    context = {"form": form, "query": query, "product": product}
    if query or product is not None:
        context["page"] = selectors.article_page(request.user, request.GET.get("page"), product=product, query=query)
    else:
        context["products"] = selectors.index_products(request.user)
    return render(request, "knowledge/index.html", context)


@login_required
@require_GET
def article_detail(request, pk):
    article = get_article_for_user(request.user, pk)
    services.article_view_record(article, user=request.user)
    return render(
        request,
        "knowledge/detail.html",
        {"article": article, "html": render_markdown(article.body), "files": article.files.all()},
    )


@login_required
@require_GET
def article_file(request, uuid):
    """An image or a file of an article, checked at each request as downloads are."""
    stored = get_article_file_for_user(request.user, uuid)
    return serve(
        request,
        PrivateFile(
            file=stored.file,
            name=stored.original_name,
            content_type=stored.content_type,
            size=stored.size,
            etag=stored.sha256,
        ),
    )


# --- While a DI is typed ------------------------------------------------------------------------


@client_required
@require_GET
def suggestions(request):
    """The htmx partial under « Objet » of « Déposer une DI »: up to five articles."""
    subject = request.GET.get("subject", "")[:200]
    contract = selectors.suggestion_contract(request.user, request.GET.get("contract"))
    articles = selectors.suggestions(request.user, subject, contract) if subject.strip() else []
    response = render(
        request,
        "knowledge/includes/suggestions.html",
        {"articles": articles, "subject": subject, "contract": contract},
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@client_required
@require_POST
def article_resolved(request, pk):
    """« Cet article a résolu mon problème »: counted, and no DI is filed."""
    article = get_article_for_user(request.user, pk)
    services.deflection_record(article, acting_user=request.user, request=request)
    if request.htmx:
        return render(request, "knowledge/includes/resolved.html", {"article": article})
    messages.success(
        request, _("Merci : nous avons noté que cet article a résolu votre problème. Aucune DI n'a été déposée.")
    )
    return redirect("knowledge:detail", pk=article.pk)


# --- The desk ------------------------------------------------------------------------------------


@vendor_staff_required
@require_GET
def desk_picker(request):
    """« Insérer un lien vers un article » in a reply: the DI's product's published articles."""
    try:
        product_id = int(request.GET.get("produit", ""))
    except ValueError:
        product_id = None
    query = request.GET.get("q", "")[:200]
    articles = selectors.picker_articles(request.user, product_id, query) if product_id else []
    return render(
        request,
        "knowledge/includes/picker_results.html",
        {"articles": articles, "query": query, "target": request.GET.get("cible", ""), "site_url": settings.SITE_URL},
    )


@vendor_staff_required
@require_POST
def draft_from_ticket(request, number):
    """« Rédiger un article » from a closed DI: a draft, then the back office (or, for the support
    staff, who have no back office, the draft's page for an administrator to publish)."""
    ticket = get_ticket_for_user(request.user, number)

    def perform(data):
        article, created = services.article_draft_from_ticket(ticket, acting_user=request.user)
        if created:
            message = _("Le brouillon « %(title)s » est créé à partir de la DI.") % {"title": article.title}
        else:
            message = _("Cette DI a déjà son brouillon d'article : le voici.")
        if request.user.is_vendor_admin:
            return message, reverse("admin:knowledge_article_change", args=[article.pk])
        return message, reverse("knowledge:detail", args=[article.pk])

    return perform_action(
        request,
        perform=perform,
        on_invalid=None,
        refusal_back_url=reverse("desk:detail", args=[ticket.number]),
        refusal_back_label=_("Revenir à la %(number)s") % {"number": ticket.number},
    )


@vendor_staff_required
@require_GET
def report(request):
    form = ReportFilterForm(request.GET if ("du" in request.GET or "au" in request.GET) else None)
    period = {"since": None, "until": None}
    if form.is_bound and form.is_valid():
        period = {"since": form.cleaned_data["du"], "until": form.cleaned_data["au"]}
    return render(request, "knowledge/report.html", {"form": form, "report": selectors.report(**period)})
