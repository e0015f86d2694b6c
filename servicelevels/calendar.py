"""The vendor's working time: working days and hours (settings), French public holidays (the
``holidays`` library, with Alsace-Moselle's two extra days for departments 57, 67 and 68), in the
vendor's time zone (Europe/Paris).

Everything here is pure: no database. Arithmetic is done on UTC instants, so that a day of a
daylight-saving change counts the hours it really has (adding a ``timedelta`` to an aware local
datetime, or subtracting two of them, would count wall-clock hours instead).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

# The departments whose holidays differ from the rest of metropolitan France, by the
# subdivision the ``holidays`` library gives them: Moselle (57) and Alsace (67, 68) keep Good
# Friday and Saint Stephen's Day; the overseas departments have their own days.
SUBDIVISION_OF_DEPARTMENT = {"57": "57", "67": "6AE", "68": "6AE", "971": "971", "972": "972", "973": "973"}
SUBDIVISION_OF_DEPARTMENT |= {"974": "974", "976": "976"}

# A calendar that never opens would make every search for the next working minute endless.
MAX_DAYS = 3 * 366


def subdivision_of(department):
    """The ``holidays.France`` subdivision of a French department code ("57", "6AE"…), or None."""
    return SUBDIVISION_OF_DEPARTMENT.get((department or "").strip().upper())


@lru_cache(maxsize=32)
def public_holidays(subdivision):
    """The French public holidays of a subdivision (None: metropolitan France), every year on demand."""
    return holidays.France(subdiv=subdivision, language="fr")


def parse_days(text):
    """« 1-5 » or « 1,2,3,4,5 » (ISO weekdays, Monday = 1) -> frozenset of weekdays."""
    days = set()
    for part in str(text).replace(" ", "").split(","):
        if not part:
            continue
        first, _sep, last = part.partition("-")
        days.update(range(int(first), int(last or first) + 1))
    if not days or not days <= set(range(1, 8)):
        raise ValueError(f"Jours ouvrés invalides : {text!r} (jours ISO 1 à 7, ex. « 1-5 »).")
    return frozenset(days)


def _parse_time(text):
    hours, _sep, minutes = text.strip().partition(":")
    hours, minutes = int(hours), int(minutes or 0)
    if (hours, minutes) == (24, 0):
        return None  # the end of the day
    return time(hours, minutes)


def parse_hours(text):
    """« 09:00-12:30,13:30-18:00 » -> ((09:00, 12:30), (13:30, 18:00)); « 24:00 » ends the day (None)."""
    periods = []
    for part in str(text).replace(" ", "").split(","):
        if not part:
            continue
        start, _sep, end = part.partition("-")
        start, end = _parse_time(start), _parse_time(end)
        if start is None or (end is not None and end <= start):
            raise ValueError(f"Horaires invalides : {part!r} (ex. « 09:00-12:30,13:30-18:00 »).")
        periods.append((start, end))
    periods.sort()
    for (_s1, e1), (s2, _e2) in zip(periods, periods[1:], strict=False):
        if e1 is None or e1 > s2:
            raise ValueError(f"Horaires qui se chevauchent : {text!r}.")
    if not periods:
        raise ValueError("Aucune plage horaire ouvrée.")
    return tuple(periods)


@dataclass(frozen=True)
class WorkingCalendar:
    """When the vendor works, for one establishment (its department decides the holidays)."""

    days: frozenset  # ISO weekdays
    hours: tuple  # ((start, end), ...) local times; end None = midnight
    zone: str = "Europe/Paris"
    subdivision: str | None = None

    @property
    def tz(self):
        return ZoneInfo(self.zone)

    def is_working_day(self, day):
        return day.isoweekday() in self.days and day not in public_holidays(self.subdivision)

    def periods(self, day):
        """The working periods of a local day, as UTC instants [(start, end), ...]."""
        if not self.is_working_day(day):
            return []
        tz = self.tz
        result = []
        for start, end in self.hours:
            begin = datetime.combine(day, start, tzinfo=tz).astimezone(UTC)
            if end is None:
                finish = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
            else:
                finish = datetime.combine(day, end, tzinfo=tz).astimezone(UTC)
            result.append((begin, finish))
        return result

    def _local_day(self, moment):
        return moment.astimezone(self.tz).date()

    def working_time(self, start, end):
        """The working time between two instants (a timedelta; zero if ``end`` is not after ``start``)."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        total = timedelta(0)
        if end <= start:
            return total
        day = self._local_day(start)
        last = self._local_day(end)
        while day <= last:
            for begin, finish in self.periods(day):
                overlap = min(finish, end) - max(begin, start)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    def add(self, start, duration):
        """The instant when ``duration`` of working time has passed after ``start``."""
        start = start.astimezone(UTC)
        left = duration
        day = self._local_day(start)
        for _ in range(MAX_DAYS):
            for begin, finish in self.periods(day):
                begin = max(begin, start)
                if begin >= finish:
                    continue
                if left <= finish - begin:
                    return begin + left
                left -= finish - begin
            day += timedelta(days=1)
        raise ValueError("Le calendrier ouvré n'a aucun jour travaillé.")


def calendar_for(department=None):
    """The vendor's calendar (settings ``SERVICE_DAYS``, ``SERVICE_HOURS``, ``TIME_ZONE``) for an
    establishment of ``department``."""
    from django.conf import settings

    return _calendar(settings.SERVICE_DAYS, settings.SERVICE_HOURS, settings.TIME_ZONE, subdivision_of(department))


@lru_cache(maxsize=64)
def _calendar(days, hours, zone, subdivision):
    return WorkingCalendar(parse_days(days), parse_hours(hours), zone, subdivision)
