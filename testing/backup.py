"""What must survive a backup and its restore, read field by field (file contents hashed from the
storage). Also run in the restored instance (another process), hence plain JSON-able values."""

import hashlib
import json

from django.core.files.storage import default_storage

from accounts.models import User
from audit.models import Event
from downloads.models import DownloadFile
from establishments.models import Contract, Establishment
from support.access import status_counts_for
from support.models import Attachment, Message, SurveyResponse, Ticket, TicketEvent


def stored_sha256(name):
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(65536), b""):
            digest.update(chunk)
    return digest.hexdigest()


def iso(value):
    return value.isoformat() if value else None


def fingerprint():
    """What must survive a restore, read field by field; file contents are hashed from the storage.
    Also run in the restored instance (a subprocess), hence plain JSON-able values."""
    return {
        "status_counts": sorted(
            [u.email, sorted(status_counts_for(u).items())]
            for u in User.objects.filter(establishment__isnull=False, is_active=True).order_by("email")
        ),
        "accounts": [
            [u.email, u.role, u.establishment.name if u.establishment else None, u.password, u.is_active, u.full_name]
            for u in User.objects.select_related("establishment").order_by("email")
        ],
        "establishments": list(Establishment.objects.order_by("pk").values_list("pk", "name", "finess", "siret")),
        "contracts": [
            [c.establishment.name, c.product.name, c.reference, iso(c.start_date), iso(c.end_date)]
            for c in Contract.objects.select_related("establishment", "product").order_by("pk")
        ],
        "dis": [
            [
                t.number,
                t.establishment.name,
                t.status,
                t.owner.email if t.owner else None,
                t.author.email,
                t.assignee.email if t.assignee else None,
                t.subject,
                t.description,
                t.awaiting_owner,
                iso(t.created_at),
                iso(t.last_activity_at),
                iso(t.closed_at),
            ]
            for t in Ticket.objects.select_related("establishment", "owner", "author", "assignee").order_by("number")
        ],
        "messages": [
            [m.ticket.number, m.author.email, m.kind, m.body, iso(m.created_at)]
            for m in Message.objects.select_related("ticket", "author").order_by("ticket__number", "created_at", "pk")
        ],
        "attachments": [
            [str(a.uuid), a.ticket.number, a.original_name, a.size, a.sha256, stored_sha256(a.file.name)]
            for a in Attachment.objects.select_related("ticket").order_by("uuid")
        ],
        "downloads": [
            [str(d.uuid), d.name, d.size, d.sha256, stored_sha256(d.file.name)]
            for d in DownloadFile.objects.order_by("uuid")
        ],
        "ticket_events": TicketEvent.objects.count(),
        "surveys": sorted(
            [r.ticket.number, sorted(a.rating for a in r.answers.all())]
            for r in SurveyResponse.objects.select_related("ticket").prefetch_related("answers")
        ),
        "security_log": list(
            Event.objects.exclude(action__startswith="backup_").order_by("pk").values_list("pk", "action", "target")
        ),
    }


def json_roundtrip(value):
    return json.loads(json.dumps(value, default=str))
