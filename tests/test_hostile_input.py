"""Hostile input (issue 5, item 2): every form of the portal, the desk and the back office takes a
corpus of hostile values, and every place the value is shown (portal pages, desk pages, back
office lists and change pages, e-mails in text and HTML) shows it escaped, never live.

Also here: hostile file names and disguised or oversized files (a clear French refusal next to
the field, no row, no file), mass assignment of fields a form does not offer (ignored), look-alike
and array-valued e-mails on password reset (mail only to the stored address), open redirects
through ``next`` (never off-site). No case may answer with a 5xx: the test client re-raises any
exception a view lets through, and every response is checked below 500.
"""

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import AccountRequest, Role, User
from news.models import NewsItem
from support.models import Attachment, Message, Status, SurveyQuestion, SurveyResponse, Team, Ticket
from testing.clients import CommitClient
from testing.personas import PASSWORD, make_user
from testing.tickets import PDF, pdf, ratings_form
from trainings.models import Participant, Training

# --- The corpus ------------------------------------------------------------------------------

# At most 30 characters: they must fit every field, the 30-character phone number included.
PAYLOADS = [
    pytest.param("<script>alert(1)</script>", id="script-tag"),
    pytest.param('"><img src=x onerror=alert(1)>', id="attribute-breakout"),
    pytest.param("'><svg onload=alert(1)>", id="single-quote-svg"),
    pytest.param("</textarea><b>gras</b>", id="textarea-breakout"),
    pytest.param("javascript:alert(1)", id="javascript-url"),
    pytest.param("{{7*7}}", id="template-variable"),
    pytest.param("{% debug %}", id="template-tag"),
]
HTML_SPECIALS = set("<>\"'&")
LIVE_URL = re.compile(r"""(?:href|src|action|formaction|data)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def assert_inert(body, payload, where, *, shown=True):
    """The payload is never in the page as live markup; when ``shown``, its escaped form is."""
    if HTML_SPECIALS & set(payload):
        assert payload not in body, f"{where}: the payload {payload!r} is in the HTML unescaped"
    if shown:
        assert escape(payload) in body, f"{where}: the payload {payload!r} is not shown (escaped) at all"
    assert not LIVE_URL.search(body), f"{where}: a javascript: URL is live in an attribute"


def assert_not_5xx(response, where=""):
    assert response.status_code < 500, f"{where}: {response.status_code}"
    return response


def signed_in(user):
    client = CommitClient()
    client.force_login(user)
    return client


def get_page(client, url, where, status=200):
    """The page's HTML; it must also carry a CSP that would block an inline script."""
    response = assert_not_5xx(client.get(url), where)
    assert response.status_code == status, f"{where}: {url} answered {response.status_code}"
    csp = response.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp, f"{where}: CSP {csp!r}"
    return response.content.decode()


def check_pages(pages, payload, *, shown=True):
    """``pages``: {where: (user, url)}; each must answer 200 with the payload inert (and shown)."""
    clients = {}
    for where, (user, url) in pages.items():
        client = clients.setdefault(user.pk, signed_in(user))
        assert_inert(get_page(client, url, where), payload, where, shown=shown)


def html_of(message):
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


def check_emails(templates_shown, payload):
    """Every HTML e-mail sent keeps the payload inert; those whose subject names one of
    ``templates_shown`` show it (escaped in HTML, as typed in the plain text)."""
    assert mail.outbox, "no e-mail was sent"
    shown = dict.fromkeys(templates_shown, False)
    for message in mail.outbox:
        html = html_of(message)
        assert_inert(html, payload, f"e-mail « {message.subject} » (HTML)", shown=False)
        assert "\n" not in message.subject and "\r" not in message.subject
        for template, marker in templates_shown.items():
            if marker in message.subject and escape(payload) in html:
                shown[template] = True
                assert payload in message.body, f"e-mail « {message.subject} »: the text part lost the value"
    missing = [template for template, seen in shown.items() if not seen]
    assert not missing, f"these e-mails do not show the value: {missing}"


def software_contract(establishment):
    return establishment.contracts.get(reference__endswith="-SW")


def file_di_through_the_page(client, establishment, /, *, files=(), **fields):
    data = {
        "contract": software_contract(establishment).pk,
        "subject": "Les bulletins ne s'éditent plus",
        "description": "Le bouton « Éditer » ne répond plus.",
        "module": "Paie",
        "version": "2026.1",
        "environment": "production",
        **fields,
    }
    if files:
        data["files"] = list(files)
    return assert_not_5xx(client.post(reverse("support:create"), data), "filing a DI")


def stored_files():
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


# --- Text fields of the client pages ------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_di_fields_are_escaped_on_every_page_and_email_that_shows_them(
    payload, agent, est_admin, support, vendor_admin
):
    """M3.1 M3.2 M3.4 M8.1 M8.2 M9 M10"""
    client = signed_in(agent)
    rejected = file_di_through_the_page(
        client, agent.establishment, contract="", subject=payload, description=payload, module=payload
    )
    assert rejected.status_code == 200 and not Ticket.objects.exists()
    assert_inert(rejected.content.decode(), payload, "the rejected filing form")

    response = file_di_through_the_page(
        client, agent.establishment, subject=payload, description=payload, module=payload, version=payload
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.description, ticket.module, ticket.version) == (payload,) * 4

    check_pages(
        {
            "client detail": (agent, reverse("support:detail", args=[ticket.number])),
            "client list": (agent, reverse("support:list")),
            "client list searched": (agent, reverse("support:list") + "?" + urlencode({"q": payload})),
            "collaborator sheet": (est_admin, reverse("collaborators:detail", args=[agent.pk])),
            "desk list": (support, reverse("desk:list")),
            "desk list searched": (support, reverse("desk:list") + "?" + urlencode({"q": payload})),
            "desk detail": (support, reverse("desk:detail", args=[ticket.number])),
            "back office list": (vendor_admin, reverse("admin:support_ticket_changelist")),
            "back office change": (vendor_admin, reverse("admin:support_ticket_change", args=[ticket.pk])),
        },
        payload,
    )
    check_emails({"ticket_created": "Nouvelle DI"}, payload)


def post(client, url, data, where):
    response = assert_not_5xx(client.post(url, data), where)
    assert response.status_code == 302, f"{where}: {response.status_code}"
    return response


@pytest.mark.parametrize("payload", PAYLOADS)
def test_messages_notes_closure_cancel_and_survey_are_escaped_everywhere(
    payload, agent, est_admin, support, vendor_admin
):
    """M3.4 M3.5 M3.6 M8.1 M8.2 M9 M10"""
    question = SurveyQuestion.objects.create(text=payload, position=99)
    owner, desk = signed_in(agent), signed_in(support)
    file_di_through_the_page(owner, agent.establishment)
    ticket = Ticket.objects.get()
    detail = reverse("support:detail", args=[ticket.number])
    desk_url = lambda action: reverse(f"desk:{action}", args=[ticket.number])  # noqa: E731
    post(desk, desk_url("take"), {}, "take")

    # A message refused for its file comes back with the text as typed.
    refused = owner.post(
        reverse("support:message", args=[ticket.number]),
        {"message-body": payload, "message-files": [SimpleUploadedFile("virus.exe", b"MZ\x90\x00")]},
    )
    assert refused.status_code == 200
    assert_inert(refused.content.decode(), payload, "the refused message form")

    post(owner, reverse("support:message", args=[ticket.number]), {"message-body": payload}, "owner message")
    post(desk, desk_url("reply"), {"reponse-body": payload}, "reply")
    post(desk, desk_url("reply"), {"reponse-body": payload, "reponse-question": "on"}, "question")
    post(desk, desk_url("internal_note"), {"note-body": payload}, "internal note")
    post(desk, desk_url("propose_closure"), {"cloture-body": payload}, "closure proposed")
    assert_inert(get_page(owner, detail, "closure form"), payload, "the closure form (question text)")
    post(owner, reverse("support:refuse_closure", args=[ticket.number]), {"refuse-body": payload}, "refusal")
    post(desk, desk_url("propose_closure"), {"cloture-body": "Corrigé."}, "closure proposed again")
    ratings = ratings_form()
    post(
        owner,
        reverse("support:validate_closure", args=[ticket.number]),
        {**ratings, "survey-comment": payload},
        "closure validated",
    )
    assert Ticket.objects.get().status == Status.CLOSED
    assert SurveyResponse.objects.get().comment == payload

    file_di_through_the_page(owner, agent.establishment, subject="Une autre")
    other = Ticket.objects.latest("pk")
    post(desk, reverse("desk:take", args=[other.number]), {}, "take the other DI")
    cancel = reverse("support:cancel", args=[other.number])
    post(owner, cancel, {"cancel-reason": payload}, "cancel")
    assert Ticket.objects.get(pk=other.pk).status == Status.CANCELLED
    assert Message.objects.filter(body=payload).count() == 7

    response = SurveyResponse.objects.get()
    check_pages(
        {
            "client detail": (agent, detail),
            "colleague's read-only detail": (est_admin, detail),
            "client detail of the cancelled DI": (agent, reverse("support:detail", args=[other.number])),
            "desk detail": (support, reverse("desk:detail", args=[ticket.number])),
            "desk detail of the cancelled DI": (support, reverse("desk:detail", args=[other.number])),
            "desk satisfaction": (support, reverse("desk:satisfaction")),
            "back office DI": (vendor_admin, reverse("admin:support_ticket_change", args=[ticket.pk])),
            "back office survey list": (vendor_admin, reverse("admin:support_surveyresponse_changelist")),
            "back office survey": (vendor_admin, reverse("admin:support_surveyresponse_change", args=[response.pk])),
            "back office question list": (vendor_admin, reverse("admin:support_surveyquestion_changelist")),
            "back office question": (vendor_admin, reverse("admin:support_surveyquestion_change", args=[question.pk])),
        },
        payload,
    )
    check_emails(
        {
            "owner message": "Nouveau message du demandeur",
            "reply": "Nouvelle réponse du support",
            "question": "Le support attend votre réponse",
            "closure proposed": "Clôture proposée",
            "closure refused": "Clôture refusée",
            "cancelled": "DI annulée",
        },
        payload,
    )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_profile_fields_are_escaped_wherever_the_person_is_named(payload, agent, est_admin, support, vendor_admin):
    """M2.3 M4.1 M8.1 M8.2 M9 M10 M11.3"""
    client = signed_in(agent)
    fields = {"last_name": payload, "first_name": payload, "email": agent.email, "phone": payload, "function": payload}
    refused = assert_not_5xx(client.post(reverse("accounts:profile_edit"), {**fields, "new_password1": "x"}))
    assert refused.status_code == 200
    assert_inert(refused.content.decode(), payload, "the refused profile form")
    post(client, reverse("accounts:profile_edit"), fields, "profile edit")
    agent.refresh_from_db()
    assert (agent.last_name, agent.first_name, agent.phone, agent.function) == (payload,) * 4

    file_di_through_the_page(client, agent.establishment)
    ticket = Ticket.objects.get()
    post(signed_in(support), reverse("desk:take", args=[ticket.number]), {}, "take")
    check_pages(
        {
            "profile": (agent, reverse("accounts:profile")),
            "profile form": (agent, reverse("accounts:profile_edit")),
            "home (header)": (agent, reverse("portal:home")),
            "client list": (agent, reverse("support:list")),
            "reassignment choices": (est_admin, reverse("support:reassign", args=[ticket.number])),
            "collaborators": (est_admin, reverse("collaborators:list")),
            "collaborators searched": (est_admin, reverse("collaborators:list") + "?" + urlencode({"q": payload})),
            "collaborator sheet": (est_admin, reverse("collaborators:detail", args=[agent.pk])),
            "establishment sheet": (est_admin, reverse("collaborators:establishment")),
            "desk list": (support, reverse("desk:list")),
            "desk detail": (support, reverse("desk:detail", args=[ticket.number])),
            "vendor's establishment sheet": (
                support,
                reverse("collaborators:vendor_establishment", args=[agent.establishment_id]),
            ),
            "vendor's collaborator sheet": (
                support,
                reverse("collaborators:vendor_collaborator", args=[agent.establishment_id, agent.pk]),
            ),
            "filing on behalf (owner choices)": (
                support,
                reverse("desk:file_on_behalf", args=[agent.establishment_id]),
            ),
            "back office accounts": (vendor_admin, reverse("admin:accounts_user_changelist")),
            "back office account": (vendor_admin, reverse("admin:accounts_user_change", args=[agent.pk])),
            "back office DI": (vendor_admin, reverse("admin:support_ticket_change", args=[ticket.pk])),
        },
        payload,
    )
    mail.outbox.clear()
    post(signed_in(support), reverse("desk:reply", args=[ticket.number]), {"reponse-body": "Réponse."}, "reply")
    check_emails({"reply (greets the owner)": "Nouvelle réponse du support"}, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_account_request_fields_are_escaped_in_the_back_office_and_emails(payload, client, vendor_admin, captcha):
    """M1.3 M8.2 M9 M10"""
    fields = {
        "kind": "create",
        "last_name": payload,
        "first_name": payload,
        "email": "louise.durand@alpha.example",
        "phone": payload,
        "establishment_name": payload,
        "function": payload,
        "message": payload,
    }
    url = reverse("accounts:account_request")
    refused = assert_not_5xx(client.post(url, {**fields, "email": "pas-une-adresse", "captcha": captcha()}))
    assert refused.status_code == 200 and not AccountRequest.objects.exists()
    assert_inert(refused.content.decode(), payload, "the refused account request form")
    post(client, url, {**fields, "captcha": captcha()}, "account request")
    account_request = AccountRequest.objects.get()
    assert account_request.message == payload

    pages = {
        "back office list": (vendor_admin, reverse("admin:accounts_accountrequest_changelist")),
        "back office request": (
            vendor_admin,
            reverse("admin:accounts_accountrequest_change", args=[account_request.pk]),
        ),
        "approval page": (vendor_admin, reverse("admin:accounts_accountrequest_approve", args=[account_request.pk])),
        "rejection page": (vendor_admin, reverse("admin:accounts_accountrequest_reject", args=[account_request.pk])),
    }
    check_pages(pages, payload)
    admin = signed_in(vendor_admin)
    post(
        admin,
        reverse("admin:accounts_accountrequest_reject", args=[account_request.pk]),
        {"reason": payload},
        "rejection",
    )
    assert AccountRequest.objects.get().rejection_reason == payload
    check_pages({"back office request, rejected": pages["back office request"]}, payload)
    check_emails({"received": "Demande de compte", "rejected": "pas été acceptée"}, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_establishment_name_typed_in_the_back_office_is_escaped_everywhere(
    payload, est_a, agent, est_admin, support, vendor_admin
):
    """M5 M8.1 M8.2 M9 M10"""
    admin = signed_in(vendor_admin)
    data = {
        "name": payload,
        "kind": "hospital",
        "finess": "",
        "siret": "",
        "address": payload,
        "postal_code": "",
        "city": payload,
        "phone": payload,
        "email": "",
        "contracts-TOTAL_FORMS": "0",
        "contracts-INITIAL_FORMS": "0",
    }
    post(admin, reverse("admin:establishments_establishment_change", args=[est_a.pk]), data, "establishment")
    est_a.refresh_from_db()
    assert (est_a.name, est_a.city) == (payload, payload)
    assert est_a.contracts.count() == 3  # the inline, sent empty, changed nothing

    file_di_through_the_page(signed_in(agent), est_a)
    ticket = Ticket.objects.get()
    check_pages(
        {
            "establishment sheet": (agent, reverse("collaborators:establishment")),
            "home": (agent, reverse("portal:home")),
            "profile": (agent, reverse("accounts:profile")),
            "desk list": (support, reverse("desk:list")),
            "desk list filtered": (support, reverse("desk:list") + "?" + urlencode({"etablissement": payload})),
            "desk detail": (support, reverse("desk:detail", args=[ticket.number])),
            "back office list": (vendor_admin, reverse("admin:establishments_establishment_changelist")),
            "back office change": (vendor_admin, reverse("admin:establishments_establishment_change", args=[est_a.pk])),
            "back office DIs": (vendor_admin, reverse("admin:support_ticket_changelist")),
            "back office accounts": (vendor_admin, reverse("admin:accounts_user_changelist")),
        },
        payload,
    )
    check_emails({"ticket_created": "Nouvelle DI"}, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_news_typed_in_the_back_office_is_escaped_in_the_banner_and_the_news_page(payload, agent, vendor_admin):
    """M2.2 M8.2 M10"""
    admin = signed_in(vendor_admin)
    now = timezone.localtime() - timedelta(minutes=5)
    data = {
        "title": payload,
        "body": payload,
        "published_at_0": now.strftime("%d/%m/%Y"),
        "published_at_1": now.strftime("%H:%M:%S"),
        "expires_at_0": "",
        "expires_at_1": "",
        "is_published": "on",
        "in_banner": "on",
    }
    post(admin, reverse("admin:news_newsitem_add"), data, "news")
    item = NewsItem.objects.get()
    assert (item.title, item.body) == (payload, payload)
    check_pages(
        {
            "home (banner)": (agent, reverse("portal:home")),
            "news page": (agent, reverse("portal:news")),
            "back office list": (vendor_admin, reverse("admin:news_newsitem_changelist")),
            "back office change": (vendor_admin, reverse("admin:news_newsitem_change", args=[item.pk])),
        },
        payload,
    )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_training_and_participant_names_are_escaped_in_the_back_office_and_the_invitation(
    payload, products, est_a, est_admin, vendor_admin
):
    """M8.3 M4.1 M9 M10"""
    admin = signed_in(vendor_admin)
    data = {
        "product": products["software"].pk,
        "title": payload,
        "start_date": "12/05/2026",
        "end_date": "12/05/2026",
        "trainer": payload,
        "place": payload,
        "notes": payload,
        "participants-TOTAL_FORMS": "1",
        "participants-INITIAL_FORMS": "0",
        "participants-0-last_name": payload,
        "participants-0-first_name": payload,
        "participants-0-email": "nina.nouvelle@alpha.example",
        "participants-0-function": payload,
        "participants-0-establishment": est_a.pk,
    }
    post(admin, reverse("admin:trainings_training_add"), data, "training")
    training = Training.objects.get()
    participant = Participant.objects.get()
    assert (training.title, participant.first_name) == (payload, payload)
    validate = reverse("admin:trainings_training_validate", args=[training.pk])
    pages = {
        "back office trainings": (vendor_admin, reverse("admin:trainings_training_changelist")),
        "back office training": (vendor_admin, reverse("admin:trainings_training_change", args=[training.pk])),
        "validation page": (vendor_admin, validate),
        "back office participants": (vendor_admin, reverse("admin:trainings_participant_changelist")),
    }
    check_pages(pages, payload)
    response = assert_not_5xx(admin.post(validate, follow=True), "validation")
    assert response.status_code == 200
    assert_inert(response.content.decode(), payload, "the validation report")
    account = User.objects.get(email="nina.nouvelle@alpha.example")
    assert (account.first_name, account.role) == (payload, Role.AGENT)
    check_pages(
        {
            **pages,
            "collaborators": (est_admin, reverse("collaborators:list")),
            "collaborator sheet": (est_admin, reverse("collaborators:detail", args=[account.pk])),
        },
        payload,
    )
    check_emails({"invitation": "Votre compte"}, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_download_metadata_typed_in_the_back_office_is_escaped_on_the_downloads_page(
    payload, products, agent, vendor_admin
):
    """M6 M8.2 M10"""
    admin = signed_in(vendor_admin)
    data = {
        "product": products["software"].pk,
        "name": payload,
        "version": payload,
        "published_on": "01/04/2026",
        "description": payload,
        "is_published": "on",
        "upload": SimpleUploadedFile(f"{payload}.pdf", PDF),
    }
    post(admin, reverse("admin:downloads_downloadfile_add"), data, "download")
    from downloads.models import DownloadFile

    download = DownloadFile.objects.get()
    assert download.name == payload
    check_pages(
        {
            "downloads page": (agent, reverse("downloads:list")),
            "back office list": (vendor_admin, reverse("admin:downloads_downloadfile_changelist")),
            "back office change": (vendor_admin, reverse("admin:downloads_downloadfile_change", args=[download.pk])),
        },
        payload,
    )
    response = assert_not_5xx(signed_in(agent).get(reverse("downloads:download", args=[download.uuid])))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "\n" not in response["Content-Disposition"] and "<" not in response["Content-Disposition"]
    b"".join(response.streaming_content)


# --- The knowledge base: articles typed in the back office ---------------------------------------


def article_form(product, **fields):
    return {
        "product": product.pk,
        "title": "Titre",
        "body": "Texte",
        "tags": "",
        "version_from": "",
        "version_to": "",
        "status": "published",
        **fields,
    }


@pytest.mark.parametrize("payload", PAYLOADS)
def test_article_typed_in_the_back_office_is_escaped_on_every_page_that_shows_it(
    payload, products, agent, support, vendor_admin
):
    """M14.1 M14.3 M14.4 M14.5 M8.2 M10"""
    from knowledge.models import Article

    admin = signed_in(vendor_admin)
    # « Zephyr »: a word the suggestions can find whatever the payload holds.
    title = f"Zephyr {payload}"
    data = article_form(
        products["software"], title=title, body=payload, tags=payload, version_from=payload, version_to=payload
    )
    post(admin, reverse("admin:knowledge_article_add"), data, "article")
    article = Article.objects.get()
    assert (article.title, article.body, article.version_from) == (title, payload, payload)
    signed_in(agent).post(reverse("knowledge:resolved", args=[article.pk]))
    check_pages(
        {
            "knowledge base": (agent, reverse("knowledge:index")),
            "knowledge base searched": (agent, reverse("knowledge:index") + "?" + urlencode({"q": payload})),
            "article": (agent, reverse("knowledge:detail", args=[article.pk])),
            "suggestions": (agent, reverse("knowledge:suggestions") + "?" + urlencode({"subject": "zephyr"})),
            "desk picker": (
                support,
                reverse("knowledge:picker")
                + "?"
                + urlencode({"produit": products["software"].pk, "q": "zephyr", "cible": payload}),
            ),
            "report": (support, reverse("knowledge:report")),
            "back office list": (vendor_admin, reverse("admin:knowledge_article_changelist")),
            "back office change": (vendor_admin, reverse("admin:knowledge_article_change", args=[article.pk])),
        },
        payload,
    )
    preview = assert_not_5xx(admin.post(reverse("admin:knowledge_article_preview"), data), "preview")
    assert preview.status_code == 200
    assert_inert(preview.content.decode(), payload, "the back office's preview")


# Markdown written to get something live through the parser or past the sanitiser.
MARKDOWN_PAYLOADS = [
    "[clic](javascript:alert(1))",
    "[clic](JaVaScRiPt:alert(1))",
    "[clic](javas&#99;ript:alert(1))",
    "[clic](<javascript:alert(1)>)",
    '[clic](javascript:alert(1) "titre")',
    "![image](javascript:alert(1))",
    "![image](https://pisteur.example/p.png)",
    "[clic](data:text/html;base64,PHNjcmlwdD4=)",
    "<a href='javascript:alert(1)'>clic</a>",
    '<img src="x" onerror="alert(1)">',
    "<details open ontoggle=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    '[a](https://x.example/"onmouseover="alert(1))',
    "```html\n<script>alert(1)</script>\n```",
    "<style>body{background:url(javascript:alert(1))}</style>",
]
LIVE_ELEMENTS = {"script", "iframe", "object", "embed", "svg", "math", "style", "details", "form", "base", "link"}


class _Markup(HTMLParser):
    """The elements and attributes of a piece of HTML, as a browser would build them (text, even
    text that looks like markup, is no element)."""

    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))


def between(page, start, end):
    """The part of ``page`` from ``start`` to the first ``end`` after it (the rendered article)."""
    first = page.index(start)
    return page[first : page.index(end, first)]


def assert_nothing_live(html, where):
    markup = _Markup()
    markup.feed(html)
    for tag, attrs in markup.elements:
        assert tag not in LIVE_ELEMENTS, f"{where}: a <{tag}> element survived"
        for name, value in attrs:
            target = "".join((value or "").split()).lower()
            assert not name.startswith("on"), f"{where}: an event handler {name} on <{tag}>"
            assert name != "style", f"{where}: a style attribute on <{tag}>"
            if name in ("href", "src", "action", "formaction", "data", "srcset"):
                assert not target.startswith(("javascript:", "vbscript:", "data:")), f"{where}: {name}={value!r}"
            if tag == "img" and name == "src":
                assert target.startswith("/base-de-connaissances/fichiers/"), f"{where}: a foreign image {value!r}"


@pytest.mark.parametrize("markdown", MARKDOWN_PAYLOADS)
def test_no_script_event_handler_or_javascript_link_survives_in_an_article(markdown, products, agent, vendor_admin):
    """M14.1 M10: the article page, the back office's preview and its change page."""
    from knowledge.models import Article

    admin = signed_in(vendor_admin)
    data = article_form(products["software"], body=markdown)
    post(admin, reverse("admin:knowledge_article_add"), data, "article")
    article = Article.objects.get()
    page = get_page(signed_in(agent), reverse("knowledge:detail", args=[article.pk]), "article")
    assert_nothing_live(between(page, '<div class="kb-body">', "</article>"), "the article page")
    preview = assert_not_5xx(admin.post(reverse("admin:knowledge_article_preview"), data), "preview").content.decode()
    assert_nothing_live(between(preview, 'class="kb-preview"', "</article>"), "the back office's preview")
    change = get_page(admin, reverse("admin:knowledge_article_change", args=[article.pk]), "change")
    assert_nothing_live(between(change, 'class="kb-preview"', "</fieldset>"), "the back office's saved preview")


def test_a_disguised_file_is_refused_in_an_article_with_a_french_message(products, vendor_admin):
    """M14.1 M10: an article's files are checked as DI attachments are; nothing is stored."""
    from knowledge.models import Article, ArticleFile

    admin = signed_in(vendor_admin)
    data = article_form(products["software"], uploads=[SimpleUploadedFile("ecran.png", b"<script>alert(1)</script>")])
    response = assert_not_5xx(admin.post(reverse("admin:knowledge_article_add"), data), "upload")
    assert response.status_code == 200
    assert "son contenu ne correspond pas à un fichier .png" in response.content.decode()
    svg = article_form(products["software"], uploads=[SimpleUploadedFile("logo.svg", b"<svg onload=alert(1)>")])
    response = assert_not_5xx(admin.post(reverse("admin:knowledge_article_add"), svg), "svg")
    assert "n&#x27;est pas accepté" in response.content.decode() or "n'est pas accepté" in response.content.decode()
    assert not Article.objects.exists() and not ArticleFile.objects.exists() and not stored_files()


# --- Reflected values: query strings shown back in the page ------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_query_string_values_shown_back_are_escaped(payload, client, agent, est_admin, support):
    """M3.2 M4.1 M8.1 M10 M11.6"""
    query = urlencode(
        {
            "q": payload,
            "tri": payload,
            "statut": payload,
            "page": payload,
            "etablissement": payload,
            "mes": payload,
            "suivi": payload,
        }
    )
    for user, name in (
        (agent, "support:list"),
        (support, "collaborators:vendor_establishments"),
        (est_admin, "collaborators:list"),
        (support, "desk:list"),
        (support, "desk:satisfaction"),
        (agent, "downloads:list"),
        (agent, "portal:news"),
    ):
        body = get_page(signed_in(user), f"{reverse(name)}?{query}", name)
        assert_inert(body, payload, name, shown=False)
    body = get_page(client, f"{reverse('accounts:login')}?{urlencode({'next': payload})}", "login")
    assert_inert(body, payload, "the login page's next field", shown=False)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_report_filters_shown_back_are_escaped(payload, vendor_admin):
    """M13.5 M10: the report's filters, typed in the address, come back inert"""
    query = urlencode({"equipe": payload, "produit": payload, "du": payload, "au": payload})
    body = get_page(signed_in(vendor_admin), f"{reverse('reports:report')}?{query}", "reports")
    assert_inert(body, payload, "reports", shown=False)


# --- Uploaded file names --------------------------------------------------------------------------

LONG_NAME = "rapport-" + "x" * 300 + ".pdf"
ACCEPTED_NAMES = [
    pytest.param("<img src=x onerror=alert(1)>.pdf", PDF, "img src=x onerror=alert(1).pdf", id="html-in-name"),
    pytest.param('"><svg onload=alert(1)>.pdf', PDF, "svg onload=alert(1).pdf", id="attribute-breakout"),
    pytest.param("'onmouseover='alert(1)'.pdf", PDF, "'onmouseover='alert(1)'.pdf", id="single-quotes"),
    pytest.param("../../etc/passwd.pdf", PDF, "passwd.pdf", id="path-traversal"),
    pytest.param("..\\..\\windows\\win.ini.txt", b"[fonts]\n", "win.ini.txt", id="windows-traversal"),
    pytest.param("/etc/cron.d/tache.txt", b"* * * * *\n", "tache.txt", id="absolute-path"),
    pytest.param("facture.PDF", PDF, "facture.PDF", id="upper-case-extension"),
    pytest.param("facture\u202efdp.pdf", PDF, "facturefdp.pdf", id="rtl-override"),
    pytest.param("{{7*7}}{% debug %}.pdf", PDF, "{{77}}{% debug %}.pdf", id="template-syntax"),
    pytest.param(LONG_NAME, PDF, "rapport-" + "x" * 132 + ".pdf", id="very-long"),
    pytest.param("journal\x07\x1b[31m.log", b"ERREUR 42\n", "journal[31m.log", id="control-characters"),
]


@pytest.mark.parametrize("name,content,shown_as", ACCEPTED_NAMES)
def test_hostile_file_names_are_cleaned_stored_under_a_random_name_and_escaped(
    name, content, shown_as, agent, support, vendor_admin
):
    """M3.1 M3.4 M8.1 M9 M10"""
    owner = signed_in(agent)
    response = file_di_through_the_page(owner, agent.establishment, files=[SimpleUploadedFile(name, content)])
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get()
    attachment = Attachment.objects.get()
    assert attachment.original_name == shown_as
    assert "\u202e" not in attachment.original_name and len(attachment.original_name) <= 150
    media = Path(settings.MEDIA_ROOT).resolve()
    (stored,) = stored_files()
    assert stored.resolve().is_relative_to(media) and shown_as not in str(stored) and "passwd" not in str(stored)

    desk = signed_in(support)
    post(desk, reverse("desk:take", args=[ticket.number]), {}, "take")
    post(
        desk,
        reverse("desk:reply", args=[ticket.number]),
        {"reponse-body": "Voici le correctif.", "reponse-files": [SimpleUploadedFile(name, content)]},
        "reply with the same file",
    )
    assert Attachment.objects.filter(original_name=shown_as).count() == 2
    for where, (user, url) in {
        "client detail": (agent, reverse("support:detail", args=[ticket.number])),
        "desk detail": (support, reverse("desk:detail", args=[ticket.number])),
    }.items():
        body = get_page(signed_in(user), url, where)
        assert_inert(body, name, where, shown=False)
        assert escape(shown_as) in body, f"{where}: the cleaned name is not shown"
    created = next(message for message in mail.outbox if "Nouvelle DI" in message.subject)
    assert_inert(html_of(created), name, "the new-DI e-mail", shown=False)
    assert escape(shown_as) in html_of(created)

    download = owner.get(reverse("support:attachment", args=[ticket.number, attachment.uuid]))
    assert download.status_code == 200
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment;") and not set("\r\n<>") & set(disposition)
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == content


MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
NOT_ACCEPTED = "ce type de fichier n'est pas accepté"
MISMATCH = "son contenu ne correspond pas"
REFUSED_FILES = [
    pytest.param("evil.pdf.exe", MZ, NOT_ACCEPTED, id="double-extension"),
    pytest.param("facture\u202efdp.exe", MZ, NOT_ACCEPTED, id="rtl-override-exe-shown-as-pdf"),
    pytest.param("archive.pdf\x00.exe", MZ, NOT_ACCEPTED, id="nul-byte"),
    pytest.param("page.html", HTML, NOT_ACCEPTED, id="html"),
    pytest.param("dessin.svg", SVG, NOT_ACCEPTED, id="svg"),
    pytest.param("outil.js", b"alert(1)", NOT_ACCEPTED, id="javascript"),
    pytest.param(".htaccess", b"SetHandler php-script", NOT_ACCEPTED, id="dot-file"),
    pytest.param("sans-extension", PDF, NOT_ACCEPTED, id="no-extension"),
    pytest.param("notice.pdf", MZ, MISMATCH, id="executable-renamed-pdf"),
    pytest.param("photo.png", SVG, MISMATCH, id="svg-renamed-png"),
    pytest.param("image.jpg", HTML, MISMATCH, id="html-renamed-jpg"),
    pytest.param("lisez-moi.txt", HTML, MISMATCH, id="html-renamed-txt"),
    pytest.param("lisez-moi.txt", b"  \r\n" + SVG, MISMATCH, id="svg-after-blank-lines-renamed-txt"),
    pytest.param("lisez-moi.txt", b"\xef\xbb\xbf" + HTML, MISMATCH, id="html-behind-a-byte-order-mark"),
    pytest.param("lisez-moi.txt", HTML.decode().encode("utf-16"), MISMATCH, id="utf16-html-renamed-txt"),
    pytest.param("tableau.xlsx", PDF, MISMATCH, id="pdf-renamed-xlsx"),
    pytest.param("vide.pdf", b"", "est vide", id="empty"),
]

# form -> (who, URL name, field prefix, extra data, context name of the form)
UPLOAD_FORMS = {
    "file a DI": ("agent", "support:create", "", {}, "form"),
    "owner message": ("agent", "support:message", "message-", {"message-body": "Voir la pièce jointe."}, None),
    "desk reply": ("support", "desk:reply", "reponse-", {"reponse-body": "Voir la pièce jointe."}, None),
    "internal note": ("support", "desk:internal_note", "note-", {"note-body": "Voir la pièce jointe."}, None),
}


@pytest.fixture
def upload_to(request, agent, support):
    """Post files to one of the forms that take attachments; returns (response, field prefix)."""
    ticket = {}

    def upload(form, files):
        who, url_name, prefix, extra, _context = UPLOAD_FORMS[form]
        client = signed_in({"agent": agent, "support": support}[who])
        if url_name == "support:create":
            data = {
                "contract": software_contract(agent.establishment).pk,
                "subject": "Objet",
                "description": "Description",
            }
            url = reverse(url_name)
        else:
            if "ticket" not in ticket:
                from support import services

                ticket["ticket"] = services.ticket_create(
                    acting_user=agent,
                    contract=software_contract(agent.establishment),
                    subject="Objet",
                    description="Description",
                )
                services.ticket_take(ticket["ticket"], acting_user=support)
            data = dict(extra)
            url = reverse(url_name, args=[ticket["ticket"].number])
        data[f"{prefix}files"] = files
        return assert_not_5xx(client.post(url, data), form), prefix

    return upload


def assert_refused_next_to_the_field(response, prefix, message):
    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    error_block = f'id="id_{prefix}files_error"'
    assert error_block in body, "no error block next to the attachments field"
    after = body.split(error_block, 1)[1][:1500]
    assert escape(message) in after or message in after, f"« {message} » is not next to the field: {after[:400]}"


def rows():
    return Ticket.objects.count(), Message.objects.count(), Attachment.objects.count()


@pytest.mark.parametrize("form", UPLOAD_FORMS)
@pytest.mark.parametrize("name,content,message", REFUSED_FILES)
def test_disguised_or_forbidden_files_are_refused_next_to_the_field_leaving_nothing(
    upload_to, form, name, content, message
):
    """M3.1 M3.4 M8.1 M10"""
    upload_to(form, [])  # the DI the other forms act on
    before, files_before = rows(), stored_files()
    response, prefix = upload_to(form, [SimpleUploadedFile(name, content)])
    assert_refused_next_to_the_field(response, prefix, message)
    assert rows() == before and stored_files() == files_before


@pytest.mark.parametrize("form", UPLOAD_FORMS)
def test_an_oversized_file_is_refused_next_to_the_field_leaving_nothing(upload_to, form):
    """M3.1 M3.4 M10"""
    upload_to(form, [])
    before, files_before = rows(), stored_files()
    big = PDF + b"0" * settings.ATTACHMENT_MAX_SIZE  # one PDF header over the limit
    response, prefix = upload_to(form, [SimpleUploadedFile("gros.pdf", big)])
    assert_refused_next_to_the_field(response, prefix, "dépasse la taille maximale de 10,0")
    assert rows() == before and stored_files() == files_before


@pytest.mark.parametrize("form", UPLOAD_FORMS)
def test_one_bad_file_among_good_ones_refuses_them_all(upload_to, form):
    """M3.1 M3.4 M10"""
    upload_to(form, [])
    before, files_before = rows(), stored_files()
    response, prefix = upload_to(form, [pdf("a.pdf"), pdf("b.pdf"), SimpleUploadedFile("c.pdf.exe", MZ)])
    assert_refused_next_to_the_field(response, prefix, NOT_ACCEPTED)
    assert rows() == before and stored_files() == files_before


@pytest.mark.parametrize("form", UPLOAD_FORMS)
def test_more_files_than_allowed_are_refused_next_to_the_field(upload_to, form):
    """M3.1 M3.4 M10"""
    upload_to(form, [])
    before, files_before = rows(), stored_files()
    many = [pdf(f"{i}.pdf") for i in range(settings.ATTACHMENT_MAX_COUNT + 1)]
    response, prefix = upload_to(form, many)
    assert_refused_next_to_the_field(response, prefix, "au plus")
    assert rows() == before and stored_files() == files_before


# --- Mass assignment: fields a form does not offer are ignored ------------------------------------


def smuggled(prefixes, **values):
    """The same extra fields under every name an attacker might try: bare and with the form's prefix."""
    return {f"{prefix}{name}": value for prefix in ("", *prefixes) for name, value in values.items()}


@pytest.fixture
def extras(colleague, other_agent, est_b, legal_support):
    """Values pointing somewhere the user must not reach: another owner, establishment, status…"""
    return {
        "owner": colleague.pk,
        "author": colleague.pk,
        "establishment": est_b.pk,
        "establishment_id": est_b.pk,
        "contract": est_b.contracts.get(reference__endswith="-SW").pk,
        "status": Status.CLOSED,
        "assignee": legal_support.pk,
        "awaiting_owner": "on",
        "number": "DI-1999-000001",
        "team": Team.LEGAL,
        "kind": Message.Kind.INTERNAL,
        "closed_at": "2000-01-01 00:00",
        "created_at": "2000-01-01 00:00",
        "role": Role.VENDOR_ADMIN,
        "is_active": "",
        "is_staff": "on",
        "is_superuser": "on",
        "id": "999",
        "pk": "999",
    }


def test_filing_a_di_ignores_owner_establishment_status_assignee_number_and_team(agent, extras):
    """M3.1 M10"""
    extras.pop("contract")
    response = file_di_through_the_page(signed_in(agent), agent.establishment, **extras)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.owner, ticket.author, ticket.establishment) == (agent, agent, agent.establishment)
    assert (ticket.status, ticket.assignee, ticket.awaiting_owner, ticket.team) == (
        Status.TO_PROCESS,
        None,
        False,
        Team.SOFTWARE,
    )
    assert ticket.number != "DI-1999-000001" and ticket.closed_at is None and ticket.pk != 999
    assert ticket.created_at.year == timezone.now().year


def test_filing_a_di_on_another_establishments_contract_is_refused(agent, est_b):
    """M3.1 M10"""
    response = file_di_through_the_page(
        signed_in(agent), agent.establishment, contract=est_b.contracts.get(reference__endswith="-SW").pk
    )
    assert response.status_code == 200 and not Ticket.objects.exists()
    assert "Choisissez un contrat actif de votre établissement." in response.content.decode()


@pytest.fixture
def taken(agent, support):
    from support import services

    ticket = services.ticket_create(
        acting_user=agent, contract=software_contract(agent.establishment), subject="Objet", description="Texte"
    )
    return services.ticket_take(ticket, acting_user=support) or Ticket.objects.get(pk=ticket.pk)


def assert_ticket_kept(ticket, agent, support, status):
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.owner, ticket.author, ticket.establishment, ticket.team) == (
        agent,
        agent,
        agent.establishment,
        Team.SOFTWARE,
    )
    assert (ticket.status, ticket.assignee) == (status, support)
    assert ticket.number.startswith(f"DI-{timezone.now().year}-")
    return ticket


@pytest.mark.parametrize(
    "who,url_name,data,status,kind",
    [
        ("agent", "support:message", {"message-body": "Texte"}, Status.IN_PROGRESS, Message.Kind.MESSAGE),
        ("support", "desk:reply", {"reponse-body": "Texte"}, Status.IN_PROGRESS, Message.Kind.MESSAGE),
        ("support", "desk:internal_note", {"note-body": "Texte"}, Status.IN_PROGRESS, Message.Kind.INTERNAL),
        ("agent", "support:cancel", {"cancel-reason": "Texte"}, Status.CANCELLED, Message.Kind.CANCELLATION),
    ],
    ids=["owner message", "desk reply", "internal note", "cancel"],
)
def test_thread_forms_ignore_smuggled_fields(taken, agent, support, extras, who, url_name, data, status, kind):
    """M3.4 M3.6 M8.1 M10"""
    prefix = next(iter(data)).split("-")[0] + "-"
    if url_name != "desk:internal_note":
        extras["kind"] = Message.Kind.INTERNAL  # a client message must not become a hidden note
    client = signed_in({"agent": agent, "support": support}[who])
    post(client, reverse(url_name, args=[taken.number]), {**data, **smuggled([prefix], **extras)}, url_name)
    ticket = assert_ticket_kept(taken, agent, support, status)
    assert ticket.awaiting_owner is False
    message = Message.objects.get(ticket=ticket)
    assert (message.author, message.kind) == ({"agent": agent, "support": support}[who], kind)


def test_closure_forms_ignore_smuggled_fields(taken, agent, support, extras):
    """M3.5 M10"""
    from support import services

    owner = signed_in(agent)
    services.ticket_propose_closure(taken, acting_user=support, body="Corrigé.")
    refused = {"refuse-body": "Toujours en panne", **smuggled(["refuse-"], **extras)}
    post(owner, reverse("support:refuse_closure", args=[taken.number]), refused, "refusal")
    assert_ticket_kept(taken, agent, support, Status.IN_PROGRESS)

    services.ticket_propose_closure(taken, acting_user=support, body="Corrigé.")
    extras["status"] = Status.IN_PROGRESS
    ratings = ratings_form(5)
    validated = {**ratings, "survey-comment": "Merci", **smuggled(["survey-"], respondent=extras["owner"], **extras)}
    post(owner, reverse("support:validate_closure", args=[taken.number]), validated, "validation")
    assert_ticket_kept(taken, agent, support, Status.CLOSED)
    assert SurveyResponse.objects.get().respondent == agent


def test_desk_forms_ignore_smuggled_fields_and_refuse_a_support_of_another_team(taken, agent, support, extras):
    """M8.1 M10"""
    desk = signed_in(support)
    url = reverse("desk:change_assignee", args=[taken.number])
    response = assert_not_5xx(desk.post(url, {"support-assignee": extras["assignee"]}))
    assert response.status_code == 200
    assert_ticket_kept(taken, agent, support, Status.IN_PROGRESS)
    post(desk, reverse("desk:propose_closure", args=[taken.number]), {"cloture-body": "Fait", **extras}, "closure")
    assert_ticket_kept(taken, agent, support, Status.CLOSURE_PENDING)


def test_profile_edit_ignores_role_activity_staff_and_establishment(agent, extras):
    """M2.3 M10"""
    client = signed_in(agent)
    data = {"last_name": "Agent", "first_name": "Alice", "email": agent.email, "phone": "", "function": "RH"}
    extras.update(password="md5$x$y", last_login="2000-01-01 00:00", date_joined="2000-01-01 00:00")
    post(client, reverse("accounts:profile_edit"), {**data, **extras}, "profile edit")
    agent.refresh_from_db()
    assert (agent.role, agent.is_active, agent.establishment.name, agent.function) == (
        Role.AGENT,
        True,
        "Centre Hospitalier Alpha",
        "RH",
    )
    assert agent.check_password(PASSWORD) and agent.date_joined.year == timezone.now().year and not agent.is_staff


def test_collaborator_forms_refuse_vendor_profiles_and_ignore_other_fields(est_admin, colleague, extras):
    """M4.2 M10"""
    client = signed_in(est_admin)
    url = reverse("collaborators:change_role", args=[colleague.pk])
    refused = assert_not_5xx(client.post(url, {"profil-role": Role.VENDOR_ADMIN}))
    assert refused.status_code == 200
    colleague.refresh_from_db()
    assert colleague.role == Role.AGENT
    extras.pop("role")
    post(client, url, {"profil-role": Role.REFERENT, **smuggled(["profil-"], **extras)}, "role change")
    colleague.refresh_from_db()
    assert (colleague.role, colleague.is_active, colleague.establishment) == (
        Role.REFERENT,
        True,
        est_admin.establishment,
    )


def test_reassignment_refuses_people_and_dis_of_another_establishment(est_admin, colleague, agent, other_agent):
    """M3.4 M4.3 M10"""
    from support import services

    mine = services.ticket_create(
        acting_user=agent, contract=software_contract(agent.establishment), subject="A", description="A"
    )
    theirs = services.ticket_create(
        acting_user=other_agent, contract=software_contract(other_agent.establishment), subject="B", description="B"
    )
    client = signed_in(est_admin)
    attempts = [
        (reverse("support:reassign", args=[mine.number]), {"reassign-new_owner": other_agent.pk}),
        (
            reverse("collaborators:reassign", args=[agent.pk]),
            {
                "reaffecter-scope": "cochees",
                "reaffecter-tickets": [mine.number],
                "reaffecter-new_owner": other_agent.pk,
            },
        ),
        (
            reverse("collaborators:reassign", args=[agent.pk]),
            {
                "reaffecter-scope": "cochees",
                "reaffecter-tickets": [theirs.number],
                "reaffecter-new_owner": colleague.pk,
            },
        ),
    ]
    for url, data in attempts:
        response = assert_not_5xx(client.post(url, data))
        assert response.status_code in (200, 403, 404), (url, response.status_code)
    assert Ticket.objects.get(pk=mine.pk).owner == agent and Ticket.objects.get(pk=theirs.pk).owner == other_agent


def test_account_request_ignores_status_account_and_reviewer(client, agent, vendor_admin, captcha):
    """M1.3 M10"""
    data = {
        "kind": "create",
        "last_name": "Durand",
        "first_name": "Louise",
        "email": "louise.durand@alpha.example",
        "establishment_name": "CH Alpha",
        "function": "RH",
        "message": "Nouvelle arrivée.",
        "captcha": captcha(),
        "status": AccountRequest.Status.APPROVED,
        "account": agent.pk,
        "reviewed_by": vendor_admin.pk,
        "reviewed_at": "2020-01-01 00:00",
        "rejection_reason": "x",
        "role": Role.VENDOR_ADMIN,
        "establishment": agent.establishment.pk,
    }
    post(client, reverse("accounts:account_request"), data, "account request")
    request = AccountRequest.objects.get()
    assert (request.status, request.account, request.reviewed_by, request.reviewed_at, request.rejection_reason) == (
        AccountRequest.Status.PENDING,
        None,
        None,
        None,
        "",
    )
    assert not User.objects.filter(email="louise.durand@alpha.example").exists()


# --- Password reset: look-alike and array-valued e-mails ------------------------------------------

RESET = reverse("accounts:password_reset")
STORED = "kim.sato@alpha.example"
LOOKALIKES = [
    pytest.param("KIM.SATO@ALPHA.EXAMPLE", id="upper-case"),
    pytest.param("  kim.sato@alpha.example ", id="surrounding-spaces"),
    pytest.param("kim.sato@alpha.example.", id="trailing-dot"),
    pytest.param("kim.sato.@alpha.example", id="dot-before-at"),
    pytest.param("kim.sato@@alpha.example", id="double-at"),
    pytest.param("kim.sato\uff20alpha.example", id="fullwidth-at"),
    pytest.param("\uff4bim.sato@alpha.example", id="fullwidth-k"),
    pytest.param("\u212aim.sato@alpha.example", id="kelvin-sign-k"),
    pytest.param("kim.\u017fato@alpha.example", id="long-s"),
    pytest.param("k\u0131m.sato@alpha.example", id="dotless-i"),
    pytest.param("kim.s\u0430to@alpha.example", id="cyrillic-a-local-part"),
    pytest.param("kim.sato@\u0430lpha.example", id="cyrillic-a-domain"),
    pytest.param("kim.sato@xn--lpha-8ve.example", id="punycode-domain"),
    pytest.param("kim.sato@alpha.example\u200b", id="zero-width-space"),
    pytest.param("kim.sato@alpha.example,evil@evil.example", id="comma-list"),
    pytest.param("kim.sato@alpha.example;evil@evil.example", id="semicolon-list"),
    pytest.param("kim.sato@alpha.example\r\nBcc: evil@evil.example", id="header-injection"),
    pytest.param('"kim.sato@alpha.example" <evil@evil.example>', id="display-name"),
    pytest.param("kim.sato@alpha.example\x00evil@evil.example", id="nul-byte"),
    pytest.param("kim.sato+evil@alpha.example", id="plus-tag"),
]


def reset_answer(client, captcha, email):
    response = assert_not_5xx(client.post(RESET, {"email": email, "captcha": captcha()}), "reset")
    errors = sorted(response.context["form"].errors.get("email", [])) if response.status_code == 200 else []
    return response.status_code, response.get("Location"), errors


def assert_mail_only_to(stored):
    for message in mail.outbox:
        assert message.recipients() == [stored], message.recipients()
        assert not message.cc and not message.bcc
    assert len(mail.outbox) <= 1


@pytest.mark.parametrize("typed", LOOKALIKES)
def test_reset_mail_goes_only_to_the_stored_address_whatever_look_alike_is_typed(client, est_a, captcha, typed):
    """M1.2 M10"""
    user = make_user(STORED, est_a)
    known = reset_answer(client, captcha, typed)
    assert_mail_only_to(STORED)
    sent = len(mail.outbox)
    mail.outbox.clear()
    User.objects.filter(pk=user.pk).update(email="quelquun.dautre@alpha.example")
    unknown = reset_answer(client, captcha, typed)
    assert known == unknown, "the answer depends on whether the account exists"
    assert mail.outbox == []
    assert sent == 0 or typed.strip().lower() == STORED or "\u212a" in typed


@pytest.mark.parametrize(
    "values",
    [
        ["evil@evil.example", STORED],
        [STORED, "evil@evil.example"],
        [STORED, STORED.upper()],
        [STORED, "agent@alpha.example"],
    ],
    ids=["attacker-first", "attacker-last", "same-twice", "two-accounts"],
)
def test_an_array_valued_email_on_reset_mails_at_most_one_stored_address(client, est_a, agent, captcha, values):
    """M1.2 M10"""
    make_user(STORED, est_a)
    response = assert_not_5xx(client.post(RESET, {"email": values, "captcha": captcha()}))
    assert response.status_code == 302 and response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) <= 1
    for message in mail.outbox:
        assert message.recipients() in ([STORED], [agent.email]) and not message.cc and not message.bcc


# --- Open redirects through « next » ---------------------------------------------------------------

NEXTS = [
    "//evil.example",
    "///evil.example",
    "////evil.example/",
    "https://evil.example",
    "http://evil.example/connexion/",
    "https:evil.example",
    "https:/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/\t/evil.example",
    "/\n/evil.example",
    "\n//evil.example",
    "\t//evil.example",
    " //evil.example",
    "\x00//evil.example",
    "//testserver@evil.example",
    "https://testserver@evil.example",
    "//evil.example\\@testserver",
    "//evil.example%2F@testserver",
    "http://testserver.evil.example/",
    "//evil。example",
    "/support/",
]


def assert_stays_on_site(response, where):
    assert_not_5xx(response, where)
    if response.status_code == 400 and "\x00" in response.wsgi_request.GET.get("next", ""):
        return  # a NUL byte in the query string is refused before anything else
    assert response.status_code == 302, f"{where}: {response.status_code}"
    location = response["Location"]
    # What a browser does to a Location before following it: drop tabs and new lines, trim
    # control characters and spaces, read backslashes as slashes.
    browser = re.sub(r"[\t\n\r]", "", location).strip("\x00\x20").replace("\\", "/")
    target = urlsplit(urljoin("http://testserver/connexion/", browser))
    assert target.scheme in ("http", "https") and target.netloc == "testserver", f"{where}: off-site to {location!r}"


@pytest.mark.parametrize("next_url", NEXTS)
def test_login_never_redirects_off_site(client, agent, captcha, next_url):
    """M1.1 M10"""
    data = {"username": agent.email, "password": PASSWORD, "captcha": captcha(), "next": next_url}
    assert_stays_on_site(client.post(reverse("accounts:login"), data), "after signing in")
    query = reverse("accounts:login") + "?" + urlencode({"next": next_url})
    assert_stays_on_site(client.get(query), "already signed in")


@pytest.mark.parametrize("next_url", NEXTS)
def test_logout_never_redirects_off_site(agent, next_url):
    """M2.2 M10"""
    client = signed_in(agent)
    assert_stays_on_site(client.post(reverse("accounts:logout"), {"next": next_url}), "logout (form)")
    client = signed_in(agent)
    query = reverse("accounts:logout") + "?" + urlencode({"next": next_url})
    assert_stays_on_site(client.post(query), "logout (query string)")


# --- Odd values in query strings and addresses: a page or a clear refusal, never a 5xx -------------

ODD_VALUES = [
    pytest.param("\x00", id="nul"),
    pytest.param("a\x00b", id="nul-inside"),
    pytest.param("x" * 3000, id="very-long"),
    pytest.param("%", id="percent"),
    pytest.param("_", id="underscore"),
    pytest.param("\\", id="backslash"),
    pytest.param("' OR 1=1 --", id="sql-quote"),
    pytest.param("9" * 40, id="huge-number"),
    pytest.param("-1", id="negative"),
    pytest.param("1e9999", id="float-overflow"),
    pytest.param("NaN", id="nan"),
    pytest.param("\U0001d54f\u0301\u202e", id="unicode"),
    pytest.param("2026-02-30", id="impossible-date"),
]
QUERY_PAGES = [
    ("agent", "support:list", ("q", "tri", "statut", "page", "clotures", "mes")),
    ("support", "collaborators:vendor_establishments", ("q", "page")),
    ("est_admin", "collaborators:list", ("q", "tri", "page")),
    ("support", "desk:list", ("q", "tri", "statut", "page", "etablissement", "equipe", "support", "age", "suivi")),
    ("support", "desk:satisfaction", ("du", "au", "page")),
    ("vendor_admin", "reports:report", ("equipe", "produit", "du", "au")),
    ("vendor_admin", "reports:export_csv", ("equipe", "produit", "du", "au")),
    ("vendor_admin", "reports:export_xlsx", ("equipe", "produit", "du", "au")),
    ("agent", "downloads:list", ("page", "produit")),
    ("agent", "portal:news", ("page",)),
]


@pytest.mark.parametrize("value", ODD_VALUES)
def test_odd_query_string_values_never_cause_a_server_error(value, agent, est_admin, support, vendor_admin):
    """M3.2 M4.1 M8.1 M10 M13.5"""
    people = {"agent": agent, "est_admin": est_admin, "support": support, "vendor_admin": vendor_admin}
    for who, name, params in QUERY_PAGES:
        client = signed_in(people[who])
        for param in params:
            response = assert_not_5xx(client.get(reverse(name), {param: value}), f"{name}?{param}")
            # A NUL byte is refused outright (400): PostgreSQL cannot even compare it.
            expected = 400 if "\x00" in value else 200
            assert response.status_code == expected, f"{name}?{param}: {response.status_code}"


@pytest.mark.parametrize("value", ODD_VALUES)
def test_odd_values_in_addresses_are_a_404_or_400_never_a_server_error(value, agent, est_admin, support):
    """M3.4 M4.1 M8.1 M10"""
    from urllib.parse import quote

    token = quote(value, safe="")
    for user, path in (
        (agent, f"/support/dis/{token}/"),
        (agent, f"/support/dis/{token}/annuler/"),
        (agent, f"/support/dis/{token}/pj/00000000-0000-0000-0000-000000000000/"),
        (support, f"/guichet/dis/{token}/"),
        (est_admin, f"/collaborateurs/{token}/"),
        (agent, f"/telechargements/{token}/"),
    ):
        response = assert_not_5xx(signed_in(user).get(path), path)
        expected = 400 if "\x00" in value else 404
        assert response.status_code == expected, f"{path}: {response.status_code}"


@pytest.mark.parametrize("value", ODD_VALUES)
def test_odd_values_in_every_client_form_are_refused_or_kept_never_a_server_error(
    value, agent, est_admin, colleague, support, client, captcha
):
    """M1.3 M2.3 M3.1 M3.4 M4.2 M10 M11.4 M11.5"""
    from support import services

    ticket = services.ticket_create(
        acting_user=agent, contract=software_contract(agent.establishment), subject="Objet", description="Texte"
    )
    services.ticket_take(ticket, acting_user=support)
    owner, admin = signed_in(agent), signed_in(est_admin)
    for who, url, data in (
        (owner, reverse("support:create"), {"contract": value, "subject": value, "description": value}),
        (owner, reverse("support:message", args=[ticket.number]), {"message-body": value}),
        (owner, reverse("support:cancel", args=[ticket.number]), {"cancel-reason": value}),
        (admin, reverse("support:reassign", args=[ticket.number]), {"reassign-new_owner": value}),
        (owner, reverse("accounts:profile_edit"), {"last_name": value, "first_name": value, "email": value}),
        (admin, reverse("collaborators:change_role", args=[colleague.pk]), {"profil-role": value}),
        (admin, reverse("collaborators:reassign", args=[agent.pk]), {"reaffecter-tickets": value}),
        (signed_in(support), reverse("desk:reply", args=[ticket.number]), {"reponse-body": value}),
        (signed_in(support), reverse("desk:change_assignee", args=[ticket.number]), {"support-assignee": value}),
        (owner, reverse("support:hand_over", args=[ticket.number]), {"confier-new_owner": value}),
        (owner, reverse("support:create"), {"contract": value, "subject": "x", "description": "y", "follows": value}),
        (signed_in(support), reverse("desk:reroute", args=[ticket.number]), {"reorienter-contract": value}),
        (signed_in(support), reverse("desk:reroute", args=[ticket.number]), {"reorienter-team": value}),
        (signed_in(support), reverse("desk:merge", args=[ticket.number]), {"fusion-target": value}),
        (
            signed_in(support),
            reverse("desk:file_on_behalf", args=[agent.establishment_id]),
            {"owner": value, "contract": value, "subject": value, "description": value},
        ),
        (client, reverse("accounts:account_request"), {"email": value, "message": value, "captcha": captcha()}),
        (client, reverse("accounts:password_reset"), {"email": value, "captcha": captcha()}),
        (client, reverse("accounts:login"), {"username": value, "password": value, "captcha": captcha()}),
    ):
        response = assert_not_5xx(who.post(url, data), url)
        assert response.status_code in (200, 302, 403, 409), f"{url}: {response.status_code}"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_product_and_contract_typed_in_the_back_office_are_escaped_where_clients_choose_them(
    payload, est_a, agent, support, vendor_admin
):
    """M3.1 M5 M6 M8.2 M9 M10"""
    from establishments.models import Contract, Product

    admin = signed_in(vendor_admin)
    post(admin, reverse("admin:establishments_product_add"), {"name": payload, "kind": "software"}, "product")
    product = Product.objects.get(name=payload)
    contract_data = {
        "establishment": est_a.pk,
        "product": product.pk,
        "reference": payload,
        "start_date": "01/01/2020",
        "end_date": "",
        "is_active": "on",
    }
    post(admin, reverse("admin:establishments_contract_add"), contract_data, "contract")
    contract = Contract.objects.get(reference=payload)
    response = file_di_through_the_page(signed_in(agent), est_a, contract=contract.pk)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    check_pages(
        {
            "filing form (contract choices)": (agent, reverse("support:create")),
            "client list": (agent, reverse("support:list")),
            "client detail": (agent, reverse("support:detail", args=[ticket.number])),
            "establishment sheet": (agent, reverse("collaborators:establishment")),
            "desk list": (support, reverse("desk:list")),
            "desk detail": (support, reverse("desk:detail", args=[ticket.number])),
            "back office products": (vendor_admin, reverse("admin:establishments_product_changelist")),
            "back office contracts": (vendor_admin, reverse("admin:establishments_contract_changelist")),
            "back office contract": (vendor_admin, reverse("admin:establishments_contract_change", args=[contract.pk])),
        },
        payload,
    )
    check_emails({"ticket_created": "Nouvelle DI"}, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_support_staff_names_typed_in_the_back_office_are_escaped_for_clients(payload, agent, support, vendor_admin):
    """M3.2 M3.4 M8.1 M8.2 M9 M10"""
    admin = signed_in(vendor_admin)
    data = {
        "email": support.email,
        "last_name": payload,
        "first_name": payload,
        "phone": payload,
        "function": payload,
        "establishment": "",
        "role": Role.SUPPORT_SOFTWARE,
        "is_active": "on",
    }
    post(admin, reverse("admin:accounts_user_change", args=[support.pk]), data, "account")
    support.refresh_from_db()
    assert support.first_name == payload
    owner, desk = signed_in(agent), signed_in(support)
    file_di_through_the_page(owner, agent.establishment)
    ticket = Ticket.objects.get()
    post(desk, reverse("desk:take", args=[ticket.number]), {}, "take")
    post(desk, reverse("desk:reply", args=[ticket.number]), {"reponse-body": "Bonjour"}, "reply")
    check_pages(
        {
            "client list (Support column)": (agent, reverse("support:list")),
            "client detail": (agent, reverse("support:detail", args=[ticket.number])),
            "desk list": (support, reverse("desk:list")),
            "desk detail": (support, reverse("desk:detail", args=[ticket.number])),
            "back office accounts": (vendor_admin, reverse("admin:accounts_user_changelist")),
            "back office DI": (vendor_admin, reverse("admin:support_ticket_change", args=[ticket.pk])),
        },
        payload,
    )
    check_emails({"new DI (greets the team)": "Nouvelle DI"}, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_desk_tools_keep_typed_values_inert(payload, agent, colleague, support, vendor_admin):
    """M11.4 M11.5 M10: a « Réponse type » typed in the back office, a DI filed on behalf, a merged
    duplicate: shown escaped on the desk and to the client, and in the e-mails"""
    from support import services
    from support.models import CannedReply

    admin = signed_in(vendor_admin)
    response = admin.post(
        reverse("admin:support_cannedreply_add"),
        {"team": "software", "title": payload, "body": payload, "position": 0, "is_active": "on"},
    )
    assert response.status_code == 302 and CannedReply.objects.get().body == payload

    desk = signed_in(support)
    response = assert_not_5xx(
        desk.post(
            reverse("desk:file_on_behalf", args=[agent.establishment_id]),
            {
                "owner": agent.pk,
                "contract": software_contract(agent.establishment).pk,
                "subject": payload,
                "description": payload,
                "module": payload,
            },
        )
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.author) == (payload, support)
    check_emails({"acknowledgement": "Votre DI est enregistrée"}, payload)

    services.ticket_take(ticket, acting_user=support)
    duplicate = services.ticket_create(
        acting_user=colleague, contract=software_contract(agent.establishment), subject=payload, description=payload
    )
    mail.outbox.clear()
    post(desk, reverse("desk:merge", args=[duplicate.number]), {"fusion-target": ticket.number}, "merge")
    check_emails({"merged": "fusionnée dans"}, payload)
    canned = CannedReply.objects.get()
    check_pages(
        {
            "desk detail (canned replies, context, merge summary)": (
                support,
                reverse("desk:detail", args=[ticket.number]) + f"?reponse_type={canned.pk}",
            ),
            "desk detail of the duplicate": (support, reverse("desk:detail", args=[duplicate.number])),
            "client detail (merge summary)": (agent, reverse("support:detail", args=[ticket.number])),
            "vendor's establishment sheet (open DIs)": (
                support,
                reverse("collaborators:vendor_establishment", args=[agent.establishment_id]),
            ),
            "vendor's home (oldest unanswered)": (support, reverse("portal:home")),
            "back office list": (vendor_admin, reverse("admin:support_cannedreply_changelist")),
        },
        payload,
    )


@pytest.mark.parametrize("value", ODD_VALUES)
def test_odd_follow_up_and_canned_reply_parameters_never_cause_a_server_error(value, agent, support):
    """M11.4 M11.5 M10"""
    from support import services

    ticket = services.ticket_create(
        acting_user=agent, contract=software_contract(agent.establishment), subject="Objet", description="Texte"
    )
    nul = "\x00" in value
    response = assert_not_5xx(signed_in(agent).get(reverse("support:create"), {"suite": value}), "suite")
    assert response.status_code == (400 if nul else 404)
    response = assert_not_5xx(
        signed_in(support).get(reverse("desk:detail", args=[ticket.number]), {"reponse_type": value}), "reponse_type"
    )
    assert response.status_code == (400 if nul else 200)
