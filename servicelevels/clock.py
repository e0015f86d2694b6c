"""The clock of a DI's service level: one pure function (no database), ``due_dates``.

The clock starts when the DI is filed. The first public answer of the vendor meets the
first-response target. The clock pauses while the DI waits on the client (« Question au
demandeur ») and during « Clôture à valider », resumes when the client answers or refuses the
closure, and stops when the DI is closed or cancelled. Only working time counts
(``servicelevels.calendar``).

The caller turns the DI's history into ``Step``s (``support.clock`` does it from its events):
the moment, whether it is a public answer of the vendor, and the clock's state after it.
"""

from dataclasses import dataclass
from datetime import timedelta

RUNNING = "running"
PAUSED = "paused"
STOPPED = "stopped"


@dataclass(frozen=True)
class Step:
    """One moment of a DI's history as the clock sees it."""

    at: object  # an aware datetime
    answer: bool = False  # a public answer of the vendor
    state: str | None = None  # RUNNING, PAUSED or STOPPED after this step; None: unchanged


@dataclass(frozen=True)
class Targets:
    """A service level's targets, in working time."""

    first_response: timedelta
    resolution: timedelta

    @classmethod
    def hours(cls, first_response, resolution):
        return cls(timedelta(hours=first_response), timedelta(hours=resolution))


@dataclass(frozen=True)
class Reading:
    first_response_due: object  # datetime, or None (no level; or the clock paused before reaching it)
    first_response_at: object  # the first public answer, or None
    first_response_time: object  # working time from filing to that answer (timedelta), or None
    resolution_due: object  # datetime, or None (no level, or the clock paused/stopped before reaching it)
    elapsed: timedelta  # working time on the clock at ``now`` (or when it paused or stopped)
    state: str  # RUNNING, PAUSED or STOPPED
    paused: tuple  # ((start, end or None), ...): the intervals the clock was paused
    running: tuple  # ((start, end or None), ...): the intervals it ran

    @property
    def next_due(self):
        """The deadline the desk sorts on: the first response until it is given, then the
        resolution; None while the clock does not run."""
        if self.state != RUNNING:
            return None
        return self.first_response_due if self.first_response_at is None else self.resolution_due


def _reach(target, running, calendar):
    """The instant the clock reaches ``target`` of working time along its running intervals;
    None if it stopped running before."""
    counted = timedelta(0)
    for start, end in running:
        if end is None:
            return calendar.add(start, target - counted)
        span = calendar.working_time(start, end)
        if counted + span >= target:
            return calendar.add(start, target - counted)
        counted += span
    return None


def due_dates(filed_at, steps, targets, calendar, now):
    """Read the clock of a DI filed at ``filed_at`` whose history is ``steps`` (any order),
    under ``targets`` (None: the contract has no service level) and ``calendar``, at ``now``."""
    state = RUNNING
    since = filed_at
    running, paused = [], []
    first_answer = None
    for step in sorted(steps, key=lambda s: s.at):
        at = max(step.at, filed_at)
        if at > now:
            break
        if step.answer and first_answer is None:
            first_answer = at
        if step.state is None or step.state == state:
            continue
        if state == RUNNING:
            running.append((since, at))
        elif state == PAUSED:
            paused.append((since, at))
        state, since = step.state, at
    if state == RUNNING:
        running.append((since, None))
    elif state == PAUSED:
        paused.append((since, None))

    elapsed = sum((calendar.working_time(start, end or now) for start, end in running), timedelta(0))
    first_time = None
    if first_answer is not None:
        first_time = sum(
            (calendar.working_time(start, min(end or first_answer, first_answer)) for start, end in running),
            timedelta(0),
        )
    first_due = resolution_due = None
    if targets is not None:
        first_due = _reach(targets.first_response, running, calendar)
        resolution_due = _reach(targets.resolution, running, calendar)
    return Reading(
        first_response_due=first_due,
        first_response_at=first_answer,
        first_response_time=first_time,
        resolution_due=resolution_due,
        elapsed=elapsed,
        state=state,
        paused=tuple(paused),
        running=tuple(running),
    )
