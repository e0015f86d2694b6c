"""The world of the access matrix (tests/test_access_matrix.py): two establishments with
everything a page can show, the vendor's staff, and the identifiers each establishment must never
see of the other.

Built once per test module through the services, as people do. Every string that names something
of an establishment carries that establishment's token (« Alphaville » / « Betaville ») or is
otherwise unique, so that a substring search in a response is a reliable leak detector.

Each persona holds two sessions, one per state of two-factor authentication:

- ``"on"``, as in production (TWO_FACTOR_ENFORCED): the vendor's staff, who must use 2FA, are
  enrolled (an authenticator app and recovery codes) and signed in through the login page with
  their password, the captcha and the code their app shows; the clients, who need no code (not
  enrolled, not required), are signed in without one.
- ``"off"``, as in the test settings: every session opened by ``force_login`` (no second step).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import AccountRequest, EmailChange, Role, User
from collaborators import services as collaborator_services
from downloads.models import DownloadFile
from downloads.services import download_file_publish, download_record
from establishments.models import Contract, Establishment, Product, ServiceLevel
from inbound.services import inbound_mail_claim, inbound_mail_fail
from knowledge.models import Article
from news.models import NewsItem
from support import services as support_services
from support.models import CannedReply, SurveyQuestion, Ticket
from testing.clients import solve_captcha
from testing.knowledge import attach_image, write_article
from testing.tickets import pdf, text_file
from testing.twofactor import enrol, log_in_with_code
from trainings.models import Participant, Training

PASSWORD = "matrix-Passw0rd-2026"  # noqa: S105 (a test account's password)


@dataclass(frozen=True)
class Persona:
    """Who asks: ``est`` is "A", "B" or None (anonymous, vendor staff); ``role`` names the part."""

    key: str
    est: str | None
    role: str | None

    @property
    def is_client(self):
        return self.est is not None

    @property
    def is_vendor(self):
        return self.role in ("support", "legal_support", "vendor_admin")

    @property
    def is_anonymous(self):
        return self.role is None


CLIENT_ROLES = ("agent", "colleague", "admin", "referent")
PERSONAS = (
    Persona("anonymous", None, None),
    *(Persona(f"{est.lower()}_{role}", est, role) for est in "AB" for role in CLIENT_ROLES),
    Persona("support", None, "support"),
    Persona("legal_support", None, "legal_support"),
    Persona("vendor_admin", None, "vendor_admin"),
)
OTHER = {"A": "B", "B": "A"}

# Per establishment: display token, codes, and the people (first name, last name, role).
ESTABLISHMENTS = {
    "A": {
        "name": "Centre Hospitalier Alphaville",
        "token": "alphaville",
        "finess": "013579246",
        "siret": "13579246800011",
        "people": {
            "agent": ("Alix", "Alphagent", Role.AGENT),
            "colleague": ("Coline", "Alphacoll", Role.AGENT),
            "admin": ("Adam", "Alphadmin", Role.ADMIN),
            "referent": ("Remy", "Alpharef", Role.REFERENT),
            "gone": ("Gaston", "Alphagone", Role.AGENT),
        },
    },
    "B": {
        "name": "EHPAD Betaville",
        "token": "betaville",
        "finess": "024681357",
        "siret": "24681357900022",
        "people": {
            "agent": ("Basile", "Betagent", Role.AGENT),
            "colleague": ("Berenice", "Betacoll", Role.AGENT),
            "admin": ("Bertrand", "Betadmin", Role.ADMIN),
            "referent": ("Blaise", "Betaref", Role.REFERENT),
            "gone": ("Bernard", "Betagone", Role.AGENT),
        },
    },
}
VENDOR_PEOPLE = {
    "support": ("Sam", "Vendsupport", Role.SUPPORT_SOFTWARE),
    "support2": ("Sacha", "Vendsecond", Role.SUPPORT_SOFTWARE),
    "legal_support": ("Jade", "Vendlegal", Role.SUPPORT_LEGAL),
    "vendor_admin": ("Victor", "Vendadmin", Role.VENDOR_ADMIN),
}


@dataclass
class EstablishmentWorld:
    key: str
    establishment: Establishment
    users: dict
    contracts: dict
    tickets: dict
    attachments: dict
    exclusive_file: DownloadFile
    identifiers: list = field(default_factory=list)
    exclusive_article: Article | None = None  # on the product only this establishment holds


@dataclass
class World:
    est: dict  # "A"/"B" -> EstablishmentWorld
    vendor: dict  # key -> User
    files: dict  # "common", "expired" -> DownloadFile
    articles: dict = field(default_factory=dict)  # "common", "expired", "draft" -> Article
    sessions: dict = field(default_factory=lambda: {"on": {}, "off": {}})  # 2FA -> persona key -> session key

    def user(self, persona_key):
        if persona_key in self.vendor:
            return self.vendor[persona_key]
        est, role = persona_key.split("_", 1)
        return self.est[est.upper()].users[role]


def _user(est_key, role_key, first, last, role, establishment):
    domain = f"{ESTABLISHMENTS[est_key]['token']}.example" if est_key else "vendeur-matrice.example"
    return User.objects.create_user(
        f"{first}.{last}@{domain}".lower(),
        PASSWORD,
        establishment=establishment,
        role=role,
        first_name=first,
        last_name=last,
        phone="04 00 00 00 0" + ("1" if est_key == "A" else "2"),
        function=f"Fonction {last}",
    )


def _publish(product, name, filename, content):
    return download_file_publish(
        DownloadFile(product=product, name=name, version="2026.1", published_on=date(2026, 1, 15)),
        acting_user=None,
        upload=ContentFile(content, name=filename),
    )


def _products():
    # Indeline's contracts carry a service level (its default): their DIs have due dates.
    standard = ServiceLevel.objects.create(name="Standard matrice", first_response_hours=4, resolution_hours=16)
    return {
        "indeline": Product.objects.create(name="Indeline", kind=Product.Kind.SOFTWARE, default_service_level=standard),
        "juridem": Product.objects.create(name="Juridem", kind=Product.Kind.LEGAL),
        "oldprod": Product.objects.create(name="Ancienlogiciel", kind=Product.Kind.SOFTWARE),
        "A": Product.objects.create(name="Alphaprod", kind=Product.Kind.SOFTWARE),
        "B": Product.objects.create(name="Betaprod", kind=Product.Kind.SOFTWARE),
    }


def _establishment(key, products, vendor):
    spec = ESTABLISHMENTS[key]
    token = spec["token"]
    tag = token.upper()
    establishment = Establishment.objects.create(
        name=spec["name"],
        city=f"Ville-{token}",
        address=f"1 rue {token}",
        postal_code="69001" if key == "A" else "38000",
        email=f"accueil@{token}.example",
        finess=spec["finess"],
        siret=spec["siret"],
    )
    started = date(2020, 1, 1)
    contracts = {
        "SW": Contract.objects.create(
            establishment=establishment, product=products["indeline"], reference=f"CT-{tag}-SW", start_date=started
        ),
        "JUR": Contract.objects.create(
            establishment=establishment, product=products["juridem"], reference=f"CT-{tag}-JUR", start_date=started
        ),
        "EXCL": Contract.objects.create(
            establishment=establishment, product=products[key], reference=f"CT-{tag}-EXCL", start_date=started
        ),
        "OLD": Contract.objects.create(
            establishment=establishment,
            product=products["oldprod"],
            reference=f"CT-{tag}-OLD",
            start_date=date(2015, 1, 1),
            end_date=date(2019, 12, 31),
        ),
    }
    users = {
        role_key: _user(key, role_key, first, last, role, establishment)
        for role_key, (first, last, role) in spec["people"].items()
    }
    support = vendor["support"]

    def file(user, contract_key, label, files=()):
        return support_services.ticket_create(
            acting_user=user,
            contract=contracts[contract_key],
            subject=f"Objet {label} {tag}",
            description=f"Description {label} {tag}",
            module=f"Module-{tag}",
            version="9.9",
            files=list(files),
        )

    attachments = {}
    main = file(users["agent"], "SW", "principal", files=[pdf(f"creation-{token}.pdf")])
    attachments["creation"] = main.attachments.get()
    support_services.ticket_take(main, acting_user=support)
    reply = support_services.ticket_reply(
        main, acting_user=support, body=f"Reponse support {tag}", files=[text_file(f"reponse-{token}.txt")]
    )
    attachments["public"] = reply.attachments.get()
    note = support_services.ticket_add_internal_note(
        main, acting_user=support, body=f"Note interne {tag}", files=[text_file(f"note-interne-{token}.txt")]
    )
    attachments["internal"] = note.attachments.get()
    message = support_services.ticket_post_message(
        main, acting_user=users["agent"], body=f"Message proprietaire {tag}", files=[pdf(f"message-{token}.pdf")]
    )
    attachments["owner"] = message.attachments.get()

    fresh = file(users["agent"], "SW", "nouvelle", files=())
    pending = file(users["agent"], "SW", "attente", files=())
    support_services.ticket_take(pending, acting_user=support)
    support_services.ticket_propose_closure(pending, acting_user=support, body=f"Cloture proposee {tag}")
    legal = file(users["colleague"], "JUR", "juridique")
    closed = file(users["agent"], "SW", "close")
    support_services.ticket_take(closed, acting_user=support)
    support_services.ticket_propose_closure(closed, acting_user=support, body=f"Solution {tag}")
    questions = list(SurveyQuestion.objects.filter(is_active=True))
    support_services.ticket_validate_closure(
        closed,
        acting_user=users["agent"],
        ratings={question.pk: 4 for question in questions},
        comment=f"Commentaire satisfaction {tag}",
    )
    orphan = file(users["gone"], "SW", "orpheline")
    collaborator_services.user_deactivate(users["gone"], acting_user=users["admin"])
    tickets = {"main": main, "fresh": fresh, "pending": pending, "legal": legal, "closed": closed, "orphan": orphan}
    if key == "A":
        # A's counts differ from B's in every open status, so a count mixed with the other's shows.
        tickets["extra"] = file(users["referent"], "JUR", "supplementaire")
        tickets["extra2"] = file(users["colleague"], "SW", "encore")
        support_services.ticket_take(tickets["extra2"], acting_user=support)
    for name, ticket in tickets.items():
        tickets[name] = Ticket.objects.get(pk=ticket.pk)

    exclusive = _publish(products[key], f"Paquet {tag}", f"paquet-{token}.txt", f"contenu {tag}\n".encode())
    return EstablishmentWorld(key, establishment, users, contracts, tickets, attachments, exclusive)


def _identifiers(world):
    """Every string that names something of the establishment: none may reach the other one."""
    establishment = world.establishment
    found = [
        establishment.name,
        ESTABLISHMENTS[world.key]["token"],
        establishment.finess,
        establishment.siret,
        establishment.email,
    ]
    for user in world.users.values():
        found += [user.full_name, user.email, user.last_name]
    found += [contract.reference for contract in world.contracts.values()]
    for ticket in Ticket.objects.filter(establishment=establishment).prefetch_related("messages", "attachments"):
        found += [ticket.number, ticket.subject, ticket.description]
        found += [message.body for message in ticket.messages.all()]
        for attachment in ticket.attachments.all():
            found += [attachment.original_name, str(attachment.uuid), attachment.file.name]
    exclusive = world.exclusive_file
    found += [exclusive.name, exclusive.original_name, str(exclusive.uuid), exclusive.product.name]
    article = world.exclusive_article
    found += [article.title, *(str(stored.uuid) for stored in article.files.all())]
    found += [stored.original_name for stored in article.files.all()]
    found += [p.email for p in Participant.objects.filter(establishment=establishment)]
    return sorted({value for value in found if value}, key=str.lower)


def _back_office_objects(world, products, vendor):
    """One row of every model the back office shows that the rest of the world did not create."""
    training = Training.objects.create(
        product=products["indeline"],
        title="Indeline prise en main",
        start_date=date(2026, 3, 9),
        end_date=date(2026, 3, 10),
        trainer="Formateur Matrice",
        place="Lyon",
    )
    for key in "AB":
        token = ESTABLISHMENTS[key]["token"]
        Participant.objects.create(
            training=training,
            establishment=world.est[key].establishment,
            email=f"stagiaire@{token}.example",
            first_name="Stagiaire",
            last_name=f"Stagiaire{token.capitalize()}",
        )
    AccountRequest.objects.create(
        first_name="Demandeur",
        last_name="Matrice",
        email="demandeur@ailleurs.example",
        establishment_name="Mairie de Gammaville",
        function="Secrétaire",
        message="Créer mon compte",
    )
    EmailChange.objects.create(
        user=world.vendor["support"],
        old_email="ancienne@cegape.example",
        new_email=world.vendor["support"].email,
        status=EmailChange.Status.APPLIED,
        decided_at=timezone.now(),
        requested_by=world.vendor["vendor_admin"],
    )
    NewsItem.objects.create(title="Nouvelle version", body="Disponible", published_at=timezone.now() - timedelta(1))
    CannedReply.objects.create(team="software", title="Relancer le service", body="Bonjour [demandeur], relancez.")
    download_record(world.files["common"], acting_user=world.vendor["vendor_admin"])
    Group.objects.create(name="Groupe matrice")
    inbound_mail_fail(
        inbound_mail_claim("<matrice@ailleurs.example>", sender="inconnu@ailleurs.example", subject="Réponse"),
        "Aucune adresse de réponse de l'Espace Clients parmi les destinataires.",
    )
    if apps.is_installed("axes"):
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        seen = {"user_agent": "Navigateur", "http_accept": "text/html", "path_info": "/connexion/"}
        AccessAttempt.objects.create(
            username="inconnu@ailleurs.example", get_data="", post_data="", failures_since_start=1, **seen
        )
        AccessLog.objects.create(username=vendor["vendor_admin"].email, **seen)
        AccessFailureLog.objects.create(username="inconnu@ailleurs.example", **seen)
    if apps.is_installed("django_otp.plugins.otp_totp"):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        # An enrolled account that is none of the personas: their pages stay those of the unenrolled.
        TOTPDevice.objects.create(user=vendor["support2"], name="Téléphone", confirmed=True)


def _articles(world, products):
    """The knowledge base: an article on each establishment's exclusive product (with an image),
    one on a product both hold, one on a product whose contracts ended, one draft."""
    for key in "AB":
        token = ESTABLISHMENTS[key]["token"]
        article = write_article(
            products[key],
            f"Article exclusif {token.capitalize()} : paramétrer le module Zephyr",
            body=f"Réglage propre au produit {products[key].name}.",
        )
        attach_image(article, f"ecran-{token}.png")
        world.est[key].exclusive_article = article
    common = write_article(products["indeline"], "Indeline : paramétrer le module Zephyr", body="Pour tous.")
    attach_image(common, "ecran-commun.png")
    world.articles = {
        "common": common,
        "expired": write_article(products["oldprod"], "Ancien logiciel : module Zephyr", body="Fini."),
        "draft": write_article(products["indeline"], "Brouillon Zephyr", status=Article.Status.DRAFT),
    }


def build_world():
    products = _products()
    vendor = {key: _user(None, key, first, last, role, None) for key, (first, last, role) in VENDOR_PEOPLE.items()}
    world = World(
        est={key: _establishment(key, products, vendor) for key in "AB"},
        vendor=vendor,
        files={
            "common": _publish(products["indeline"], "Guide commun", "guide-commun.txt", b"guide\n"),
            "expired": _publish(products["oldprod"], "Ancien paquet", "ancien.txt", b"ancien\n"),
        },
    )
    _back_office_objects(world, products, vendor)
    _articles(world, products)
    for est in world.est.values():
        est.identifiers = _identifiers(est)
    for persona in PERSONAS:
        if persona.is_anonymous:
            continue
        user = world.user(persona.key)
        client = Client()
        client.force_login(user)
        assert client.session[SESSION_KEY]
        world.sessions["off"][persona.key] = world.sessions["on"][persona.key] = client.session.session_key
        if persona.is_vendor:
            enrol(user)
            client = Client()
            response = log_in_with_code(client, solve_captcha, user, password=PASSWORD)
            assert response.status_code == 302 and client.session[SESSION_KEY] == str(user.pk), persona.key
            assert client.session[DEVICE_ID_SESSION_KEY], persona.key  # the second step passed
            world.sessions["on"][persona.key] = client.session.session_key
    return world
