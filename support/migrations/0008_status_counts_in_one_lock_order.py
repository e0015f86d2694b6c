"""The status-count trigger takes its counter rows in one fixed order.

0006's trigger decremented the old status's row, then incremented the new one's: a DI going from
« A traiter » to « En cours » locked A then B while another, in the same establishment, going from
« En cours » back to « A traiter » locked B then A, and the two transactions could deadlock
(PostgreSQL then aborts one of them). Both rows are now changed by one upsert whose rows are sorted
by (establishment, status): every transaction locks them in the same order, so one waits for the
other and none deadlocks. PostgreSQL only, as 0006.
"""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION support_status_count_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO support_statuscount AS c (establishment_id, status, count)
            VALUES (NEW.establishment_id, NEW.status, 1)
            ON CONFLICT (establishment_id, status) DO UPDATE SET count = c.count + 1;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE support_statuscount SET count = count - 1
            WHERE establishment_id = OLD.establishment_id AND status = OLD.status;
    ELSE
        -- One statement, its two rows sorted: the counter rows are locked in one global order.
        INSERT INTO support_statuscount AS c (establishment_id, status, count)
            SELECT d.establishment_id, d.status, d.delta
            FROM (VALUES (OLD.establishment_id, OLD.status, -1), (NEW.establishment_id, NEW.status, 1))
                AS d(establishment_id, status, delta)
            ORDER BY d.establishment_id, d.status
            ON CONFLICT (establishment_id, status) DO UPDATE SET count = c.count + EXCLUDED.count;
    END IF;
    RETURN NULL;
END $$;
"""

# 0006's function, put back when this migration is reversed.
REVERSE_SQL = """
CREATE OR REPLACE FUNCTION support_status_count_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE support_statuscount SET count = count - 1
            WHERE establishment_id = OLD.establishment_id AND status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO support_statuscount (establishment_id, status, count) VALUES (NEW.establishment_id, NEW.status, 1)
            ON CONFLICT (establishment_id, status) DO UPDATE SET count = support_statuscount.count + 1;
    END IF;
    RETURN NULL;
END $$;
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("support", "0007_service_level_due_dates")]

    operations = [migrations.RunPython(_on_postgresql(SQL), _on_postgresql(REVERSE_SQL))]
