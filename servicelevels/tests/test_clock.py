"""The service-level clock, one pure function (no database): weekends, French public holidays
(Alsace-Moselle included), daylight-saving changes, pauses while the DI waits on the client."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from servicelevels.calendar import WorkingCalendar, parse_days, parse_hours, subdivision_of
from servicelevels.clock import PAUSED, RUNNING, STOPPED, Step, Targets, due_dates

PARIS = ZoneInfo("Europe/Paris")
HOURS = "09:00-12:30,13:30-18:00"  # 8 working hours a day
TARGETS = Targets.hours(4, 16)


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def calendar(department=None, days="1-5", hours=HOURS):
    return WorkingCalendar(parse_days(days), parse_hours(hours), "Europe/Paris", subdivision_of(department))


def filed_only(filed_at, *, department=None, targets=TARGETS, now=None, cal=None):
    return due_dates(filed_at, [Step(filed_at, state=RUNNING)], targets, cal or calendar(department), now or filed_at)


def test_weekend_is_skipped():
    """M13.1 M13.2: filed on a Friday at 17:00, a 4-hour first response is due on Monday at 12:00"""
    reading = filed_only(paris(2026, 3, 13, 17, 0))
    assert reading.first_response_due == paris(2026, 3, 16, 12, 0)
    # 16 hours: 1 on Friday, 8 on Monday, 7 on Tuesday (09:00-12:30, 13:30-17:00).
    assert reading.resolution_due == paris(2026, 3, 17, 17, 0)


def test_lunch_break_is_not_working_time():
    """M13.1: a DI filed at 12:00 with 1 hour to go is due at 14:00 (12:30-13:30 is not worked)"""
    reading = filed_only(paris(2026, 3, 10, 12, 0), targets=Targets.hours(1, 1))
    assert reading.first_response_due == paris(2026, 3, 10, 14, 0)


def test_filed_at_2359_on_a_friday_before_a_bank_holiday():
    """M13.1 M13.2: filed at 23:59 on Friday 22 May 2026, before Whit Monday (« Lundi de
    Pentecôte »): the clock starts on Tuesday at 09:00, the first response is due Tuesday 14:00"""
    filed = paris(2026, 5, 22, 23, 59)
    reading = filed_only(filed)
    assert reading.first_response_due == paris(2026, 5, 26, 14, 0)
    # Nothing counts before Tuesday 09:00.
    assert calendar().working_time(filed, paris(2026, 5, 26, 9, 0)) == timedelta(0)
    later = filed_only(filed, now=paris(2026, 5, 26, 10, 30))
    assert later.elapsed == timedelta(hours=1, minutes=30)


def test_alsace_moselle_good_friday_and_saint_stephen():
    """M13.1: Good Friday and Saint Stephen's Day are holidays in departments 57, 67 and 68 only"""
    filed = paris(2026, 4, 2, 17, 0)  # Thursday before Good Friday (3 April) and Easter Monday (6 April)
    assert filed_only(filed, department="75").first_response_due == paris(2026, 4, 3, 12, 0)
    for department in ("57", "67", "68"):
        assert filed_only(filed, department=department).first_response_due == paris(2026, 4, 7, 12, 0)
    christmas_eve = paris(2026, 12, 24, 17, 0)  # Thursday; 25 (Friday) is Christmas, 26 a Saturday
    assert filed_only(christmas_eve, department="13").first_response_due == paris(2026, 12, 28, 12, 0)
    # 2025: 26 December is a Friday, worked in Marseille, not in Strasbourg.
    thursday = paris(2025, 12, 24, 17, 0)
    assert filed_only(thursday, department="13").first_response_due == paris(2025, 12, 26, 12, 0)
    assert filed_only(thursday, department="67").first_response_due == paris(2025, 12, 29, 12, 0)


def test_other_french_holidays():
    """M13.1: 1 May, 8 May, Ascension, 14 July, 15 August, 1 and 11 November are not worked"""
    cal = calendar()
    for day in ("2026-05-01", "2026-05-08", "2026-05-14", "2026-07-14", "2026-11-11", "2027-11-01"):
        assert not cal.is_working_day(datetime.fromisoformat(day).date()), day
    assert cal.is_working_day(datetime(2026, 5, 12).date())


def test_daylight_saving_change_in_spring():
    """M13.2: filed Friday 27 March 2026 at 17:00; Sunday 29 March the clocks go forward: the
    due date is Monday 12:00 Paris time, i.e. 10:00 UTC (not 11:00)"""
    reading = filed_only(paris(2026, 3, 27, 17, 0))
    assert reading.first_response_due == paris(2026, 3, 30, 12, 0)
    assert reading.first_response_due.astimezone(UTC) == datetime(2026, 3, 30, 10, 0, tzinfo=UTC)


def test_daylight_saving_days_have_23_and_25_hours_round_the_clock():
    """M13.2: with a round-the-clock calendar, the spring change day counts 23 hours and the autumn one 25"""
    cal = calendar(days="1-7", hours="00:00-24:00")
    assert cal.working_time(paris(2026, 3, 29, 0, 0), paris(2026, 3, 30, 0, 0)) == timedelta(hours=23)
    assert cal.working_time(paris(2026, 10, 25, 0, 0), paris(2026, 10, 26, 0, 0)) == timedelta(hours=25)
    # 24 hours of working time from Saturday midnight end on Sunday at 01:00 (local), after the change.
    assert cal.add(paris(2026, 3, 28, 0, 0), timedelta(hours=48)) == paris(2026, 3, 30, 1, 0)


def test_autumn_change_keeps_local_working_hours():
    """M13.2: across the autumn change (25 October 2026) working hours stay 09:00-18:00 local"""
    reading = filed_only(paris(2026, 10, 23, 17, 0))
    assert reading.first_response_due == paris(2026, 10, 26, 12, 0)
    assert reading.first_response_due.astimezone(UTC) == datetime(2026, 10, 26, 11, 0, tzinfo=UTC)


def test_first_public_answer_meets_the_first_response_target():
    """M13.2: the first public answer stops the first-response measure; the next deadline becomes the resolution"""
    filed = paris(2026, 3, 10, 9, 0)
    steps = [Step(filed, state=RUNNING), Step(paris(2026, 3, 10, 11, 0), answer=True, state=RUNNING)]
    reading = due_dates(filed, steps, TARGETS, calendar(), paris(2026, 3, 10, 15, 0))
    assert reading.first_response_at == paris(2026, 3, 10, 11, 0)
    assert reading.first_response_time == timedelta(hours=2)
    assert reading.next_due == reading.resolution_due == paris(2026, 3, 11, 18, 0)
    assert reading.elapsed == timedelta(hours=5)


def test_question_to_the_requester_pauses_the_clock_until_they_answer():
    """M13.2: « Question au demandeur » pauses the clock; the client's answer resumes it and the
    resolution due date moves by the working time waited"""
    filed = paris(2026, 3, 10, 9, 0)
    asked, answered = paris(2026, 3, 10, 10, 0), paris(2026, 3, 11, 10, 0)  # 8 working hours of wait
    steps = [Step(filed, state=RUNNING), Step(asked, answer=True, state=PAUSED)]
    waiting = due_dates(filed, steps, TARGETS, calendar(), paris(2026, 3, 10, 17, 0))
    assert waiting.state == PAUSED and waiting.next_due is None and waiting.resolution_due is None
    assert waiting.elapsed == timedelta(hours=1)  # the wait does not count
    assert waiting.first_response_time == timedelta(hours=1)
    steps.append(Step(answered, state=RUNNING))
    resumed = due_dates(filed, steps, TARGETS, calendar(), paris(2026, 3, 11, 11, 0))
    assert resumed.paused == ((asked, answered),)
    assert resumed.elapsed == timedelta(hours=2)
    # Without the wait the 16 hours would end on 11 March at 18:00; one working day later.
    assert resumed.resolution_due == paris(2026, 3, 12, 18, 0)


def test_closure_pending_pauses_refusal_resumes_validation_stops():
    """M13.2: « Clôture à valider » pauses the clock, a refusal resumes it, the closure stops it"""
    filed = paris(2026, 3, 9, 9, 0)  # Monday
    proposed, refused = paris(2026, 3, 9, 13, 0), paris(2026, 3, 10, 13, 0)
    proposed_again, closed = paris(2026, 3, 10, 15, 30), paris(2026, 3, 13, 9, 0)
    steps = [
        Step(filed, state=RUNNING),
        Step(proposed, answer=True, state=PAUSED),
        Step(refused, state=RUNNING),
        Step(proposed_again, answer=True, state=PAUSED),
        Step(closed, state=STOPPED),
    ]
    reading = due_dates(filed, steps, TARGETS, calendar(), paris(2026, 3, 20, 9, 0))
    assert reading.state == STOPPED and reading.next_due is None
    # 3.5 h on Monday morning, then 12:30 → 15:30 with a lunch hour: 2 h more.
    assert reading.elapsed == timedelta(hours=5, minutes=30)
    assert reading.paused == ((proposed, refused), (proposed_again, closed))
    assert reading.resolution_due is None  # stopped before reaching 16 hours: resolved in time


def test_late_resolution_keeps_its_due_date():
    """M13.2: a DI resolved after its target keeps the due date it missed"""
    filed = paris(2026, 3, 9, 9, 0)
    steps = [Step(filed, state=RUNNING), Step(paris(2026, 3, 12, 9, 0), answer=True, state=PAUSED)]
    reading = due_dates(filed, steps, TARGETS, calendar(), paris(2026, 3, 12, 10, 0))
    assert reading.first_response_due == paris(2026, 3, 9, 14, 0)
    assert reading.first_response_time == timedelta(hours=24)
    assert reading.resolution_due == paris(2026, 3, 10, 18, 0)


def test_no_level_no_due_dates_but_the_time_is_measured():
    """M13.1: a contract without a level has no due dates; its DIs' working time is still measured"""
    filed = paris(2026, 3, 10, 9, 0)
    reading = due_dates(filed, [Step(filed, state=RUNNING)], None, calendar(), paris(2026, 3, 10, 11, 0))
    assert reading.first_response_due is None and reading.resolution_due is None and reading.next_due is None
    assert reading.elapsed == timedelta(hours=2)


def test_working_days_and_hours_are_settings(settings):
    """M13.1: SERVICE_DAYS and SERVICE_HOURS decide the calendar; bad values are refused clearly"""
    from servicelevels.calendar import calendar_for

    settings.SERVICE_DAYS = "1-6"
    settings.SERVICE_HOURS = "08:00-12:00"
    cal = calendar_for("75")
    assert cal.days == frozenset(range(1, 7))
    saturday = paris(2026, 3, 14, 11, 0)
    assert cal.add(saturday, timedelta(hours=2)) == paris(2026, 3, 16, 9, 0)
    for bad in ("09:00-08:00", "9h-18h", "09:00-13:00,12:00-14:00"):
        with pytest.raises(ValueError):
            parse_hours(bad)
    with pytest.raises(ValueError):
        parse_days("0-8")
