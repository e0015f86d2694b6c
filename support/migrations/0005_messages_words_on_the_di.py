"""The words of every message gathered on its DI (PostgreSQL only, as the rest of the search).

The desk's search across all the messages then reads one GIN index of the DI table instead of
fetching each matching message row to find its DI (docs/performance.md: the desk's search went
from 230 ms to 30 ms of queries at five million messages). A trigger appends a new message's
words to its DI and rebuilds them when a message is edited or deleted; the messages' own GIN
index of migration 0004, no longer read, goes.
"""

from django.db import migrations

SQL = """
CREATE OR REPLACE AGGREGATE tsvector_agg (tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '');
ALTER TABLE support_ticket ADD COLUMN messages_vector tsvector NOT NULL DEFAULT '';
UPDATE support_ticket t SET messages_vector = m.v
    FROM (SELECT ticket_id, tsvector_agg(search_vector ORDER BY created_at, id) AS v FROM support_message GROUP BY ticket_id) m
    WHERE t.id = m.ticket_id;
CREATE OR REPLACE FUNCTION support_message_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE support_ticket SET messages_vector = messages_vector || NEW.search_vector WHERE id = NEW.ticket_id;
    ELSE
        UPDATE support_ticket t SET messages_vector = coalesce(
            (SELECT tsvector_agg(m.search_vector ORDER BY m.created_at, m.id) FROM support_message m WHERE m.ticket_id = t.id), '')
        WHERE t.id = OLD.ticket_id OR (TG_OP = 'UPDATE' AND t.id = NEW.ticket_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER support_message_search_sync AFTER INSERT OR UPDATE OF body, ticket_id OR DELETE ON support_message
    FOR EACH ROW EXECUTE FUNCTION support_message_search_sync();
CREATE INDEX ticket_messages_search_gin ON support_ticket USING gin (messages_vector);
DROP INDEX IF EXISTS message_search_gin;
"""

REVERSE_SQL = """
CREATE INDEX IF NOT EXISTS message_search_gin ON support_message USING gin (search_vector);
DROP TRIGGER IF EXISTS support_message_search_sync ON support_message;
DROP FUNCTION IF EXISTS support_message_search_sync();
DROP INDEX IF EXISTS ticket_messages_search_gin;
ALTER TABLE support_ticket DROP COLUMN IF EXISTS messages_vector;
DROP AGGREGATE IF EXISTS tsvector_agg (tsvector);
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("support", "0004_search_and_list_indexes")]
    operations = [migrations.RunPython(_on_postgresql(SQL), _on_postgresql(REVERSE_SQL))]
