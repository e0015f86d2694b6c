"""A DI's service-level clock (SPEC M13.2): its history read as steps for the one pure function
``servicelevels.clock.due_dates``, and what it reads written on the DI.

The services call ``run_clock`` after every status change and public answer, in their
transaction; the due dates are then plain indexed columns that the lists sort and flag on
(``Ticket.due_at``: the desk's « Échéance »), never computed row by row at read time.
"""

from django.utils import timezone

from servicelevels.calendar import calendar_for
from servicelevels.clock import PAUSED, RUNNING, STOPPED, Step, Targets, due_dates

from .models import Ticket, TicketEvent

A = TicketEvent.Action
# What each event of a DI's history does to its clock: (public answer of the vendor, state after).
STEPS = {
    A.CREATED: (False, RUNNING),
    A.REPLIED: (True, RUNNING),  # a plain answer also ends a wait on the client
    A.QUESTION: (True, PAUSED),  # « Question au demandeur »: waits on the client
    A.OWNER_MESSAGE: (False, RUNNING),  # the client answered
    A.CLOSURE_PROPOSED: (True, PAUSED),  # « Clôture à valider »
    A.CLOSURE_REFUSED: (False, RUNNING),
    A.CLOSURE_VALIDATED: (False, STOPPED),
    A.AUTO_CLOSED: (False, STOPPED),
    A.CANCELLED: (False, STOPPED),
}
CLOCK_FIELDS = (
    "first_response_due_at",
    "first_response_at",
    "first_response_minutes",
    "resolution_due_at",
    "clock_minutes",
    "due_at",
)


def steps_of(events):
    """[(action, created_at), ...] -> the clock's steps (events that do nothing to it are left out)."""
    steps = []
    for action, at in events:
        if action in STEPS:
            answer, state = STEPS[action]
            steps.append(Step(at=at, answer=answer, state=state))
    return steps


def targets_of(level):
    return None if level is None else Targets.hours(level.first_response_hours, level.resolution_hours)


def read_clock(ticket, events, *, level, department, now=None):
    """The clock of ``ticket`` (its ``created_at``) over ``events`` [(action, created_at), ...]."""
    return due_dates(
        ticket.created_at, steps_of(events), targets_of(level), calendar_for(department), now or timezone.now()
    )


def clock_values(reading):
    """The DI's columns for a reading of its clock."""
    minutes = None if reading.first_response_time is None else int(reading.first_response_time.total_seconds() // 60)
    return {
        "first_response_due_at": reading.first_response_due,
        "first_response_at": reading.first_response_at,
        "first_response_minutes": minutes,
        "resolution_due_at": reading.resolution_due,
        "clock_minutes": int(reading.elapsed.total_seconds() // 60),
        "due_at": reading.next_due,
    }


def run_clock(ticket, *, level=None, department=None, events=None, now=None):
    """Read the DI's clock from its history and write it on the DI (one read of its events, one
    UPDATE). ``level``, ``department`` and ``events``: the DI's service level, its
    establishment's department and its history, read here when not given."""
    if level is None and ticket.service_level_id is not None:
        level = ticket.service_level
    if department is None:
        department = ticket.establishment.department
    if events is None:
        events = list(ticket.events.values_list("action", "created_at"))
    values = clock_values(read_clock(ticket, events, level=level, department=department, now=now))
    for name, value in values.items():
        setattr(ticket, name, value)
    Ticket.objects.filter(pk=ticket.pk).update(**values)
    return ticket


def rerun_open_clocks(batch=500):
    """Read again the clock of every open DI (after a change of working hours, of holidays or of a
    level's targets). Returns how many DIs were read."""
    from .models import OPEN_STATUSES

    done = 0
    last = 0
    while True:
        tickets = list(
            Ticket.objects.filter(status__in=OPEN_STATUSES, pk__gt=last)
            .select_related("service_level", "establishment")
            .order_by("pk")[:batch]
        )
        if not tickets:
            return done
        for ticket in tickets:
            run_clock(ticket, level=ticket.service_level, department=ticket.establishment.department)
        done += len(tickets)
        last = tickets[-1].pk
