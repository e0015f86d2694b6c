"""core.postgresql: Django's PostgreSQL backend, its timestamps parsed by psycopg's compiled loader."""

import datetime
import zoneinfo

import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend")

VALUES = [
    "2026-11-30 15:04:05.123456+00",
    "2026-07-01 12:00:00+02",
    "1999-12-31 23:59:59.999999-09:30",
    "0001-01-01 00:00:00+00",
    "2026-03-29 02:30:00+01",
]


def _set_zone(zone):
    with connection.cursor() as cursor:
        cursor.execute(f"SET TIME ZONE '{zone}'")


def _read(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@pytest.mark.django_db
def test_the_portal_s_backend_reads_timestamps_with_the_compiled_loader():
    """M10: Django's own loader derives from psycopg's pure Python one (~2 µs a value)"""
    from core.postgresql.base import HAS_COMPILED_LOADER, CompiledTzLoader

    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(1184, 0)
    assert HAS_COMPILED_LOADER
    assert issubclass(loader, CompiledTzLoader)
    assert loader.timezone is connection.timezone is datetime.UTC
    assert connection.vendor == "postgresql"


@pytest.mark.django_db
@pytest.mark.parametrize("session_zone", ["UTC", "Europe/Paris"])
def test_timestamps_read_equal_django_s_loader_to_the_microsecond_and_zone(session_zone):
    """M10: same value and same tzinfo as Django's loader, whatever the session's time zone"""
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    class DjangoLoader(BaseTzLoader):
        timezone = connection.timezone

    connection.ensure_connection()
    _set_zone(session_zone)
    try:
        raw = [row[0] for row in _read("SELECT unnest(%s::text[])::timestamptz::text", [VALUES])]
        ours = [row[0] for row in _read("SELECT unnest(%s::text[])::timestamptz", [VALUES])]
        django_s = [DjangoLoader(1184, connection.connection).load(text.encode()) for text in raw]
        assert ours == django_s
        assert [value.tzinfo for value in ours] == [value.tzinfo for value in django_s]
        assert [value.utcoffset() for value in ours] == [datetime.timedelta(0)] * len(VALUES)
    finally:
        _set_zone("UTC")


@pytest.mark.django_db
def test_an_aware_datetime_comes_back_as_written_in_utc():
    """M10"""
    written = datetime.datetime(2026, 7, 1, 10, 0, 0, 123456, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    read = _read("SELECT %s::timestamptz", [written])[0][0]
    assert read == written
    assert read.tzinfo is datetime.UTC
    assert read.hour == 8
