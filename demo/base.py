"""Demo data, the base: products, establishments, contracts, accounts, news and each
establishment's DIs, played through the services. Realistic, French, idempotent (running it
twice changes nothing). ``load_all`` adds every other part of the demo (demo/*.py)."""

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from establishments.models import Contract, Establishment, Product, ServiceLevel
from news.models import NewsItem
from notifications.models import OutgoingEmail
from notifications.services import emails_delete
from support import services
from support.clock import run_clock
from support.models import Attachment, CannedReply, Message, SurveyQuestion, SurveyResponse, Ticket, TicketEvent

from .files import log, pdf, uploads

DEMO_PASSWORD = "demo-Espace-2026"

# Service levels (SPEC M13): (name, first response, resolution) in working hours, and the
# products whose new contracts take each one by default.
LEVELS = [("Standard", 4, 24, ("Indeline", "Winpaie")), ("Conseil juridique", 8, 40, ("Juridem",))]
# The team leads among the vendor's staff (the reports, the morning list of late DIs).
TEAM_LEADS = ("support@cegape.example",)

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


# « Réponses types » (M11.4): (team, title, text), kept in the back office.
CANNED_REPLIES = [
    (
        "software",
        "Demande de capture d'écran",
        "Bonjour [demandeur],\n\nPour avancer sur la DI [numéro], pouvez-vous nous envoyer une capture d'écran du "
        "message affiché, ainsi que l'heure à laquelle il est apparu ?\n\nCordialement,\n[support]",
    ),
    (
        "software",
        "Correctif disponible",
        "Bonjour [demandeur],\n\nUn correctif est disponible dans Téléchargements. Installez-le puis "
        "redémarrez le poste, et dites-nous si le problème persiste.\n\nCordialement,\n[support]",
    ),
    (
        "legal",
        "Pièces à fournir",
        "Bonjour [demandeur],\n\nPour vous répondre, merci de joindre la délibération ou l'arrêté concerné et "
        "la date des faits.\n\nCordialement,\n[support]",
    ),
]


def is_empty():
    return not User.objects.exists()


@transaction.atomic
def load():
    """Create (or leave as they are) the demo establishments, contracts, accounts and news, and the
    DIs of each establishment that has none yet."""
    default_level = {}
    for name, first, resolution, product_names in LEVELS:
        level, _ = ServiceLevel.objects.get_or_create(
            name=name, defaults={"first_response_hours": first, "resolution_hours": resolution}
        )
        default_level.update(dict.fromkeys(product_names, level))
    products = {}
    for name, kind, description in PRODUCTS:
        products[name], _ = Product.objects.get_or_create(
            name=name, defaults={"kind": kind, "description": description, "default_service_level": default_level[name]}
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
            is_team_lead=email in TEAM_LEADS,
        )
        created_users += 1
    now = timezone.now()
    for title, body, days_ago in NEWS:
        NewsItem.objects.get_or_create(
            title=title, defaults={"body": body, "published_at": now - timedelta(days=days_ago)}
        )
    for position, (team, title, body) in enumerate(CANNED_REPLIES):
        CannedReply.objects.get_or_create(team=team, title=title, defaults={"body": body, "position": position})
    stories = [
        story
        for establishment, establishment_stories in zip(establishments, STORIES, strict=True)
        if not Ticket.objects.filter(establishment=establishment).exists()
        for story in establishment_stories
    ]
    return {"users_created": created_users, "tickets_created": _load_tickets(stories)}


# --- DIs ------------------------------------------------------------------------------------
# Each story is played through support.services, so statuses, events and invariants are real;
# its history is then spread from `days_ago` (filing) to `idle_hours` ago (last step).
# Steps: ("take",), ("reply", text[, files]), ("question", text[, files]), ("note", text),
# ("message", text[, files]) by the owner, ("propose", text), ("refuse", text),
# ("validate", ratings, comment), ("cancel", reason).

CHD_ADMIN, CHD_AGENT, CHD_AGENT2, CHD_REFERENT = (
    "admin@ch-demo.example",
    "agent@ch-demo.example",
    "agent2@ch-demo.example",
    "referent@ch-demo.example",
)
EHPAD_ADMIN, EHPAD_AGENT = "admin@ehpad-demo.example", "agent@ehpad-demo.example"
SUPPORT_OF_TEAM = {"software": "support@cegape.example", "legal": "juridique@cegape.example"}

CHD_STORIES = [
    {
        "owner": CHD_AGENT2,
        "contract": "CT-CHD-IND-2021",
        "subject": "Écart de rapprochement bancaire sur le compte 515",
        "description": "Depuis la clôture de février, l'état de rapprochement bancaire présente un écart de "
        "1 254,30 € entre le solde Indeline du compte 515 et le relevé du Trésor public.\n"
        "Les écritures du 27 février semblent intégrées deux fois. Le relevé est joint.",
        "module": "Comptabilité — Trésorerie",
        "version": "2026.1",
        "environment": "production",
        "files": ["releve-tresor-fevrier.pdf"],
        "days_ago": 1,
        "idle_hours": 22,
        "steps": [],
    },
    {
        "owner": CHD_REFERENT,
        "contract": "CT-CHD-WIN-2022",
        "subject": "Lenteurs à l'ouverture des bulletins depuis la mise à jour 2026.4",
        "description": "Depuis l'installation de Winpaie 2026.4 hier soir, l'ouverture d'un bulletin prend "
        "plus d'une minute sur tous les postes du service paie (10 secondes auparavant).\n"
        "Le journal du poste client est joint.",
        "module": "Bulletins",
        "version": "2026.4",
        "environment": "production",
        "files": ["winpaie-client.log"],
        "days_ago": 0,
        "idle_hours": 3,
        "steps": [],
    },
    {
        "owner": CHD_AGENT,
        "contract": "CT-CHD-JUR-2023",
        "subject": "Rupture conventionnelle d'un contractuel : calcul de l'indemnité",
        "description": "Un agent contractuel en CDI depuis 2017 demande une rupture conventionnelle. "
        "Quel est le montant plancher de l'indemnité spécifique et quelle rémunération de référence "
        "retenir, l'agent ayant été à temps partiel en 2025 ?",
        "days_ago": 2,
        "idle_hours": 40,
        "steps": [],
    },
    {
        "owner": CHD_AGENT,
        "contract": "CT-CHD-WIN-2022",
        "subject": "Cotisations CNRACL erronées sur la paie de mars",
        "description": "Sur la paie de mars, la cotisation CNRACL salariale des agents titulaires à temps "
        "partiel est calculée sur le traitement à temps plein. Une vingtaine d'agents sont concernés.",
        "module": "Cotisations",
        "version": "2026.4",
        "environment": "production",
        "days_ago": 5,
        "idle_hours": 26,
        "steps": [
            ("take",),
            ("note", "Probablement le paramétrage de la quotité dans la rubrique 2105 : à vérifier avec le client."),
            (
                "question",
                "Bonjour, pouvez-vous nous indiquer le matricule d'un agent concerné et nous transmettre "
                "une capture de l'écran « Cotisations » de son bulletin de mars ?",
            ),
        ],
    },
    {
        "owner": CHD_AGENT2,
        "contract": "CT-CHD-IND-2021",
        "subject": "Mandat rejeté par le comptable public (code 301)",
        "description": "Le bordereau de mandats n° 412 a été rejeté par le comptable avec le code 301 "
        "« pièce justificative manquante », alors que la facture est bien jointe dans Indeline.",
        "module": "Dépenses — Mandatement",
        "version": "2026.1",
        "environment": "production",
        "days_ago": 8,
        "idle_hours": 30,
        "steps": [
            ("take",),
            ("question", "Pouvez-vous nous joindre le fichier PES retour reçu du comptable pour ce bordereau ?"),
            ("message", "Voici le compte rendu du rejet transmis par la trésorerie.", ["rejet-pes-bordereau-412.pdf"]),
            (
                "note",
                "Le PES retour montre une pièce jointe de 0 octet : bug connu de l'export 2026.1 (ticket interne 8841).",
            ),
            (
                "reply",
                "Merci. Nous avons identifié la cause : la pièce jointe est exportée vide lorsque son nom "
                "contient une apostrophe. Un correctif est prévu dans la version 2026.1.2. En attendant, "
                "renommez la facture sans apostrophe et renvoyez le bordereau.",
            ),
        ],
    },
    {
        "owner": CHD_REFERENT,
        "contract": "CT-CHD-IND-2021",
        "subject": "Connexion impossible au serveur de recette après sa migration",
        "description": "Depuis la migration du serveur de recette vers la nouvelle machine virtuelle, le client "
        "Indeline affiche « Base de données inaccessible » au démarrage. La production fonctionne.",
        "module": "Administration technique",
        "version": "2026.1",
        "environment": "test",
        "files": ["indeline-demarrage.log"],
        "days_ago": 4,
        "idle_hours": 50,
        "steps": [
            ("take",),
            (
                "question",
                "Bonjour, le fichier de configuration du poste pointe-t-il vers le nouveau nom du serveur ? "
                "Pouvez-vous nous envoyer le contenu du fichier indeline.ini du poste ?",
            ),
        ],
    },
    {
        "owner": CHD_ADMIN,
        "contract": "CT-CHD-JUR-2023",
        "subject": "Report des congés annuels d'un agent en arrêt maladie",
        "description": "Une aide-soignante titulaire, en congé de maladie ordinaire de janvier à novembre, "
        "n'a pas pu poser ses congés annuels. Combien de jours peut-elle reporter et jusqu'à quand ?",
        "days_ago": 6,
        "idle_hours": 70,
        "steps": [
            (
                "reply",
                "Bonjour, l'agent peut reporter ses congés non pris du fait de la maladie dans la limite de "
                "4 semaines par année, sur une période de 15 mois après l'année de référence. "
                "Nous vous adressons une note détaillée avec les références d'ici la fin de la semaine.",
            ),
            ("note", "Rédiger la note : jurisprudence CJUE et circulaire de 2011, vérifier le décret de 2025."),
            (
                "message",
                "Merci. Son arrêt vient d'être prolongé jusqu'en mars : le délai de 15 mois court-il toujours "
                "à partir de la fin de l'année de référence ?",
            ),
        ],
    },
    {
        "owner": CHD_AGENT,
        "contract": "CT-CHD-WIN-2022",
        "subject": "Fichier DSN de mars refusé par net-entreprises",
        "description": "Le dépôt de la DSN mensuelle de mars est refusé avec l'anomalie bloquante "
        "CCH-11 sur la rubrique S21.G00.40.008. Le compte rendu est joint.",
        "module": "DSN",
        "version": "2026.4",
        "environment": "production",
        "files": ["compte-rendu-dsn-mars.txt"],
        "days_ago": 3,
        "idle_hours": 20,
        "steps": [
            ("take",),
            (
                "question",
                "Le contrat de l'agent concerné a-t-il été modifié en mars (nature ou dispositif de politique publique) ?",
            ),
            ("message", "Oui, son contrat aidé a été transformé en CDD le 1er mars.", ["journal-dsn.log"]),
            (
                "propose",
                "Le dispositif de politique publique n'était pas clos sur l'ancien contrat. Nous l'avons "
                "corrigé à distance ; le nouveau fichier DSN a été accepté par net-entreprises ce matin.",
            ),
        ],
    },
    {
        "owner": CHD_AGENT2,
        "contract": "CT-CHD-JUR-2023",
        "subject": "Disponibilité pour convenances personnelles : délai de préavis",
        "description": "Un cadre de santé souhaite une disponibilité pour convenances personnelles à partir "
        "du mois prochain. Quel délai de prévenance peut-on lui opposer ?",
        "days_ago": 2,
        "idle_hours": 26,
        "steps": [
            (
                "reply",
                "Bonjour, la demande doit être présentée au moins trois mois à l'avance, sauf accord de "
                "l'établissement pour un délai plus court ; la disponibilité est accordée sous réserve des "
                "nécessités du service.",
            ),
            (
                "propose",
                "Nous vous proposons de clôturer la DI. N'hésitez pas à refuser la clôture si un point reste à éclaircir.",
            ),
        ],
    },
    {
        "owner": CHD_AGENT,
        "contract": "CT-CHD-IND-2021",
        "subject": "Titres de recette imprimés en double",
        "description": "L'édition des titres de recette de la régie des consultations externes imprime chaque "
        "titre deux fois depuis le changement d'imprimante.",
        "module": "Recettes",
        "version": "2025.3",
        "environment": "production",
        "days_ago": 30,
        "idle_hours": 24 * 26,
        "steps": [
            ("take",),
            (
                "reply",
                "Bonjour, dans Paramètres > Éditions, le nombre d'exemplaires du modèle « Titre » est réglé à 2. Ramenez-le à 1.",
            ),
            (
                "propose",
                "Le paramètre corrigé, les titres sortent en un exemplaire : nous vous proposons de clôturer la DI.",
            ),
            ("validate", (5, 5, 4), "Réponse rapide et claire, merci."),
        ],
    },
    {
        "owner": CHD_REFERENT,
        "contract": "CT-CHD-WIN-2022",
        "subject": "Installation du poste client Winpaie sur un nouveau PC",
        "description": "Nous remplaçons le PC de la gestionnaire paie. L'installation du client Winpaie "
        "s'interrompt à 80 % avec le message « Composant manquant ».",
        "module": "Installation",
        "version": "2026.2",
        "environment": "production",
        "days_ago": 45,
        "idle_hours": 24 * 38,
        "steps": [
            ("take",),
            (
                "reply",
                "Bonjour, installez d'abord le composant « Visual C++ 2019 » fourni dans le dossier Prérequis du package.",
            ),
            ("message", "C'est fait, l'installation va au bout."),
            ("propose", "L'installation est terminée : nous vous proposons de clôturer la DI."),
            ("refuse", "L'installation fonctionne mais les éditions PDF ne s'ouvrent pas sur ce poste."),
            (
                "reply",
                "Il faut déclarer le dossier d'export PDF dans les paramètres du poste : Outils > Options > Éditions.",
            ),
            ("propose", "Les éditions PDF fonctionnent désormais : nous vous proposons de clôturer la DI."),
            ("validate", (4, 3, 4), "Résolu, mais la notice d'installation devrait mentionner les prérequis."),
        ],
    },
    {
        "owner": CHD_AGENT2,
        "contract": "CT-CHD-IND-2021",
        "subject": "Accès refusé au module Budget",
        "description": "Je n'ai plus accès au module Budget depuis ce matin (« Droits insuffisants »).",
        "module": "Budget",
        "version": "2026.1",
        "environment": "production",
        "days_ago": 20,
        "idle_hours": 24 * 19,
        "steps": [
            ("take",),
            ("cancel", "Notre administrateur Indeline a rétabli mes droits : la demande n'a plus lieu d'être."),
        ],
    },
    {
        "owner": CHD_ADMIN,
        "contract": "CT-CHD-WIN-2022",
        "subject": "Paramétrage de la prime de fin d'année",
        "description": "Comment paramétrer la prime de fin d'année versée en novembre aux agents contractuels ?",
        "module": "Paramétrage des rubriques",
        "version": "2026.2",
        "environment": "production",
        "days_ago": 60,
        "idle_hours": 24 * 59,
        "steps": [
            (
                "cancel",
                "Déposée par erreur : la question relève de notre formation Winpaie prévue la semaine prochaine.",
            ),
        ],
    },
]

EHPAD_STORIES = [
    {
        "owner": EHPAD_AGENT,
        "contract": "CT-EHP-WIN-2020",
        "subject": "Majorations de nuit absentes du bulletin d'une aide-soignante",
        "description": "Les heures de nuit saisies pour une aide-soignante en mars n'apparaissent pas sur son "
        "bulletin : ni l'indemnité horaire de nuit ni la majoration.",
        "module": "Éléments variables",
        "version": "2026.4",
        "environment": "production",
        "days_ago": 1,
        "idle_hours": 18,
        "steps": [],
    },
    {
        "owner": EHPAD_ADMIN,
        "contract": "CT-EHP-WIN-2020",
        "subject": "Régularisation du supplément familial après une naissance",
        "description": "Une infirmière a eu un troisième enfant en janvier ; le supplément familial de "
        "traitement n'a pas été revalorisé. Comment régulariser sur la paie d'avril ?",
        "module": "Supplément familial",
        "version": "2026.4",
        "environment": "production",
        "days_ago": 4,
        "idle_hours": 30,
        "steps": [
            ("take",),
            (
                "question",
                "Bonjour, la date de naissance de l'enfant a-t-elle été saisie dans la fiche famille de l'agent ?",
            ),
        ],
    },
    {
        "owner": EHPAD_AGENT,
        "contract": "CT-EHP-WIN-2020",
        "subject": "Édition du journal de paie au format PDF",
        "description": "La trésorerie nous demande le journal de paie au format PDF. Comment l'obtenir ?",
        "module": "Éditions",
        "version": "2026.2",
        "environment": "production",
        "days_ago": 25,
        "idle_hours": 24 * 21,
        "steps": [
            ("take",),
            ("reply", "Bonjour, dans Éditions > Journal de paie, choisissez « Imprimante PDF » comme destination."),
            ("propose", "Vous pouvez désormais éditer le journal en PDF : nous vous proposons de clôturer la DI."),
            ("validate", (5, 5, 5), ""),
        ],
    },
]

STORIES = [CHD_STORIES, EHPAD_STORIES]  # aligned with ESTABLISHMENTS


DEMO_FILES = {
    "releve-tresor-fevrier.pdf": lambda: pdf(
        "Direction générale des Finances publiques",
        "Relevé de compte au Trésor - février 2026",
        "Compte 515 - Centre Hospitalier de Démonstration",
        "Solde au 28/02 : 1 482 913,55 EUR",
    ),
    "rejet-pes-bordereau-412.pdf": lambda: pdf(
        "PES retour - bordereau de mandats n° 412",
        "Code rejet 301 : pièce justificative manquante",
        "Mandat 2026-1187 - pièce jointe : 0 octet",
    ),
    "winpaie-client.log": lambda: log(
        "2026-04-02 08:01:12 INFO  Winpaie 2026.4.0 demarrage poste PAIE-03",
        "2026-04-02 08:01:14 INFO  Connexion base WINPAIE_PROD ok (212 ms)",
        "2026-04-02 08:02:31 WARN  Chargement bulletin 2026-03/1042 : 64 812 ms",
        "2026-04-02 08:02:31 WARN  Requete historique cotisations sans index (table HIST_COT)",
    ),
    "indeline-demarrage.log": lambda: log(
        "2026-04-03 09:12:40 INFO  Indeline 2026.1 - environnement RECETTE",
        "2026-04-03 09:12:41 ERROR Connexion a srv-indeline-rec:5432 impossible (timeout 30 s)",
        "2026-04-03 09:12:41 ERROR Base de donnees inaccessible",
    ),
    "compte-rendu-dsn-mars.txt": lambda: log(
        "Compte rendu de controle DSN - mars 2026",
        "Anomalie bloquante CCH-11",
        "Rubrique S21.G00.40.008 (dispositif de politique publique) : valeur incompatible avec la nature du contrat",
        "Individu : matricule 004521",
    ),
    "journal-dsn.log": lambda: log(
        "2026-04-05 10:02:11 INFO  Generation DSN mensuelle 2026-03",
        "2026-04-05 10:02:19 INFO  412 individus, 3 etablissements",
        "2026-04-05 10:02:20 WARN  Contrat 004521-02 : dispositif 21 non clos au 28/02",
    ),
}


def _files(names):
    return uploads(DEMO_FILES, names)


def _play(step, ticket, owner, support):
    kind, *args = step
    files = _files(args[1]) if kind in ("reply", "question", "message") and len(args) > 1 else []
    if kind == "take":
        services.ticket_take(ticket, acting_user=support)
    elif kind in ("reply", "question"):
        services.ticket_reply(ticket, acting_user=support, body=args[0], question=kind == "question", files=files)
    elif kind == "note":
        services.ticket_add_internal_note(ticket, acting_user=support, body=args[0])
    elif kind == "message":
        services.ticket_post_message(ticket, acting_user=owner, body=args[0], files=files)
    elif kind == "propose":
        services.ticket_propose_closure(ticket, acting_user=support, body=args[0])
    elif kind == "refuse":
        services.ticket_refuse_closure(ticket, acting_user=owner, body=args[0])
    elif kind == "validate":
        ratings, comment = args
        questions = SurveyQuestion.objects.filter(is_active=True)
        services.ticket_validate_closure(
            ticket,
            acting_user=owner,
            ratings={q.pk: ratings[i % len(ratings)] for i, q in enumerate(questions)},
            comment=comment,
        )
    elif kind == "cancel":
        services.ticket_cancel(ticket, acting_user=owner, reason=args[0])
    else:
        raise ValueError(f"Unknown demo step: {kind}")


def _marks(ticket):
    """The last message, event and attachment ids of a DI: what a step adds comes after them."""
    return {
        model: model.objects.filter(ticket=ticket).order_by("-pk").values_list("pk", flat=True).first() or 0
        for model in (Message, TicketEvent, Attachment)
    }


def _stamp(ticket, marks, when):
    for model, last in marks.items():
        model.objects.filter(ticket=ticket, pk__gt=last).update(created_at=when)


def _tell(story, now):
    """Play one story through the services, then date its history as the story says."""
    owner = User.objects.get(email=story["owner"])
    contract = Contract.objects.get(reference=story["contract"])
    support = User.objects.get(email=SUPPORT_OF_TEAM[contract.product.kind])
    end = now - timedelta(hours=story["idle_hours"])
    start = min(now - timedelta(days=story["days_ago"]), end)
    steps = story["steps"]
    times = [start + (end - start) * i / max(len(steps), 1) for i in range(len(steps) + 1)]

    ticket = services.ticket_create(
        acting_user=owner,
        contract=contract,
        subject=story["subject"],
        description=story["description"],
        module=story.get("module", ""),
        version=story.get("version", ""),
        environment=story.get("environment", ""),
        files=_files(story.get("files", [])),
    )
    _stamp(ticket, dict.fromkeys((Message, TicketEvent, Attachment), 0), times[0])
    dates = {"created_at": times[0], "last_activity_at": times[0]}
    dates["waiting_since"] = times[0]
    for step, when in zip(steps, times[1:], strict=True):
        marks = _marks(ticket)
        waiting_before = Ticket.objects.values_list("waiting_since", flat=True).get(pk=ticket.pk)
        _play(step, ticket, owner, support)
        _stamp(ticket, marks, when)
        waiting = Ticket.objects.values_list("waiting_since", flat=True).get(pk=ticket.pk)
        if waiting is None:
            dates["waiting_since"] = None
        elif waiting_before is None:  # the client wrote: the support owes an answer since then
            dates["waiting_since"] = when
        if step[0] != "note":
            dates["last_activity_at"] = when
        if step[0] == "propose":
            dates["closure_proposed_at"] = when
        if step[0] in ("validate", "cancel"):
            dates["closed_at"] = when
        if step[0] == "validate":
            SurveyResponse.objects.filter(ticket=ticket).update(created_at=when)
    ticket.refresh_from_db()
    if ticket.closure_proposed_at is None:
        dates.pop("closure_proposed_at", None)
    Ticket.objects.filter(pk=ticket.pk).update(**dates)
    # The service level's clock, read again over the history as dated above.
    run_clock(Ticket.objects.select_related("service_level", "establishment").get(pk=ticket.pk), now=now)


def _load_tickets(stories):
    """Play the stories, oldest first so that DI numbers follow the dates. Returns how many.

    The e-mails the services queue meanwhile are deleted before the commit: they report a past
    that never happened to addresses that do not exist, and delivering them would flood the
    console of ``make run``. Their after-commit delivery then finds nothing to send. (Marking them
    « sent » instead would record e-mails that never went out.)
    """
    last_email = OutgoingEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    now = timezone.now()
    for story in sorted(stories, key=lambda story: -max(story["days_ago"] * 24, story["idle_hours"])):
        _tell(story, now)
    emails_delete(OutgoingEmail.objects.filter(pk__gt=last_email))
    return len(stories)


class DemoRefused(Exception):
    """The demo data would reach a production instance."""


def ensure_not_production():
    """The demo accounts have a published password and a published second-factor key: under the
    production settings (``ESPACE_PRODUCTION=1``) they would be open doors, so nothing is loaded."""
    if settings.PRODUCTION:
        raise DemoRefused(
            "Données de démonstration refusées : ce portail tourne avec les réglages de production "
            "(ESPACE_PRODUCTION=1). Les comptes de démonstration ont un mot de passe et une clé de double "
            "authentification publiés ; ils ne doivent exister que sur une instance d'essai."
        )


@transaction.atomic
def load_all():
    """Every app's demo data, in dependency order. Idempotent. Refused in production."""
    ensure_not_production()
    from reports.services import rebuild

    from . import collaborators, downloads, knowledge, trainings, twofactor

    result = load()
    for extra in (collaborators.load(), downloads.load(), trainings.load(), twofactor.load(), knowledge.load()):
        result.update(extra or {})
    rebuild()  # the reports' monthly figures (kept current afterwards by Celery beat)
    return result
