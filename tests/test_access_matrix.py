"""The access matrix (M10: one establishment never sees another's data; every refusal is a clear
403/404, never a 500), complete by construction.

Every URL pattern of the project is enumerated from the resolver (not a hand-kept list): a pattern
without an entry in ``ENTRIES`` (or, for the back office, of a kind ``admin_probes`` does not know)
fails the suite. Each entry gives concrete URLs on objects of establishment A and of establishment
B and, for each, the expected status per persona for GET and for POST (an empty body and, where the
action takes one, the body its rightful user would send). For every request it also asserts that:

- nothing is a 500;
- a request by someone who may not act writes nothing to the business tables (GET never does);
- no response body, header or redirect served to a user of one establishment (or to an anonymous
  visitor) names anything of the other establishment that the request itself did not carry;
- no e-mail sent to a user of one establishment names anything of the other.

Lists, dashboard counts, search and the htmx partial get their own tests below.

Two-factor authentication is switched on as in production (TWO_FACTOR_ENFORCED): the vendor's
staff, who must use it, hold sessions that passed the second step (see ``testing.world``), and the
expected answers are those of any session. The URL probes run once more with it switched off, as in
the test settings every other test runs with (sessions opened by ``force_login``), for the only
personas whose requests the switch can change: the vendor's staff (anonymous visitors are never
looked at, and the clients here need no code: not enrolled, not required). Same expected answers.
"""

import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import unquote, urlencode

import pytest
from django.conf import settings
from django.contrib import admin
from django.core import mail
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.html import escape
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from api.models import ApiToken
from api.tokens import token_create
from support.models import Status, Ticket
from testing.clients import CommitClient
from testing.tickets import ratings, ratings_form
from testing.world import OTHER, PERSONAS, build_world
from webhooks.models import Delivery, Endpoint

TWO_FACTOR = ("on", "off")
VENDOR_PERSONAS = [persona for persona in PERSONAS if persona.is_vendor]

# --- Expected answers ------------------------------------------------------------------------


@dataclass(frozen=True)
class Redirect:
    """A 302 whose Location starts with ``prefix``."""

    prefix: str

    def __str__(self):
        return f"302→{self.prefix}"


LOGIN = Redirect("/connexion/?next=")
ADMIN_LOGIN = Redirect("/back-office/login/?next=")
HOME = Redirect("/")
WRITE = "write"  # the persona may act: (success, empty body) statuses come from the probe
NOT_5XX = "not-5xx"  # the vendor's administrator in the back office: any answer but a server error


def rule(*, anonymous=LOGIN, own=200, other=404, vendor=403):
    """persona -> expected answer. ``own`` applies to a client of the establishment the probe is
    about (every client, for a probe about no establishment), ``other`` to a client of the other
    one, ``vendor`` to the vendor's staff. Each may be a dict by role ("*": the other roles)."""

    def expected(persona, probe):
        if persona.is_anonymous:
            value = anonymous
        elif persona.is_vendor:
            value = vendor
        elif probe.est is None or persona.est == probe.est:
            value = own
        else:
            value = other
        if isinstance(value, dict):
            value = value.get(persona.role, value.get("*"))
        return value

    return expected


def everyone(value):
    return rule(anonymous=value, own=value, other=value, vendor=value)


ANY_USER = rule(own=200, vendor=200)
CLIENTS = rule(own=200, vendor=403)
GET_ONLY_CLIENTS = rule(own=405, other=405, vendor=403)  # client_required, then require_GET/POST
GET_ONLY_USERS = rule(own=405, other=405, vendor=405)  # login_required, then require_GET/POST
DESK = rule(own=403, other=403, vendor=200)
MANAGERS = rule(own=403, other=403, vendor={"vendor_admin": 200, "*": 403})
OWNER_WRITES = rule(own={"agent": WRITE, "*": 403}, vendor=403)
ADMIN_WRITES = rule(own={"admin": WRITE, "*": 403}, vendor=403)
TEAM_WRITES = rule(own=403, other=403, vendor={"legal_support": 403, "*": WRITE})


@dataclass
class Probe:
    """One concrete URL: ``est`` is the establishment whose object (or body) it is about."""

    label: str
    est: str | None
    url: Callable
    get: Callable
    post: Callable
    valid: Callable | None = None  # world -> the body the rightful user would POST
    write: tuple = (302, 200)  # an allowed POST: (with the valid body, with an empty body)
    headers: dict = field(default_factory=dict)
    api: bool = False  # a route of the REST API: its refusals are JSON (api/errors.py), not pages


def each_est(label, url, **kwargs):
    """The same probe about A's object and about B's."""
    valid = kwargs.pop("valid", None)
    return [
        Probe(
            f"{label}[{est}]",
            est,
            (lambda world, est=est: url(world, est)),
            valid=None if valid is None else (lambda world, est=est: valid(world, est)),
            **kwargs,
        )
        for est in "AB"
    ]


def page(name, *, get=ANY_USER, post=None, **kwargs):
    """A page about no establishment in particular."""
    return [Probe("page", None, lambda world: reverse(name), get=get, post=post or get, **kwargs)]


def ticket(world, est, which):
    return world.est[est].tickets[which]


def ticket_url(name, which):
    return lambda world, est: reverse(name, kwargs={"number": ticket(world, est, which).number})


def user_url(name, who):
    return lambda world, est: reverse(name, kwargs={"pk": world.est[est].users[who].pk})


def attachment_url(which):
    def url(world, est):
        attachment = world.est[est].attachments[which]
        return reverse("support:attachment", kwargs={"number": attachment.ticket.number, "uuid": attachment.uuid})

    return url


def article_url(article):
    return reverse("knowledge:detail", kwargs={"pk": article.pk})


def file_url(file):
    return reverse("downloads:download", kwargs={"uuid": file.uuid})


BOGUS_TOKEN = {"uidb64": "MQ", "token": "abc-0123456789abcdef"}

# --- The REST API (M15.6): the same rules as the pages, refusals in JSON, 401 for the anonymous.
API_JSON = {"content_type": "application/json"}
API_READ = rule(anonymous=401, own=200, other=200, vendor=200)
API_NO_POST = rule(anonymous=401, own=405, other=405, vendor=405)
API_OWNER_WRITES = rule(anonymous=401, own={"agent": WRITE, "*": 403}, vendor=403)
API_TEAM_WRITES = rule(anonymous=401, own=403, other=403, vendor={"legal_support": 403, "*": WRITE})
API_DESK_GET = rule(anonymous=401, own=403, other=403, vendor=405)


def api_each_est(label, url, **kwargs):
    kwargs.setdefault("write", (200, 400))
    kwargs.setdefault("headers", API_JSON)
    return [
        Probe(p.label, p.est, p.url, p.get, p.post, p.valid, p.write, p.headers, api=True)
        for p in each_est(label, url, **kwargs)
    ]


def api_page(name, *, get, post):
    return [Probe("api", None, lambda world: reverse(name), get=get, post=post, api=True)]


def api_ticket_url(name, which):
    return lambda world, est: reverse(name, kwargs={"number": ticket(world, est, which).number})


def api_attachment_url(which):
    def url(world, est):
        attachment = world.est[est].attachments[which]
        return reverse("api:attachment", kwargs={"number": attachment.ticket.number, "uuid": attachment.uuid})

    return url


def api_owner_action(name, which, body):
    return api_each_est(
        which,
        api_ticket_url(name, which),
        get=rule(anonymous=401, own=405, other=405, vendor=405),
        post=API_OWNER_WRITES,
        valid=lambda world, est: body,
    )


def api_desk_action(name, which, valid=None, write=(200, 400)):
    return api_each_est(
        which, api_ticket_url(name, which), get=API_DESK_GET, post=API_TEAM_WRITES, valid=valid, write=write
    )


def personal_token_url(world, est):
    """A personal token of the establishment's agent (made on first use)."""
    owner = world.est[est].users["agent"]
    token = (
        ApiToken.objects.filter(user=owner).first()
        or token_create(acting_user=owner, name="Matrice", can_write=True, days=30)[0]
    )
    return reverse("tokens:revoke", kwargs={"pk": token.pk})


VENDOR_ADMIN_ONLY = rule(own=403, other=403, vendor={"vendor_admin": 200, "*": 403})
VENDOR_ADMIN_405 = rule(own=403, other=403, vendor={"vendor_admin": 405, "*": 403})
VENDOR_ADMIN_WRITES = rule(own=403, other=403, vendor={"vendor_admin": WRITE, "*": 403})


def webhook_delivery(world):
    """An endpoint (on an address the guard refuses: nothing leaves the test) and one delivery."""
    delivery = Delivery.objects.select_related("endpoint").first()
    if delivery is None:
        endpoint = Endpoint.objects.create(url="http://127.0.0.1:9/hooks", events=["ticket.created"])
        delivery = Delivery.objects.create(
            endpoint=endpoint, event="ticket.created", payload={"type": "ticket.created"}
        )
    return delivery


def webhook_url(name):
    def url(world):
        delivery = webhook_delivery(world)
        if name == "webhooks:resend":
            return reverse(name, kwargs={"endpoint_pk": delivery.endpoint_id, "pk": delivery.pk})
        return reverse(name, kwargs={"pk": delivery.endpoint_id})

    return url


API_ENTRIES = {
    "webhooks:list": page("webhooks:list", get=VENDOR_ADMIN_ONLY, post=VENDOR_ADMIN_ONLY),
    "webhooks:detail": [Probe("endpoint", None, webhook_url("webhooks:detail"), VENDOR_ADMIN_ONLY, VENDOR_ADMIN_405)],
    "webhooks:toggle": [
        Probe("endpoint", None, webhook_url("webhooks:toggle"), VENDOR_ADMIN_405, VENDOR_ADMIN_WRITES, write=(302, 302))
    ],
    "webhooks:resend": [
        Probe("delivery", None, webhook_url("webhooks:resend"), VENDOR_ADMIN_405, VENDOR_ADMIN_WRITES, write=(302, 302))
    ],
    "tokens:personal": page(
        "tokens:personal",
        get=ANY_USER,
        post=rule(own=WRITE, vendor=WRITE),
        valid=lambda world: {"name": "Outil", "days": "30"},
        write=(200, 200),
    ),
    "tokens:integration": page(
        "tokens:integration",
        get=MANAGERS,
        post=rule(own=403, other=403, vendor={"vendor_admin": WRITE, "*": 403}),
        valid=lambda world: {"name": "ERP", "owner": world.vendor["support2"].pk, "days": "365"},
        write=(200, 200),
    ),
    "tokens:revoke": each_est(
        "agent",
        personal_token_url,
        get=rule(own=405, other=405, vendor=405),
        post=rule(own={"agent": WRITE, "*": 404}, vendor=404),
        write=(302, 302),
    ),
    "api:schema": [Probe("schema", None, lambda world: reverse("api:schema"), everyone(200), everyone(405))],
    "api:docs": [Probe("docs", None, lambda world: reverse("api:docs"), everyone(200), everyone(405))],
    "api:tickets": [
        *api_page(
            "api:tickets", get=rule(anonymous=401, own=200, vendor=403), post=rule(anonymous=401, own=400, vendor=403)
        ),
        *(
            Probe(
                f"contract[{est}]",
                est,
                lambda world: reverse("api:tickets"),
                get=rule(anonymous=401, own=200, other=200, vendor=403),
                # Another establishment's contract is refused on its field.
                post=rule(anonymous=401, own=WRITE, other=400, vendor=403),
                valid=lambda world, est=est: {
                    "contract": world.est[est].contracts["SW"].pk,
                    "subject": "Nouvelle demande",
                    "description": "Rien ne va plus",
                },
                write=(201, 400),
                headers=API_JSON,
                api=True,
            )
            for est in "AB"
        ),
    ],
    "api:ticket": [
        *api_each_est(
            "main", api_ticket_url("api:ticket", "main"), get=rule(anonymous=401, vendor=200), post=API_NO_POST
        ),
        *api_each_est(
            "orphan", api_ticket_url("api:ticket", "orphan"), get=rule(anonymous=401, vendor=200), post=API_NO_POST
        ),
    ],
    "api:attachment": [
        *api_each_est("public", api_attachment_url("public"), get=rule(anonymous=401, vendor=200), post=API_NO_POST),
        *api_each_est(
            "creation", api_attachment_url("creation"), get=rule(anonymous=401, vendor=200), post=API_NO_POST
        ),
        *api_each_est(
            "internal", api_attachment_url("internal"), get=rule(anonymous=401, own=404, vendor=200), post=API_NO_POST
        ),
    ],
    "api:owner_message": api_owner_action("api:owner_message", "main", {"body": "Toujours en panne"}),
    "api:validate_closure": api_each_est(
        "pending",
        api_ticket_url("api:validate_closure", "pending"),
        get=rule(anonymous=401, own=405, other=405, vendor=405),
        post=API_OWNER_WRITES,
        valid=lambda world, est: {"ratings": {str(k): v for k, v in ratings().items()}},
    ),
    "api:refuse_closure": api_owner_action("api:refuse_closure", "pending", {"body": "Pas résolu"}),
    "api:cancel": api_owner_action("api:cancel", "main", {"reason": "Doublon"}),
    "api:desk": [
        *api_page(
            "api:desk", get=rule(anonymous=401, own=403, vendor=200), post=rule(anonymous=401, own=403, vendor=400)
        ),
        *api_each_est(
            "establishment",
            lambda world, est: reverse("api:desk"),
            get=rule(anonymous=401, own=403, other=403, vendor=200),
            post=rule(anonymous=401, own=403, other=403, vendor=WRITE),
            valid=lambda world, est: {
                "owner": world.est[est].users["agent"].pk,
                "contract": world.est[est].contracts["SW"].pk,
                "subject": "Appel du client",
                "description": "Le client a appelé",
            },
            write=(201, 400),
        ),
    ],
    "api:take": api_desk_action("api:take", "fresh", write=(200, 200)),
    "api:reply": api_desk_action("api:reply", "main", lambda world, est: {"body": "Voici la solution"}),
    "api:internal_note": api_desk_action("api:internal_note", "main", lambda world, est: {"body": "Vu avec l'équipe"}),
    "api:propose_closure": api_desk_action("api:propose_closure", "main", lambda world, est: {"body": "Corrigé"}),
    "api:change_assignee": api_desk_action(
        "api:change_assignee", "main", lambda world, est: {"assignee": world.vendor["support2"].pk}
    ),
    "api:reroute": api_desk_action(
        "api:reroute", "main", lambda world, est: {"contract": world.est[est].contracts["EXCL"].pk, "team": ""}
    ),
    "api:merge": api_desk_action(
        "api:merge", "fresh", lambda world, est: {"target": ticket(world, est, "main").number}
    ),
    "api:referential": [
        Probe(
            "produits",
            None,
            lambda world: reverse("api:referential", kwargs={"kind": "produits"}),
            get=rule(anonymous=401, own=403, vendor={"vendor_admin": 405, "*": 403}),
            post=rule(anonymous=401, own=403, vendor={"vendor_admin": WRITE, "*": 403}),
            valid=lambda world: {"lignes": [{"reference": "MATRICE-P", "nom": "Matrice", "nature": "software"}]},
            write=(200, 400),
            headers=API_JSON,
            api=True,
        )
    ],
    "api:unknown": [
        Probe(
            "unknown",
            None,
            lambda world: "/api/v1/inconnue/",
            rule(anonymous=401, own=404, vendor=404),
            rule(anonymous=401, own=404, vendor=404),
            api=True,
        ),
    ],
    "referential:import": page("referential:import", get=VENDOR_ADMIN_ONLY, post=VENDOR_ADMIN_ONLY),
    "api:contracts": api_page("api:contracts", get=rule(anonymous=401, own=200, vendor=200), post=API_NO_POST),
    "api:survey": api_page("api:survey", get=rule(anonymous=401, own=200, vendor=200), post=API_NO_POST),
}

ENTRIES = {
    # --- portal
    "portal:home": page("portal:home"),
    "portal:news": page("portal:news"),
    "portal:help": page("portal:help"),
    "portal:liveness": page("portal:liveness", get=everyone(200)),
    "portal:readiness": page("portal:readiness", get=everyone(200)),
    # --- accounts
    "accounts:login": page(
        "accounts:login",
        get=rule(anonymous=200, own=HOME, vendor=HOME),
        post=rule(anonymous=200, own=HOME, vendor=HOME),
    ),
    "accounts:logout": page("accounts:logout", get=everyone(405), post=everyone(Redirect("/connexion/"))),
    "accounts:password_reset": page("accounts:password_reset", get=everyone(200)),
    "accounts:password_reset_done": page("accounts:password_reset_done", get=everyone(200), post=everyone(405)),
    "accounts:password_reset_confirm": [
        Probe(
            "bogus-token",
            None,
            lambda world: reverse("accounts:password_reset_confirm", kwargs=BOGUS_TOKEN),
            get=everyone(200),
            post=everyone(200),
        )
    ],
    "accounts:invitation_confirm": [
        Probe(
            "bogus-token",
            None,
            lambda world: reverse("accounts:invitation_confirm", kwargs=BOGUS_TOKEN),
            get=everyone(200),
            post=everyone(200),
        )
    ],
    "accounts:password_reset_complete": page("accounts:password_reset_complete", get=everyone(200), post=everyone(405)),
    "accounts:account_request": page("accounts:account_request", get=everyone(200)),
    "accounts:account_request_done": page("accounts:account_request_done", get=everyone(200)),
    "accounts:profile": page("accounts:profile"),
    # A link that names no pending change: the same French 404 for everyone, nothing changed.
    "accounts:email_change_confirm": [
        Probe(
            "bogus-token",
            None,
            lambda world: reverse("accounts:email_change_confirm", args=["jeton-inconnu"]),
            get=everyone(404),
            post=everyone(404),
        )
    ],
    "accounts:email_change_cancel": [
        Probe(
            "bogus-token",
            None,
            lambda world: reverse("accounts:email_change_cancel", args=["jeton-inconnu"]),
            get=everyone(404),
            post=everyone(404),
        )
    ],
    "accounts:profile_edit": page("accounts:profile_edit"),
    # --- support, the clients' side
    "support:create": [
        Probe(
            f"contract[{est}]",
            est,
            lambda world: reverse("support:create"),
            get=rule(own=200, other=200, vendor=403),
            # Another establishment's contract is not among the choices: the form is refused.
            post=rule(own=WRITE, other=200, vendor=403),
            valid=(
                lambda world, est=est: {
                    "contract": world.est[est].contracts["SW"].pk,
                    "subject": "Nouvelle demande",
                    "description": "Rien ne va plus",
                }
            ),
        )
        for est in "AB"
    ],
    "support:list": page("support:list", get=CLIENTS, post=GET_ONLY_CLIENTS),
    "support:export_csv": page("support:export_csv", get=CLIENTS, post=GET_ONLY_CLIENTS),
    "support:export_xlsx": page("support:export_xlsx", get=CLIENTS, post=GET_ONLY_CLIENTS),
    "support:dashboard": [
        Probe("plain", None, lambda world: reverse("support:dashboard"), get=everyone(HOME), post=everyone(405)),
        Probe(
            "htmx",
            None,
            lambda world: reverse("support:dashboard"),
            # An expired session gets an HX-Redirect to the login page, as a 200.
            get=rule(anonymous=200, own=200, vendor=403),
            post=everyone(405),
            headers={"HTTP_HX_REQUEST": "true"},
        ),
    ],
    "support:detail": [
        *each_est(
            "main",
            ticket_url("support:detail", "main"),
            get=rule(own=200, vendor=Redirect("/guichet/dis/")),
            post=GET_ONLY_USERS,
        ),
        *each_est(
            "orphan",
            ticket_url("support:detail", "orphan"),
            get=rule(own=200, vendor=Redirect("/guichet/dis/")),
            post=GET_ONLY_USERS,
        ),
    ],
    "support:message": each_est(
        "main",
        ticket_url("support:message", "main"),
        get=GET_ONLY_USERS,
        post=OWNER_WRITES,
        valid=lambda world, est: {"message-body": "Toujours en panne"},
    ),
    "support:validate_closure": each_est(
        "pending",
        ticket_url("support:validate_closure", "pending"),
        get=GET_ONLY_USERS,
        post=OWNER_WRITES,
        valid=lambda world, est: ratings_form(),
    ),
    "support:refuse_closure": each_est(
        "pending",
        ticket_url("support:refuse_closure", "pending"),
        get=GET_ONLY_USERS,
        post=OWNER_WRITES,
        valid=lambda world, est: {"refuse-body": "Pas résolu"},
    ),
    "support:cancel": each_est(
        "main",
        ticket_url("support:cancel", "main"),
        get=rule(own={"agent": 200, "*": 403}, vendor=403),
        post=OWNER_WRITES,
        valid=lambda world, est: {"cancel-reason": "Doublon"},
    ),
    "support:reassign": each_est(
        "main",
        ticket_url("support:reassign", "main"),
        get=rule(own={"admin": 200, "*": 403}, vendor=403),
        post=ADMIN_WRITES,
        valid=lambda world, est: {"reassign-new_owner": world.est[est].users["colleague"].pk},
    ),
    "support:hand_over": each_est(
        "main",
        ticket_url("support:hand_over", "main"),
        get=rule(own={"agent": 200, "*": 403}, vendor=403),
        post=OWNER_WRITES,
        valid=lambda world, est: {"confier-new_owner": world.est[est].users["colleague"].pk},
    ),
    "support:attachment": [
        *each_est("public", attachment_url("public"), get=rule(own=200, vendor=200), post=GET_ONLY_USERS),
        *each_est("owner", attachment_url("owner"), get=rule(own=200, vendor=200), post=GET_ONLY_USERS),
        *each_est("creation", attachment_url("creation"), get=rule(own=200, vendor=200), post=GET_ONLY_USERS),
        # An internal note's file: the vendor's staff only, even for the DI's own establishment.
        *each_est("internal", attachment_url("internal"), get=rule(own=404, vendor=200), post=GET_ONLY_USERS),
    ],
    # --- the vendor's support desk
    "desk:list": page("desk:list", get=DESK, post=everyone(405)),
    "desk:export_csv": page("desk:export_csv", get=DESK, post=everyone(405)),
    "desk:export_xlsx": page("desk:export_xlsx", get=DESK, post=everyone(405)),
    "desk:satisfaction": page("desk:satisfaction", get=DESK, post=everyone(405)),
    # --- the service-level reports: the vendor's administrators and the team leads (none here)
    "reports:report": page("reports:report", get=MANAGERS, post=everyone(405)),
    "reports:export_csv": page("reports:export_csv", get=MANAGERS, post=everyone(405)),
    "reports:export_xlsx": page("reports:export_xlsx", get=MANAGERS, post=everyone(405)),
    "desk:detail": each_est("main", ticket_url("desk:detail", "main"), get=DESK, post=everyone(405)),
    "desk:take": each_est(
        "fresh", ticket_url("desk:take", "fresh"), get=everyone(405), post=TEAM_WRITES, write=(302, 302)
    ),
    "desk:reply": each_est(
        "main",
        ticket_url("desk:reply", "main"),
        get=everyone(405),
        post=TEAM_WRITES,
        valid=lambda world, est: {"reponse-body": "Voici la solution"},
    ),
    "desk:internal_note": each_est(
        "main",
        ticket_url("desk:internal_note", "main"),
        get=everyone(405),
        post=TEAM_WRITES,
        valid=lambda world, est: {"note-body": "Vu avec l'équipe"},
    ),
    "desk:propose_closure": each_est(
        "main",
        ticket_url("desk:propose_closure", "main"),
        get=everyone(405),
        post=TEAM_WRITES,
        valid=lambda world, est: {"cloture-body": "Corrigé"},
    ),
    "desk:change_assignee": each_est(
        "main",
        ticket_url("desk:change_assignee", "main"),
        get=everyone(405),
        post=TEAM_WRITES,
        valid=lambda world, est: {"support-assignee": world.vendor["support2"].pk},
    ),
    "desk:reroute": each_est(
        "main",
        ticket_url("desk:reroute", "main"),
        get=everyone(405),
        post=TEAM_WRITES,
        valid=lambda world, est: {"reorienter-contract": world.est[est].contracts["EXCL"].pk, "reorienter-team": ""},
    ),
    "desk:merge": each_est(
        "fresh",
        ticket_url("desk:merge", "fresh"),
        get=everyone(405),
        post=TEAM_WRITES,
        valid=lambda world, est: {"fusion-target": ticket(world, est, "main").number},
    ),
    "desk:file_on_behalf": each_est(
        "establishment",
        lambda world, est: reverse("desk:file_on_behalf", kwargs={"establishment_pk": world.est[est].establishment.pk}),
        get=DESK,
        post=rule(own=403, other=403, vendor=WRITE),
        valid=lambda world, est: {
            "owner": world.est[est].users["agent"].pk,
            "contract": world.est[est].contracts["SW"].pk,
            "subject": "Appel du client",
            "description": "Le client a appelé",
        },
    ),
    "collaborators:vendor_establishments": page("collaborators:vendor_establishments", get=DESK, post=everyone(405)),
    "collaborators:vendor_establishment": each_est(
        "establishment",
        lambda world, est: reverse(
            "collaborators:vendor_establishment", kwargs={"pk": world.est[est].establishment.pk}
        ),
        get=DESK,
        post=everyone(405),
    ),
    "collaborators:vendor_collaborator": each_est(
        "colleague",
        lambda world, est: reverse(
            "collaborators:vendor_collaborator",
            kwargs={"pk": world.est[est].establishment.pk, "user_pk": world.est[est].users["colleague"].pk},
        ),
        get=DESK,
        post=everyone(405),
    ),
    # --- collaborators
    "collaborators:list": page("collaborators:list", get=CLIENTS, post=GET_ONLY_CLIENTS),
    "collaborators:unassigned": page("collaborators:unassigned", get=CLIENTS, post=GET_ONLY_CLIENTS),
    "collaborators:unassigned_reassign": [
        Probe(
            f"body[{est}]",
            est,
            lambda world: reverse("collaborators:unassigned_reassign"),
            get=GET_ONLY_CLIENTS,
            # Another establishment's DIs and people are not among the choices: the form is refused.
            post=rule(own={"admin": WRITE, "*": 403}, other={"admin": 200, "*": 403}, vendor=403),
            valid=(
                lambda world, est=est: {
                    "reaffecter-scope": "cochees",
                    "reaffecter-tickets": ticket(world, est, "orphan").number,
                    "reaffecter-new_owner": world.est[est].users["colleague"].pk,
                }
            ),
        )
        for est in "AB"
    ],
    "collaborators:detail": each_est(
        "colleague", user_url("collaborators:detail", "colleague"), get=CLIENTS, post=GET_ONLY_CLIENTS
    ),
    "collaborators:deactivate": each_est(
        "colleague",
        user_url("collaborators:deactivate", "colleague"),
        get=GET_ONLY_CLIENTS,
        post=ADMIN_WRITES,
        write=(302, 302),
    ),
    "collaborators:activate": each_est(
        "gone", user_url("collaborators:activate", "gone"), get=GET_ONLY_CLIENTS, post=ADMIN_WRITES, write=(302, 302)
    ),
    "collaborators:change_role": each_est(
        "colleague",
        user_url("collaborators:change_role", "colleague"),
        get=GET_ONLY_CLIENTS,
        post=ADMIN_WRITES,
        valid=lambda world, est: {"profil-role": "referent"},
    ),
    "collaborators:reassign": each_est(
        "agent",
        user_url("collaborators:reassign", "agent"),
        get=GET_ONLY_CLIENTS,
        post=ADMIN_WRITES,
        valid=lambda world, est: {
            "reaffecter-scope": "toutes",
            "reaffecter-new_owner": world.est[est].users["colleague"].pk,
        },
    ),
    # --- the establishment's security log
    "audit:journal": page(
        "audit:journal",
        get=rule(
            own={"admin": 200, "*": 403}, vendor={"vendor_admin": Redirect("/back-office/audit/event/"), "*": 403}
        ),
        post=GET_ONLY_USERS,
    ),
    # --- two-factor authentication (the user's own account only; the vendor's staff are enrolled,
    # the clients are not)
    "twofactor:manage": page("twofactor:manage", post=GET_ONLY_USERS),
    "twofactor:verify": page("twofactor:verify", get=everyone(Redirect("/connexion/"))),
    "twofactor:setup": page("twofactor:setup", get=rule(own=200, vendor=Redirect("/double-authentification/"))),
    # No secret is being set up in these sessions.
    "twofactor:qr_code": page("twofactor:qr_code", get=rule(own=404, vendor=404), post=GET_ONLY_USERS),
    "twofactor:codes": page(
        "twofactor:codes",
        get=rule(own=Redirect("/double-authentification/"), vendor=Redirect("/double-authentification/")),
        post=GET_ONLY_USERS,
    ),
    # Enrolled, the vendor's staff get the form asking their password and a code (an empty one is refused).
    "twofactor:regenerate": page(
        "twofactor:regenerate", get=rule(own=Redirect("/double-authentification/"), vendor=200)
    ),
    "twofactor:disable": page("twofactor:disable", get=rule(own=Redirect("/double-authentification/"), vendor=200)),
    # --- establishment sheet and downloads
    "collaborators:establishment": page("collaborators:establishment", get=CLIENTS, post=GET_ONLY_CLIENTS),
    "downloads:list": page("downloads:list", get=ANY_USER, post=GET_ONLY_USERS),
    "downloads:download": [
        # A product only this establishment holds an active contract on.
        *each_est(
            "exclusive",
            lambda world, est: file_url(world.est[est].exclusive_file),
            get=rule(own=200, vendor=200),
            post=GET_ONLY_USERS,
        ),
        Probe(
            "common",
            None,
            lambda world: file_url(world.files["common"]),
            get=rule(own=200, vendor=200),
            post=GET_ONLY_USERS,
        ),
        Probe(
            "expired-contracts",
            None,
            lambda world: file_url(world.files["expired"]),
            get=rule(own=404, vendor=200),
            post=GET_ONLY_USERS,
        ),
    ],
    # --- the knowledge base: gated exactly as downloads
    "knowledge:index": [
        *page("knowledge:index", get=ANY_USER, post=GET_ONLY_USERS),
        Probe(
            "search",
            None,
            lambda world: reverse("knowledge:index") + "?q=param%C3%A9trer+module+zephyr",
            get=ANY_USER,
            post=GET_ONLY_USERS,
        ),
        *each_est(
            "exclusive-product",
            lambda world, est: reverse("knowledge:index") + f"?produit={world.est[est].exclusive_article.product_id}",
            get=rule(own=200, vendor=200),
            post=GET_ONLY_USERS,
        ),
    ],
    "knowledge:detail": [
        *each_est(
            "exclusive",
            lambda world, est: article_url(world.est[est].exclusive_article),
            get=rule(own=200, vendor=200),
            post=GET_ONLY_USERS,
        ),
        Probe(
            "common",
            None,
            lambda world: article_url(world.articles["common"]),
            get=rule(own=200, vendor=200),
            post=GET_ONLY_USERS,
        ),
        Probe(
            "expired-contracts",
            None,
            lambda world: article_url(world.articles["expired"]),
            get=rule(own=404, vendor=200),
            post=GET_ONLY_USERS,
        ),
        Probe(
            "draft",
            None,
            lambda world: article_url(world.articles["draft"]),
            get=rule(own=404, vendor=200),
            post=GET_ONLY_USERS,
        ),
    ],
    "knowledge:resolved": [
        *each_est(
            "exclusive",
            lambda world, est: reverse("knowledge:resolved", args=[world.est[est].exclusive_article.pk]),
            get=GET_ONLY_CLIENTS,
            post=rule(own=WRITE, vendor=403),
            write=(302, 302),
        ),
        Probe(
            "expired-contracts",
            None,
            lambda world: reverse("knowledge:resolved", args=[world.articles["expired"].pk]),
            get=GET_ONLY_CLIENTS,
            post=rule(own=404, vendor=403),
        ),
    ],
    "knowledge:file": [
        *each_est(
            "exclusive",
            lambda world, est: reverse("knowledge:file", args=[world.est[est].exclusive_article.files.get().uuid]),
            get=rule(own=200, vendor=200),
            post=GET_ONLY_USERS,
        ),
        Probe(
            "common",
            None,
            lambda world: reverse("knowledge:file", args=[world.articles["common"].files.get().uuid]),
            get=rule(own=200, vendor=200),
            post=GET_ONLY_USERS,
        ),
    ],
    "knowledge:suggestions": [
        Probe(
            "typed",
            None,
            lambda world: reverse("knowledge:suggestions") + "?subject=param%C3%A9trer+module+zeph",
            get=CLIENTS,
            post=GET_ONLY_CLIENTS,
        ),
        *each_est(
            "contract",
            lambda world, est: (
                reverse("knowledge:suggestions")
                + f"?subject=module+zephyr&contract={world.est[est].contracts['EXCL'].pk}"
            ),
            get=rule(own=200, other=200, vendor=403),
            post=GET_ONLY_CLIENTS,
        ),
    ],
    "knowledge:picker": each_est(
        "exclusive-product",
        lambda world, est: (
            reverse("knowledge:picker")
            + f"?produit={world.est[est].exclusive_article.product_id}&q=zephyr&cible=id_reponse-body"
        ),
        get=DESK,
        post=rule(own=403, other=403, vendor=405),
    ),
    "knowledge:draft_from_ticket": each_est(
        "closed",
        ticket_url("knowledge:draft_from_ticket", "closed"),
        get=rule(own=403, other=403, vendor=405),
        post=rule(own=403, other=403, vendor=WRITE),
        write=(302, 302),
    ),
    "knowledge:report": page("knowledge:report", get=DESK, post=rule(own=403, other=403, vendor=405)),
}
ENTRIES.update(API_ENTRIES)


# --- The back office: one class of entries, probes generated from the admin site --------------


def admin_rule(vendor_admin, *, others=ADMIN_LOGIN):
    return rule(anonymous=others, own=others, other=others, vendor={"vendor_admin": vendor_admin, "*": others})


ADMIN_POST = admin_rule(NOT_5XX)


def _admin_request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/back-office/")
    request.user = user
    return request


def admin_probes(pattern):
    """The probes of one back-office pattern, or None for a kind of pattern this matrix does not know."""
    name = pattern.name.removeprefix("admin:") if pattern.name else None
    site = {
        "index": admin_rule(200),
        "password_change": admin_rule(200),
        "password_change_done": admin_rule(200),
        "jsi18n": admin_rule(200),
        # Without its parameters the autocomplete refuses everyone.
        "autocomplete": admin_rule(403),
    }
    if name in site:
        return [Probe(name, None, lambda world: reverse(f"admin:{name}"), get=site[name], post=ADMIN_POST)]
    if name == "knowledge_article_preview":
        # « Prévisualiser » (knowledge.admin): POST only, renders the typed text, saves nothing.
        url = reverse("admin:knowledge_article_preview")
        return [Probe(name, None, lambda world: url, get=admin_rule(405), post=ADMIN_POST)]
    if name in ("login", "back_office_login"):
        # The portal's login serves (captcha, lockout, code); a signed-in account gets a 403 here.
        refused = rule(anonymous=LOGIN, own=403, other=403, vendor=403)
        return [Probe(name, None, lambda world: reverse(pattern.name), get=refused, post=refused)]
    if name == "logout":
        others = Redirect("/back-office/")
        return [
            Probe(
                name,
                None,
                lambda world: reverse("admin:logout"),
                get=admin_rule(405, others=others),
                post=admin_rule(Redirect("/connexion/"), others=others),
            )
        ]
    if name == "app_list":
        labels = sorted({model._meta.app_label for model in admin.site._registry})
        return [
            Probe(
                label,
                None,
                lambda world, label=label: reverse("admin:app_list", kwargs={"app_label": label}),
                get=admin_rule(200),
                post=ADMIN_POST,
            )
            for label in labels
        ]
    if name == "view_on_site":
        # No model of the portal has a page of its own outside the back office.
        return [
            Probe(
                name,
                None,
                lambda world: reverse("admin:view_on_site", args=[_ticket_content_type(), Ticket.objects.first().pk]),
                get=admin_rule(404),
                post=ADMIN_POST,
            )
        ]
    if name is None and pattern.route == "back-office/(?P<url>.*)$":
        return [
            Probe("catch-all", None, lambda world: "/back-office/inexistant/", get=admin_rule(404), post=ADMIN_POST)
        ]
    if name == "auth_user_password_change":  # Django's UserAdmin names it so, whatever the model
        name = f"{User._meta.app_label}_{User._meta.model_name}_password_change"
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        prefix = f"{opts.app_label}_{opts.model_name}_"
        base = f"back-office/{opts.app_label}/{opts.model_name}/"
        obj = model._default_manager.order_by("pk").first
        if name is None and pattern.route == f"{base}<path:object_id>/":
            return [
                Probe(
                    "legacy-change",
                    None,
                    lambda world, obj=obj, base=base: f"/{base}{obj().pk}/",
                    get=admin_rule(Redirect(f"/{base}")),
                    post=ADMIN_POST,
                )
            ]
        if name is None or not name.startswith(prefix):
            continue
        action = name.removeprefix(prefix)

        def allowed(permission, obj=obj, model_admin=model_admin, with_obj=True):
            def status(world):
                checker = getattr(model_admin, f"has_{permission}_permission")
                request = _admin_request(world.vendor["vendor_admin"])
                return 200 if (checker(request, obj()) if with_obj else checker(request)) else 403

            return status

        if action == "changelist":
            return [Probe(action, None, lambda world, n=name: reverse(f"admin:{n}"), admin_rule(200), ADMIN_POST)]
        if action == "add":
            return [
                Probe(
                    action,
                    None,
                    lambda world, n=name: reverse(f"admin:{n}"),
                    admin_rule(allowed("add", with_obj=False)),
                    ADMIN_POST,
                )
            ]
        statuses = {
            "change": admin_rule(200),  # read-only models show the object
            "history": admin_rule(200),
            "delete": admin_rule(allowed("delete")),
            # Custom views of this project's admins.
            "password_change": admin_rule(200),  # accounts.User
            "approve": admin_rule(200),  # accounts.AccountRequest
            "reject": admin_rule(200),
            "validate": admin_rule(200),  # trainings.Training
        }
        if action not in statuses:
            return None
        return [
            Probe(
                action,
                None,
                lambda world, n=pattern.name, obj=obj: reverse(n, args=[obj().pk]),
                statuses[action],
                ADMIN_POST,
            )
        ]
    return None


def _ticket_content_type():
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Ticket).pk


# --- Enumerating the URL patterns ------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    route: str
    name: str | None

    @property
    def key(self):
        return self.name or self.route

    @property
    def is_admin(self):
        return self.route.startswith("back-office/")


def walk(patterns=None, prefix="", namespace=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Pattern(prefix + str(entry.pattern), name)


ALL_PATTERNS = list(walk())
PORTAL_PATTERNS = [p for p in ALL_PATTERNS if not p.is_admin]
ADMIN_PATTERNS = [p for p in ALL_PATTERNS if p.is_admin]


def test_every_url_pattern_has_an_entry_in_the_matrix():
    """M10, M15.6: a new URL (of a page or of the API) without an entry in the access matrix fails the suite."""
    keys = [p.key for p in PORTAL_PATTERNS]
    assert len(keys) == len(set(keys)), "two portal patterns share a name: name each one"
    missing = sorted(set(keys) - set(ENTRIES))
    assert not missing, f"URL patterns without an entry in ENTRIES (tests/test_access_matrix.py): {missing}"
    stale = sorted(set(ENTRIES) - set(keys))
    assert not stale, f"entries of ENTRIES that match no URL pattern any more: {stale}"
    unknown = [p.key for p in ADMIN_PATTERNS if admin_probes(p) is None]
    assert not unknown, f"back-office patterns that admin_probes() does not know: {unknown}"
    assert len(ADMIN_PATTERNS) > 50 and len(PORTAL_PATTERNS) > 40  # the walk did reach the includes


@pytest.mark.parametrize("persona", VENDOR_PERSONAS, ids=lambda p: p.key)
def test_with_2fa_on_the_vendors_staff_hold_sessions_verified_by_a_code(world, db, persona):
    """M10 (2FA): the matrix's « on » run is no « off » run in disguise: each vendor persona's session
    passed the second step with their own device, and the session the same person holds in the « off »
    run (no second step) is turned away to the login page."""
    assert settings.TWO_FACTOR_ENFORCED
    user = world.user(persona.key)
    verified = client_for(world, persona)
    assert verified.session[DEVICE_ID_SESSION_KEY] == TOTPDevice.objects.get(user=user).persistent_id
    with transaction.atomic():  # turned away, the session is ended: kept for the other tests
        unverified = client_for(world, persona, two_factor="off").get(reverse("desk:list"))
        transaction.set_rollback(True)
    assert unverified.status_code == 302 and unverified.url.startswith("/connexion/?next="), unverified.url
    assert verified.get(reverse("desk:list")).status_code == 200


def test_the_world_holds_a_row_of_every_model_of_the_back_office(world, db):
    """M8.2: so that every change, history and delete page of the back office is probed on a real
    object (add one in testing.world._back_office_objects for a newly registered model)."""
    empty = [model._meta.label for model in admin.site._registry if not model._default_manager.exists()]
    assert not empty


# --- The world, built once per module --------------------------------------------------------


@pytest.fixture(scope="module")
def _matrix_media(tmp_path_factory):
    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("matrix-files"))):
        yield


@pytest.fixture
def _private_media(_matrix_media):
    """Replaces testing.environment's per-test MEDIA_ROOT: the world's files are written once per module."""


@pytest.fixture(autouse=True)
def two_factor(request, settings):
    """« on » unless a test is parametrized otherwise: TWO_FACTOR_ENFORCED as in production, each
    persona's session of the world's « on » set; « off »: as in the test settings."""
    mode = getattr(request, "param", "on")
    settings.TWO_FACTOR_ENFORCED = mode == "on"
    return mode


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, _matrix_media):
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        yield built
        transaction.set_rollback(True)


# Writes that are no business state: sessions, content types made on first use, the security log,
# download and lockout records, the clients' article views counted for the report.
UNTRACKED_TABLES = (
    "django_session",
    "django_content_type",
    "audit_",
    "downloads_downloadevent",
    "axes_",
    "knowledge_articleviewday",
)
# A token's « last use », written by any call that presents it: bookkeeping, not an action.
UNTRACKED_WRITES = re.compile(r'^\s*UPDATE\s+"api_apitoken"\s+SET\s+"last_used_at"\s*=[^,]*\sWHERE', re.IGNORECASE)
WRITE_SQL = re.compile(r'^\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?', re.IGNORECASE)


def written_tables(queries):
    """The business tables a request wrote to (whatever became of the transaction)."""
    tables = set()
    for query in queries:
        match = WRITE_SQL.match(query["sql"])
        if match and not match.group(1).startswith(UNTRACKED_TABLES) and not UNTRACKED_WRITES.match(query["sql"]):
            tables.add(match.group(1))
    return tables


# The API's probes run once more with each kind of token instead of the session (M15.6).
TOKEN_KINDS = ("personal", "personal-read-only", "integration")
TOKENS = {"kind": None, "secrets": {}}


def token_secret(world, persona):
    """The persona's token of the current kind (an integration token: made by the vendor's
    administrator for the persona's account)."""
    kind = TOKENS["kind"]
    if persona.key not in TOKENS["secrets"]:
        user = world.user(persona.key)
        integration = kind == "integration"
        TOKENS["secrets"][persona.key] = token_create(
            acting_user=world.vendor["vendor_admin"] if integration else user,
            owner=user,
            name=f"Matrice {kind}",
            can_write=kind != "personal-read-only",
            days=30,
            kind=ApiToken.Kind.INTEGRATION if integration else ApiToken.Kind.PERSONAL,
        )[1]
    return TOKENS["secrets"][persona.key]


@pytest.fixture
def token_kind(request):
    TOKENS["kind"], TOKENS["secrets"] = request.param, {}
    yield request.param
    TOKENS["kind"], TOKENS["secrets"] = None, {}


def client_for(world, persona, *, two_factor=None):
    """A client holding the persona's session: the one opened for the current state of 2FA (or the
    given one); the persona's token instead while a token kind is being probed."""
    client = CommitClient()
    client.raise_request_exception = True
    if TOKENS["kind"] and not persona.is_anonymous:
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token_secret(world, persona)}"
        return client
    if not persona.is_anonymous:
        mode = two_factor or ("on" if settings.TWO_FACTOR_ENFORCED else "off")
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[mode][persona.key]
    return client


def read(response):
    # Consumed to the end, a streamed response is closed by the test client's own wrapper (closing
    # it again would fire request_finished and close the database connection mid-transaction).
    streamed = getattr(response, "streaming", False)
    content = b"".join(response.streaming_content) if streamed else response.content
    return content.decode("utf-8", errors="replace")


def foreign_identifiers(world, persona):
    """What this persona must never be shown: the other establishment's, or both for an anonymous
    visitor; nothing for the vendor's staff."""
    if persona.is_vendor:
        return []
    if persona.is_anonymous:
        return world.est["A"].identifiers + world.est["B"].identifiers
    return world.est[OTHER[persona.est]].identifiers


def leaked(identifiers, text, asked):
    """The identifiers found in ``text`` that the request itself did not carry."""
    text, asked = text.lower(), asked.lower()
    return [value for value in identifiers if value.lower() in text and value.lower() not in asked]


def email_leaks(world, messages):
    """E-mails to a user of one establishment naming something of the other (or to a stranger)."""
    if not messages:
        return []
    establishment_of = {
        user.email: est.key
        for est in world.est.values()
        for user in User.objects.filter(establishment=est.establishment)
    }
    vendor = {user.email for user in world.vendor.values()}
    found = []
    for message in messages:
        text = " ".join(
            [message.subject, message.body, *(content for content, _ in getattr(message, "alternatives", []))]
        )
        for recipient in message.to + message.cc + message.bcc:
            if recipient in vendor:
                continue
            est = establishment_of.get(recipient)
            identifiers = world.est[OTHER[est]].identifiers if est else foreign_identifiers(world, PERSONAS[0])
            hits = leaked(identifiers, text, "")
            if hits:
                found.append(f"e-mail « {message.subject} » to {recipient} names {hits}")
    return found


@dataclass
class Outcome:
    status: int
    location: str
    text: str
    written: set
    email_leaks: list


def perform(world, persona, url, method, data, headers):
    client = client_for(world, persona)
    outbox = len(mail.outbox)
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            send = client.get if method == "GET" else partial(client.post, data=data)
            response = send(url, **headers)
            text = read(response)
        written = written_tables(queries.captured_queries)
        emails = email_leaks(world, mail.outbox[outbox:])  # before the request's accounts are rolled back
        transaction.set_rollback(True)
    headers = " ".join(f"{key}: {value}" for key, value in response.headers.items())
    return Outcome(
        status=response.status_code,
        location=response.get("Location", ""),
        text=text + " " + unquote(headers),
        written=written,
        email_leaks=emails,
    )


def check(world, persona, probe, method, body=None, *, htmx=False):
    """The mismatches of one request, as readable lines. ``htmx``: the same GET sent as htmx does
    (HX-Request), whose answer may differ in form but must not leak, write or fail either."""
    expected = (probe.get if method == "GET" else probe.post)(persona, probe)
    if callable(expected):
        expected = expected(world)
    if htmx:
        expected = NOT_5XX
    if TOKENS["kind"] == "personal-read-only" and method == "POST" and not persona.is_anonymous:
        expected = 403  # a token without « écriture » only reads
    data = probe.valid(world) if body == "valid" else {}
    where = f"{method}{f'({body})' if body else ''}{' htmx' if htmx else ''} {probe.label} as {persona.key}"
    headers = {**probe.headers, "HTTP_HX_REQUEST": "true"} if htmx else probe.headers
    try:
        outcome = perform(world, persona, probe.url(world), method, data, headers)
    except Exception:
        return [f"{where}: raised {traceback.format_exc(limit=-3)}"]
    problems = []
    allowed = expected == WRITE
    if allowed:
        expected = probe.write[0] if body == "valid" else probe.write[1]
    if expected == NOT_5XX:
        if outcome.status >= 500:
            problems.append(f"{where}: {outcome.status}, expected no server error")
    elif isinstance(expected, Redirect):
        if outcome.status != 302 or not unquote(outcome.location).startswith(expected.prefix):
            problems.append(f"{where}: {outcome.status} {outcome.location!r}, expected {expected}")
    elif outcome.status != expected:
        problems.append(f"{where}: {outcome.status} {outcome.location!r}, expected {expected}")
    if outcome.status >= 500:
        return problems
    # The vendor's administrator may do anything in the back office; everyone else writes only
    # where the matrix allows it, and a GET never writes.
    if not (expected == NOT_5XX and method == "POST"):
        if not allowed and outcome.written:
            problems.append(f"{where}: wrote to {sorted(outcome.written)} although not allowed ({outcome.status})")
        if allowed and body == "valid" and not outcome.written:
            problems.append(f"{where}: an allowed action with a valid body changed nothing")
    if probe.api and outcome.status in (401, 403, 404, 405) and '{"erreur":{"code":' not in outcome.text:
        problems.append(f"{where}: the {outcome.status} answer is not the API's JSON error")
    elif not probe.api and outcome.status in (403, 404) and '<html lang="fr"' not in outcome.text:
        problems.append(f"{where}: the {outcome.status} page is not the portal's French page")
    asked = unquote(probe.url(world)) + " " + " ".join(str(value) for value in data.values())
    hits = leaked(foreign_identifiers(world, persona), outcome.text, asked)
    if hits:
        problems.append(f"{where}: the response names {hits}")
    problems += [f"{where}: {line}" for line in outcome.email_leaks]
    return problems


def run_probes(world, probes, *, htmx=True, personas=PERSONAS):
    problems = []
    for probe in probes:
        try:
            probe.url(world)
        except Exception as error:
            problems.append(f"{probe.label}: its URL cannot be built ({error!r})")
            continue
        for persona in personas:
            problems += check(world, persona, probe, "GET")
            if htmx and not persona.is_vendor and "HTTP_HX_REQUEST" not in probe.headers:
                problems += check(world, persona, probe, "GET", htmx=True)
            problems += check(world, persona, probe, "POST", "empty")
            if probe.valid is not None:
                problems += check(world, persona, probe, "POST", "valid")
    return problems


@pytest.mark.parametrize("two_factor", TWO_FACTOR, indirect=True)
@pytest.mark.parametrize("pattern", PORTAL_PATTERNS, ids=lambda p: p.key)
def test_portal_url_answers_each_persona_as_the_matrix_says(world, db, pattern, two_factor):
    """M10, M3.4, M4, M5, M6, M8.1, M15.6: status per persona on A's and B's objects, no data of the other
    establishment in any response or e-mail, nothing changed by a refused POST, never a 500."""
    probes = ENTRIES.get(pattern.key)
    assert probes is not None, f"no entry in ENTRIES for {pattern.key}"
    problems = run_probes(world, probes, personas=PERSONAS if two_factor == "on" else VENDOR_PERSONAS)
    assert not problems, "\n".join(problems)


API_PATTERNS = [p for p in PORTAL_PATTERNS if any(probe.api for probe in ENTRIES.get(p.key, ()))]


@pytest.mark.parametrize("token_kind", TOKEN_KINDS, indirect=True)
@pytest.mark.parametrize("pattern", API_PATTERNS, ids=lambda p: p.key)
def test_api_route_answers_each_token_kind_as_the_matrix_says(world, db, pattern, token_kind):
    """M15.6, M15.2: every API route called with a personal token, a read-only one (its writes
    refused) and an integration token (the vendor's staff only) answers as with the session."""
    personas = PERSONAS if token_kind != "integration" else [p for p in PERSONAS if p.is_anonymous or p.is_vendor]
    problems = run_probes(world, ENTRIES[pattern.key], htmx=False, personas=personas)
    assert not problems, "\n".join(problems)


ADMIN_PERSONAS = [
    p for p in PERSONAS if p.key in ("anonymous", "a_admin", "b_agent", "support", "legal_support", "vendor_admin")
]


@pytest.mark.parametrize("two_factor", TWO_FACTOR, indirect=True)
@pytest.mark.parametrize("pattern", ADMIN_PATTERNS, ids=lambda p: p.key)
def test_back_office_url_is_the_vendor_administrators_only(world, db, pattern, two_factor):
    """M8.2, M10: every back-office URL sends everyone but the vendor's administrator to its login
    page (changing nothing) and never answers a 500."""
    probes = admin_probes(pattern)
    assert probes is not None, f"admin_probes() does not know {pattern.key}"
    # The back office does not use htmx; its gate does not look at the establishment, so one
    # client persona of each establishment stands for the others.
    personas = ADMIN_PERSONAS if two_factor == "on" else [p for p in ADMIN_PERSONAS if p.is_vendor]
    problems = run_probes(world, probes, htmx=False, personas=personas)
    assert not problems, "\n".join(problems)


# --- Lists, counts, search, htmx partials and e-mails ----------------------------------------

CLIENT_PERSONAS = [persona for persona in PERSONAS if persona.is_client]


def get(world, persona, url, **headers):
    response = client_for(world, persona).get(url, **headers)
    assert response.status_code == 200, (url, persona.key, response.status_code)
    return read(response)


def tiles(body):
    found = re.findall(r'href="/support/dis/\?statut=(\w+)"><span class="tile-count">(\d+)</span>', body)
    return {status: int(count) for status, count in found}


def own_counts(world, est):
    establishment = world.est[est].establishment
    return {status: Ticket.objects.filter(establishment=establishment, status=status).count() for status in Status}


@pytest.mark.parametrize("persona", CLIENT_PERSONAS, ids=lambda p: p.key)
def test_dashboard_counts_are_the_users_establishments_own(world, db, persona):
    """M2.5, M10: on the home page and in the htmx partial."""
    expected = own_counts(world, persona.est)
    assert expected != own_counts(world, OTHER[persona.est])  # a mixed-up count would show
    assert tiles(get(world, persona, reverse("portal:home"))) == expected
    partial = get(world, persona, reverse("support:dashboard"), HTTP_HX_REQUEST="true")
    assert tiles(partial) == expected
    for status in Status:
        listed = get(world, persona, reverse("support:list") + f"?statut={status}")
        numbers = set(re.findall(r"DI-\d{4}-\d{6}", listed))
        assert numbers == set(
            Ticket.objects.filter(establishment=world.est[persona.est].establishment, status=status).values_list(
                "number", flat=True
            )
        )


@pytest.mark.parametrize("persona", CLIENT_PERSONAS, ids=lambda p: p.key)
def test_lists_show_the_own_establishment_and_nothing_of_the_other(world, db, persona):
    """M3.2, M4.1, M5, M6, M10: positive control of the leak checks — each list does show the
    user's own establishment."""
    own = world.est[persona.est]
    other = world.est[OTHER[persona.est]]
    pages = {
        "dis": reverse("support:list") + "?clotures=1",
        "collaborators": reverse("collaborators:list"),
        "unassigned": reverse("collaborators:unassigned"),
        "establishment": reverse("collaborators:establishment"),
        "downloads": reverse("downloads:list"),
        "knowledge": reverse("knowledge:index"),
        "knowledge search": reverse("knowledge:index") + "?q=zephyr",
    }
    bodies = {name: get(world, persona, url) for name, url in pages.items()}
    for ticket_ in own.tickets.values():
        assert ticket_.number in bodies["dis"]
    assert own.users["colleague"].full_name in bodies["collaborators"]
    assert own.tickets["orphan"].number in bodies["unassigned"]
    assert own.establishment.name in bodies["establishment"]
    assert own.contracts["SW"].reference in bodies["establishment"]
    assert own.exclusive_file.name in bodies["downloads"]
    assert escape(own.exclusive_article.title) in bodies["knowledge"]
    assert escape(own.exclusive_article.title) in bodies["knowledge search"]
    for name, body in bodies.items():
        assert not leaked(other.identifiers, body, ""), name


@pytest.mark.parametrize("persona", CLIENT_PERSONAS, ids=lambda p: p.key)
def test_search_finds_nothing_of_the_other_establishment(world, db, persona):
    """M3.2, M4.1, M10: searching for the other establishment's DI numbers, subjects and people."""
    own = world.est[persona.est]
    other = world.est[OTHER[persona.est]]
    list_url = reverse("support:list")
    for ticket_ in other.tickets.values():
        for term in (ticket_.number, ticket_.subject):
            body = get(world, persona, f"{list_url}?{urlencode({'q': term, 'clotures': '1'})}")
            assert not re.findall(r"DI-\d{4}-\d{6}", body.replace(term, "")), term
            assert not leaked(other.identifiers, body, term), term
    own_main = own.tickets["main"]
    assert own_main.number in get(world, persona, f"{list_url}?{urlencode({'q': own_main.subject})}")
    collaborators_url = reverse("collaborators:list")
    for user in other.users.values():
        for term in (user.last_name, user.email):
            body = get(world, persona, f"{collaborators_url}?{urlencode({'q': term})}")
            assert not leaked(other.identifiers, body, term), term
    colleague = own.users["colleague"]
    assert colleague.email in get(world, persona, f"{collaborators_url}?{urlencode({'q': colleague.last_name})}")


@pytest.mark.parametrize("two_factor", TWO_FACTOR, indirect=True)
def test_an_establishments_whole_flow_emails_only_its_own_people(world, db, two_factor):
    """M9, M10: a DI of A from filing to closure and reassignment, through the pages: every e-mail
    goes to A's people or the vendor's staff, and none names anything of B."""
    a = world.est["A"]
    clients = {persona.key: client_for(world, persona) for persona in PERSONAS}
    outbox = len(mail.outbox)
    response = clients["a_agent"].post(
        reverse("support:create"),
        {"contract": a.contracts["SW"].pk, "subject": "Flux complet", "description": "Tout le parcours"},
    )
    assert response.status_code == 302
    number = Ticket.objects.get(subject="Flux complet").number
    steps = [
        ("support", "desk:take", {}),
        ("support", "desk:reply", {"reponse-body": "Une question", "reponse-question": "on"}),
        ("a_agent", "support:message", {"message-body": "Voici la réponse"}),
        ("support", "desk:propose_closure", {"cloture-body": "Corrigé"}),
        ("a_admin", "support:reassign", {"reassign-new_owner": a.users["colleague"].pk}),
        ("a_colleague", "support:refuse_closure", {"refuse-body": "Pas encore"}),
    ]
    for persona_key, name, data in steps:
        response = clients[persona_key].post(reverse(name, kwargs={"number": number}), data)
        assert response.status_code == 302, (name, response.status_code)
    response = clients["a_admin"].post(reverse("collaborators:deactivate", kwargs={"pk": a.users["referent"].pk}))
    assert response.status_code == 302
    sent = mail.outbox[outbox:]
    assert len(sent) >= 5
    a_people = set(User.objects.filter(establishment=a.establishment).values_list("email", flat=True))
    vendor = {user.email for user in world.vendor.values()}
    recipients = {address for message in sent for address in message.to + message.cc + message.bcc}
    assert recipients <= a_people | vendor, recipients - a_people - vendor
    assert a.users["agent"].email in recipients and a.users["colleague"].email in recipients
    assert not email_leaks(world, sent)
    for message in sent:
        text = message.subject + message.body
        assert not leaked(world.est["B"].identifiers, text, ""), message.subject


def test_security_journals_after_crossing_attempts_name_nothing_of_the_other(world, db):
    """M10: every client and anonymous persona tries every page of the matrix (the refusals are
    logged, not rolled back); then each establishment's administrator reads their whole security
    journal and finds their own refusals there, and nothing of the other establishment."""
    from audit.access import events_for
    from audit.views import PAGE_SIZE

    visitors = [persona for persona in PERSONAS if not persona.is_vendor]
    for probes in ENTRIES.values():
        for probe in probes:
            url = probe.url(world)
            for persona in visitors:
                response = client_for(world, persona).get(url, **probe.headers)
                read(response)
                assert response.status_code < 500, (url, persona.key)
    for est in "AB":
        admin_persona = next(p for p in PERSONAS if p.est == est and p.role == "admin")
        events = events_for(world.user(admin_persona.key))
        assert events.filter(action="access_refused", actor__establishment__isnull=False).exists()
        pages = -(-events.count() // PAGE_SIZE)
        for number in range(1, pages + 1):
            body = get(world, admin_persona, reverse("audit:journal") + f"?page={number}")
            assert not leaked(world.est[OTHER[est]].identifiers, body, ""), number
