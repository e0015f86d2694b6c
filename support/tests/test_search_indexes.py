"""The DI table's GIN indexes keep short pending lists (migration support/0013; M10: a search
reads the whole pending list, which PostgreSQL lets grow to 4 MB by default)."""

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN indexes are PostgreSQL's"),
]


def test_the_search_indexes_merge_their_pending_entries_past_256_kb():
    """M10 M3.2 M8.1"""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.reloptions FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid"
            " JOIN pg_am am ON am.oid = c.relam"
            " WHERE i.indrelid = 'support_ticket'::regclass AND am.amname = 'gin' ORDER BY c.relname"
        )
        indexes = cursor.fetchall()
    assert indexes == [
        ("ticket_est_search_gin", ["gin_pending_list_limit=256"]),
        ("ticket_messages_search_gin", ["gin_pending_list_limit=256"]),
    ]
