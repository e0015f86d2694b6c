"""The client search's index: an establishment's id and its DIs' words in one GIN index
(``btree_gin``), built concurrently on PostgreSQL (``support.search``). It replaces the GIN index of
the words alone, which the desk's search across every establishment reads as well from this one
(a multi-column GIN index answers a condition on any of its columns). Nothing on SQLite."""

from django.db import migrations

from core.migration_operations import on_postgresql

FORWARDS = [
    # A trusted extension (PostgreSQL ≥ 13): the database's owner may create it.
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ticket_est_search_gin"
    " ON support_ticket USING gin (establishment_id, search_vector)",
    "DROP INDEX CONCURRENTLY IF EXISTS ticket_search_gin",
]
BACKWARDS = [
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ticket_search_gin ON support_ticket USING gin (search_vector)",
    "DROP INDEX CONCURRENTLY IF EXISTS ticket_est_search_gin",
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("support", "0011_open_dis_by_activity"),
    ]

    operations = [
        on_postgresql(FORWARDS, BACKWARDS),
    ]
