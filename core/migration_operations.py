"""Migration operations for tables that are large in production.

``AddIndexOnline``: Django's ``AddIndex``, built with ``CREATE INDEX CONCURRENTLY`` on PostgreSQL so
that filing and answering DIs goes on while the index of a table of millions of rows is built (a
plain ``CREATE INDEX`` holds a lock that blocks every write for the whole build). The migration
that uses it says ``atomic = False`` (PostgreSQL refuses a concurrent build inside a transaction).
Elsewhere (SQLite, the embedded default) it is ``AddIndex``.

``on_postgresql(forwards, backwards)``: statements that only PostgreSQL has (its extensions, its
index options), run one by one (a concurrent build is its own transaction); nothing on SQLite.
"""

from django.db import migrations


class AddIndexOnline(migrations.AddIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        self._concurrently(schema_editor.add_index, app_label, schema_editor, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        self._concurrently(schema_editor.remove_index, app_label, schema_editor, from_state)

    def _concurrently(self, change, app_label, schema_editor, state):
        model = state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            change(model, self.index, concurrently=True)


def on_postgresql(forwards, backwards):
    """A ``RunPython`` of SQL statements for PostgreSQL only (see the module's docstring)."""

    def run(statements):
        def execute(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                for statement in statements:
                    schema_editor.execute(statement)

        return execute

    return migrations.RunPython(run(forwards), run(backwards), atomic=False)
