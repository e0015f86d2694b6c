"""The DI table's two GIN indexes (words within an establishment; messages' words) keep a short
list of pending entries: 256 kB instead of PostgreSQL's 4 MB.

A GIN index adds the entries of a new or changed row to a pending list, merged into the index in
bulk when the list outgrows ``gin_pending_list_limit`` (or by VACUUM). Every search reads that
whole list: after a day of filing and answering DIs it held 317 pages, and « attestation
employeur » within an establishment took 9 ms to read the index instead of 2.5 (docs/performance.md,
round six). At 256 kB a search reads at most 32 pending pages; the write that fills the list merges
it (a few milliseconds, once every few hundred DIs or messages). The lists pending now are merged
at once. Nothing on SQLite."""

from django.db import migrations

from core.migration_operations import on_postgresql

INDEXES = ("ticket_est_search_gin", "ticket_messages_search_gin")
PENDING_KB = 256

FORWARDS = [
    *(f"ALTER INDEX {index} SET (gin_pending_list_limit = {PENDING_KB})" for index in INDEXES),
    *(f"SELECT gin_clean_pending_list('{index}'::regclass)" for index in INDEXES),
]
BACKWARDS = [f"ALTER INDEX {index} RESET (gin_pending_list_limit)" for index in INDEXES]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("support", "0012_search_within_an_establishment"),
    ]

    operations = [on_postgresql(FORWARDS, BACKWARDS)]
