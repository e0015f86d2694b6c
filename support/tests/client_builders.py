"""Small builders for the client-side view tests: DIs are made through the services, as users do."""

from django.core.files.uploadedfile import SimpleUploadedFile

from support import services

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def pdf(name="capture.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def text_file(name="journal.txt", content=b"Erreur 42 au lancement\n"):
    return SimpleUploadedFile(name, content, content_type="text/plain")


def contract(establishment, kind="SW"):
    """The fixture establishments' contracts: SW (software, active), JUR (legal, active), OLD (ended)."""
    return establishment.contracts.get(reference__endswith=f"-{kind}")


def file_ticket(user, *, kind="SW", subject="Impossible d'éditer les bulletins", files=(), **fields):
    fields.setdefault("description", "Le bouton « Éditer » ne répond plus depuis ce matin.")
    return services.ticket_create(
        acting_user=user, contract=contract(user.establishment, kind), subject=subject, files=list(files), **fields
    )


def in_progress(ticket, support_user):
    return services.ticket_take(ticket, acting_user=support_user)


def closure_pending(ticket, support_user):
    if ticket.status == "to_process":
        ticket = services.ticket_take(ticket, acting_user=support_user)
    services.ticket_propose_closure(ticket, acting_user=support_user, body="Le correctif est installé.")
    ticket.refresh_from_db()
    return ticket
