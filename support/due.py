"""What a DI's service-level dates say at a given moment (SPEC M13.3, M13.4): read from the
columns the services keep (``support.clock``), never recomputed for a page."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

NONE = "none"  # no level, or a closed DI
PAUSED = "paused"  # waits on the client
LATE = "late"
TODAY = "today"
LATER = "later"


@dataclass(frozen=True)
class Due:
    state: str
    first_response: bool = False  # the deadline is the first response's (else the resolution's)
    at: object = None  # the deadline, local time
    left: timedelta | None = None  # negative when late


def due_of(ticket, now, tz, end_of_day):
    """The state of the DI's next deadline at ``now``."""
    if ticket.service_level_id is None or not ticket.is_open:
        return Due(NONE)
    if ticket.clock_paused:
        return Due(PAUSED)
    first = ticket.first_response_at is None
    at = ticket.due_at
    if at is None:
        return Due(NONE)
    left = at - now
    state = LATE if left < timedelta(0) else TODAY if at < end_of_day else LATER
    return Due(state, first, at.astimezone(tz), left)


def duration_text(delta):
    """« 45 min », « 3 h 20 », « 4 j »: a wall-clock duration, rounded for a glance."""
    minutes = int(abs(delta).total_seconds() // 60)
    if minutes < 60:
        return _("%(n)s min") % {"n": minutes}
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return _("%(h)s h %(m)02d") % {"h": hours, "m": rest} if rest else _("%(h)s h") % {"h": hours}
    return _("%(n)s j") % {"n": minutes // (24 * 60)}


def local_now():
    now = timezone.now()
    local = timezone.localtime(now)
    end_of_day = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return now, timezone.get_current_timezone(), end_of_day
