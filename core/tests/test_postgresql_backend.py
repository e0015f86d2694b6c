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
def test_a_utc_session_reads_timestamps_without_python_per_value_and_another_zone_with_django_s_arithmetic():
    """M10: psycopg's compiled loader itself on a session in UTC (its values carry datetime.UTC,
    as Django's do); Django's ``replace`` kept on a session in another zone"""
    from core.postgresql.base import COMPILED_LOADER, CompiledTzLoader

    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        assert cursor.fetchone()[0].tzinfo is datetime.UTC
        assert type(cursor.cursor._tx.get_loader(1184, 0)) is COMPILED_LOADER
    _set_zone("Europe/Paris")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT now()")
            assert cursor.fetchone()[0].tzinfo is datetime.UTC
            assert isinstance(cursor.cursor._tx.get_loader(1184, 0), CompiledTzLoader)
    finally:
        _set_zone("UTC")


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


@pytest.fixture
def own_connection():
    """A connection of its own (autocommit, idle between queries, as a worker's between requests)."""
    from django.db import connections

    wrapper = connections.create_connection("default")
    wrapper.health_check_enabled = True
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def _selects_one(wrapper):
    """How many queries the health check sends (psycopg cursors opened on the raw connection)."""
    from unittest import mock

    with mock.patch.object(
        type(wrapper.connection), "cursor", autospec=True, side_effect=type(wrapper.connection).cursor
    ) as opened:
        wrapper.close_if_health_check_failed()
    return opened.call_count


@pytest.mark.django_db(transaction=True)
def test_an_idle_healthy_connection_is_kept_without_a_round_trip(own_connection):
    """M10: Django sent SELECT 1 before the first query of every request"""
    own_connection.health_check_done = False
    assert _selects_one(own_connection) == 0
    assert own_connection.health_check_done
    assert own_connection.connection is not None and not own_connection.connection.closed


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(own_connection):
    """M10: the server restarted (its backend terminated): the request gets a new connection"""
    import time

    pid = own_connection.connection.info.backend_pid
    _read("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.2)  # the server's goodbye reaches the socket
    own_connection.health_check_done = False
    own_connection.close_if_health_check_failed()
    assert own_connection.connection is None
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


@pytest.mark.django_db(transaction=True)
def test_a_connection_in_a_transaction_is_checked_the_django_way(own_connection):
    """M10"""
    own_connection.connection.execute("BEGIN")
    own_connection.health_check_done = False
    assert _selects_one(own_connection) == 1
    own_connection.connection.execute("ROLLBACK")
