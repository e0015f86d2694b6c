"""Demo data: realistic, French, idempotent (running it twice changes nothing)."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from establishments.models import Contract, Establishment, Product
from news.models import NewsItem

DEMO_PASSWORD = "demo-Espace-2026"

PRODUCTS = [
    ("Indeline", Product.Kind.SOFTWARE, "Gestion administrative et financière des établissements publics."),
    ("Winpaie", Product.Kind.SOFTWARE, "Paie et gestion des ressources humaines du secteur public."),
    ("Juridem", Product.Kind.LEGAL, "Conseil juridique statutaire par les juristes de l'éditeur."),
]

ESTABLISHMENTS = [
    {
        "name": "Centre Hospitalier de Démonstration",
        "kind": Establishment.Kind.HOSPITAL,
        "finess": "690000001",
        "siret": "26690000100012",
        "address": "12 avenue des Tilleuls",
        "postal_code": "69003",
        "city": "Lyon",
        "phone": "04 72 00 00 00",
        "email": "direction@ch-demo.example",
    },
    {
        "name": "EHPAD Les Tilleuls",
        "kind": Establishment.Kind.CARE_HOME,
        "finess": "010000002",
        "siret": "20001000200018",
        "address": "3 rue de la Fontaine",
        "postal_code": "01000",
        "city": "Bourg-en-Bresse",
        "phone": "04 74 00 00 00",
        "email": "accueil@ehpad-demo.example",
    },
]

# (establishment, product, reference, start, end or None, active)
CONTRACTS = [
    (0, "Indeline", "CT-CHD-IND-2021", date(2021, 1, 1), None, True),
    (0, "Winpaie", "CT-CHD-WIN-2022", date(2022, 3, 1), None, True),
    (0, "Juridem", "CT-CHD-JUR-2023", date(2023, 1, 1), None, True),
    (1, "Winpaie", "CT-EHP-WIN-2020", date(2020, 6, 1), None, True),
    (1, "Indeline", "CT-EHP-IND-2018", date(2018, 1, 1), date(2023, 12, 31), True),
]

# (email, first name, last name, establishment index or None, role, function, phone)
USERS = [
    (
        "admin@ch-demo.example",
        "Claire",
        "Martin",
        0,
        Role.ADMIN,
        "Directrice des systèmes d'information",
        "04 72 00 00 10",
    ),
    ("agent@ch-demo.example", "Julien", "Bernard", 0, Role.AGENT, "Gestionnaire paie", "04 72 00 00 11"),
    ("agent2@ch-demo.example", "Sophie", "Petit", 0, Role.AGENT, "Adjointe des cadres, finances", "04 72 00 00 12"),
    ("referent@ch-demo.example", "Karim", "Haddad", 0, Role.REFERENT, "Technicien informatique", "04 72 00 00 13"),
    ("admin@ehpad-demo.example", "Isabelle", "Roux", 1, Role.ADMIN, "Directrice", "04 74 00 00 10"),
    ("agent@ehpad-demo.example", "Thomas", "Morel", 1, Role.AGENT, "Secrétaire de direction", "04 74 00 00 11"),
    ("support@cegape.example", "Nicolas", "Lefebvre", None, Role.SUPPORT_SOFTWARE, "Ingénieur support logiciel", ""),
    ("juridique@cegape.example", "Hélène", "Garnier", None, Role.SUPPORT_LEGAL, "Juriste", ""),
    ("superviseur@cegape.example", "Marc", "Fontaine", None, Role.VENDOR_ADMIN, "Responsable du support", ""),
]

NEWS = [
    (
        "Winpaie 2026.4 est disponible",
        "La version 2026.4 de Winpaie intègre les nouveaux taux de cotisation au 1er janvier. "
        "Le package est disponible dans la rubrique Téléchargements.",
        3,
    ),
    (
        "Formations Indeline du premier semestre",
        "Les sessions de formation Indeline du premier semestre sont ouvertes aux inscriptions. "
        "Contactez votre interlocuteur habituel pour y inscrire vos agents.",
        10,
    ),
    (
        "Maintenance programmée",
        "L'Espace Clients sera indisponible le samedi de 7 h à 9 h pour une opération de maintenance.",
        20,
    ),
]


def is_empty():
    return not User.objects.exists()


@transaction.atomic
def load():
    """Create (or leave as they are) the demo establishments, contracts, accounts and news."""
    products = {}
    for name, kind, description in PRODUCTS:
        products[name], _ = Product.objects.get_or_create(
            name=name, defaults={"kind": kind, "description": description}
        )
    establishments = []
    for fields in ESTABLISHMENTS:
        establishment, _ = Establishment.objects.get_or_create(name=fields["name"], defaults=fields)
        establishments.append(establishment)
    for index, product, reference, start, end, active in CONTRACTS:
        Contract.objects.get_or_create(
            reference=reference,
            defaults={
                "establishment": establishments[index],
                "product": products[product],
                "start_date": start,
                "end_date": end,
                "is_active": active,
            },
        )
    created_users = 0
    for email, first, last, index, role, function, phone in USERS:
        if User.objects.filter(email=email).exists():
            continue
        User.objects.create_user(
            email,
            DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            establishment=establishments[index] if index is not None else None,
            role=role,
            function=function,
            phone=phone,
        )
        created_users += 1
    now = timezone.now()
    for title, body, days_ago in NEWS:
        NewsItem.objects.get_or_create(
            title=title, defaults={"body": body, "published_at": now - timedelta(days=days_ago)}
        )
    return {"users_created": created_users}
