"""Demo data for « Collaborateurs » (SPEC M4): a colleague of the Centre Hospitalier de
Démonstration who has left, whose account was deactivated by the administrator, and whose open DIs
wait on « Demande A Reaffecter ».

Idempotent: runs after ``demo.base.load`` (it needs its establishments, contracts and accounts)
and changes nothing once the colleague exists.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from collaborators import services
from establishments.models import Contract, Establishment
from notifications.models import OutgoingEmail
from notifications.services import emails_delete
from support import services as support_services
from support.models import Ticket, TicketEvent

ESTABLISHMENT = "Centre Hospitalier de Démonstration"
ADMIN_EMAIL = "admin@ch-demo.example"
SUPPORT_EMAIL = "support@cegape.example"
DEPARTED = {
    "email": "agent3@ch-demo.example",
    "first_name": "Marion",
    "last_name": "Lambert",
    "function": "Gestionnaire des ressources humaines (mutée en mars)",
    "phone": "04 72 00 00 14",
}
# (contract reference, subject, description, module, version, taken by the support, days ago)
DEPARTED_TICKETS = [
    (
        "CT-CHD-WIN-2022",
        "Attestation employeur France Travail rejetée",
        "L'attestation employeur d'une contractuelle en fin de contrat est rejetée par France Travail "
        "(motif « période de référence incomplète »). Les salaires des douze derniers mois sont pourtant saisis.",
        "Attestations",
        "2026.4",
        True,
        9,
    ),
    (
        "CT-CHD-IND-2021",
        "Import des titres de la régie des repas en échec",
        "L'import mensuel des titres de la régie des repas du personnel échoue à la ligne 214 "
        "(« imputation inconnue »), alors que l'imputation existe dans le budget.",
        "Recettes — Régies",
        "2026.1",
        False,
        6,
    ),
]


@transaction.atomic
def load():
    """Create the departed colleague, her DIs, then deactivate her account as her administrator
    would: her open DIs pass to « Demande A Reaffecter ». Returns what was created."""
    establishment = Establishment.objects.filter(name=ESTABLISHMENT).first()
    admin = User.objects.filter(email=ADMIN_EMAIL, is_active=True).first()
    support = User.objects.filter(email=SUPPORT_EMAIL, is_active=True).first()
    if establishment is None or admin is None or User.objects.filter(email=DEPARTED["email"]).exists():
        return {"collaborators_created": 0, "tickets_released": 0}
    last_email = OutgoingEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    departed = User.objects.create_user(
        DEPARTED["email"],
        None,  # no usable password: she has left
        first_name=DEPARTED["first_name"],
        last_name=DEPARTED["last_name"],
        function=DEPARTED["function"],
        phone=DEPARTED["phone"],
        establishment=establishment,
        role=Role.AGENT,
    )
    now = timezone.now()
    User.objects.filter(pk=departed.pk).update(
        date_joined=now - timedelta(days=700), last_login=now - timedelta(days=5)
    )
    for reference, subject, description, module, version, taken, days_ago in DEPARTED_TICKETS:
        contract = Contract.objects.filter(reference=reference, establishment=establishment).first()
        if contract is None or not contract.in_force:
            continue
        ticket = support_services.ticket_create(
            acting_user=departed,
            contract=contract,
            subject=subject,
            description=description,
            module=module,
            version=version,
            environment=Ticket.Environment.PRODUCTION,
        )
        if taken and support is not None:
            support_services.ticket_take(ticket, acting_user=support)
        filed = now - timedelta(days=days_ago)
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=filed, last_activity_at=filed + timedelta(hours=3), waiting_since=filed
        )
        TicketEvent.objects.filter(ticket=ticket).update(created_at=filed)
    services.user_deactivate(departed, acting_user=admin)
    released = Ticket.objects.filter(establishment=establishment, owner__isnull=True).count()
    # The e-mails the services queued tell a past that never happened to addresses that do not exist.
    emails_delete(OutgoingEmail.objects.filter(pk__gt=last_email))
    return {"collaborators_created": 1, "tickets_released": released}
