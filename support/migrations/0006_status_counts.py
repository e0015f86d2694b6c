"""DIs per establishment and status, kept by a trigger (PostgreSQL only; docs/performance.md).

The dashboard's tiles and the client list's total counted up to 20,000 index entries of the
large establishment on every page (3 to 4 ms of PostgreSQL each); they now read at most five
rows. The trigger follows every insert, delete and change of status or establishment; the table
is filled from the DIs already there.
"""

import django.db.models.deletion
from django.db import migrations, models

SQL = """
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
CREATE TRIGGER support_status_count_insert_delete AFTER INSERT OR DELETE ON support_ticket
    FOR EACH ROW EXECUTE FUNCTION support_status_count_sync();
CREATE TRIGGER support_status_count_update AFTER UPDATE OF status, establishment_id ON support_ticket
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.establishment_id IS DISTINCT FROM NEW.establishment_id)
    EXECUTE FUNCTION support_status_count_sync();
INSERT INTO support_statuscount (establishment_id, status, count)
    SELECT establishment_id, status, count(*) FROM support_ticket GROUP BY establishment_id, status;
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS support_status_count_insert_delete ON support_ticket;
DROP TRIGGER IF EXISTS support_status_count_update ON support_ticket;
DROP FUNCTION IF EXISTS support_status_count_sync();
DELETE FROM support_statuscount;
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("establishments", "0001_initial"),
        ("support", "0005_messages_words_on_the_di"),
    ]

    operations = [
        migrations.CreateModel(
            name="StatusCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("to_process", "A traiter"),
                            ("in_progress", "En cours"),
                            ("closure_pending", "Clôture à valider"),
                            ("closed", "Clôturée"),
                            ("cancelled", "Annulée"),
                        ],
                        max_length=20,
                    ),
                ),
                ("count", models.IntegerField(default=0)),
                (
                    "establishment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="establishments.establishment"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("establishment", "status"), name="statuscount_est_status")
                ],
            },
        ),
        migrations.RunPython(_on_postgresql(SQL), _on_postgresql(REVERSE_SQL)),
    ]
