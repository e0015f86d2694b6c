"""Service levels for the tests: a level on a contract, and a DI's history moved to chosen
moments (its clock then read again at a chosen « now »)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from establishments.models import ServiceLevel
from support.clock import STEPS, run_clock
from support.models import Ticket, TicketEvent

PARIS = ZoneInfo("Europe/Paris")


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def make_level(name="Standard", first=4, resolution=16):
    return ServiceLevel.objects.create(name=name, first_response_hours=first, resolution_hours=resolution)


def give_level(contract, level):
    """``contract`` now has ``level`` (its future DIs take it)."""
    contract.service_level = level
    contract.save(update_fields=["service_level"])
    return contract


def backdate(ticket, filed_at, *moments, now, upto=None):
    """Pretend the DI was filed at ``filed_at`` and its later clock events (in order) happened at
    ``moments``; read its clock at ``now`` with only its first ``upto`` later events (all by
    default). Returns the DI as the lists read it."""
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=filed_at, last_activity_at=moments[-1] if moments else filed_at
    )
    events = [e for e in TicketEvent.objects.filter(ticket=ticket).order_by("pk") if e.action in STEPS]
    assert len(events) >= len(moments) + 1, [e.action for e in events]
    far = datetime(2999, 1, 1, tzinfo=PARIS)  # the events not yet « happened » at ``now``
    for index, event in enumerate(events):
        moment = (filed_at, *moments)[index] if index <= len(moments) else far
        if upto is not None and index > upto:
            moment = far
        TicketEvent.objects.filter(pk=event.pk).update(created_at=moment)
    ticket = Ticket.objects.select_related("service_level", "establishment").get(pk=ticket.pk)
    run_clock(ticket, now=now)
    ticket.refresh_from_db()
    return ticket
