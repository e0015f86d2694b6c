"""Demo trainings: one validated at the hospital (Indeline), one pending at the care home
(Winpaie). Idempotent; needs the establishments, products and accounts of demo.base.load()."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from establishments.models import Establishment, Product
from notifications.models import OutgoingEmail
from notifications.services import emails_delete
from trainings.models import Participant, Training
from trainings.services import training_validate

HOSPITAL = "Centre Hospitalier de Démonstration"
CARE_HOME = "EHPAD Les Tilleuls"
VALIDATOR = "superviseur@cegape.example"

TRAININGS = [
    {
        "product": "Indeline",
        "title": "Indeline — exécution budgétaire et mandatement",
        "days_ago": 24,
        "length": 2,
        "trainer": "Émilie Dubois",
        "place": "Centre Hospitalier de Démonstration, salle de formation du bâtiment B",
        "notes": "Session sur site. Support de formation remis aux participants.",
        "validate": True,
        "participants": [
            (HOSPITAL, "agent@ch-demo.example", "Julien", "Bernard", "Gestionnaire paie"),
            (
                HOSPITAL,
                "nathalie.lambert@ch-demo.example",
                "Nathalie",
                "Lambert",
                "Adjointe des cadres, bureau des entrées",
            ),
        ],
    },
    {
        "product": "Winpaie",
        "title": "Winpaie — paie des contractuels et DSN",
        "days_ago": -12,
        "length": 1,
        "trainer": "Luc Perrin",
        "place": "EHPAD Les Tilleuls, salle du conseil",
        "notes": "Prévoir un poste avec Winpaie 2026.4 installé par participant.",
        "validate": False,
        "participants": [
            (CARE_HOME, "agent@ehpad-demo.example", "Thomas", "Morel", "Secrétaire de direction"),
            (CARE_HOME, "martine.giraud@ehpad-demo.example", "Martine", "Giraud", "Gestionnaire ressources humaines"),
            (CARE_HOME, "kevin.blanc@ehpad-demo.example", "Kévin", "Blanc", "Adjoint administratif"),
        ],
    },
]


@transaction.atomic
def load():
    """Create the demo trainings that do not exist yet; validate the one meant to be validated
    (through training_validate, as the back office does). Returns how many were created."""
    today = timezone.localdate()
    created = 0
    last_email = OutgoingEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for spec in TRAININGS:
        start = today - timedelta(days=spec["days_ago"])
        training, was_created = Training.objects.get_or_create(
            title=spec["title"],
            defaults={
                "product": Product.objects.get(name=spec["product"]),
                "start_date": start,
                "end_date": start + timedelta(days=spec["length"] - 1),
                "trainer": spec["trainer"],
                "place": spec["place"],
                "notes": spec["notes"],
            },
        )
        created += was_created
        if not training.is_validated:
            for establishment, email, first_name, last_name, function in spec["participants"]:
                Participant.objects.get_or_create(
                    training=training,
                    email=email,
                    defaults={
                        "establishment": Establishment.objects.get(name=establishment),
                        "first_name": first_name,
                        "last_name": last_name,
                        "function": function,
                    },
                )
        if spec["validate"] and not training.is_validated:
            training_validate(training, acting_user=User.objects.get(email=VALIDATOR))
            evening = datetime.combine(training.end_date, time(17, 30), tzinfo=timezone.get_current_timezone())
            Training.objects.filter(pk=training.pk).update(validated_at=min(evening, timezone.now()))
    # The invitations queued meanwhile go to addresses that do not exist: deleted before the
    # commit, as demo.base does with the DIs' e-mails.
    emails_delete(OutgoingEmail.objects.filter(pk__gt=last_email))
    return {"trainings_created": created}
