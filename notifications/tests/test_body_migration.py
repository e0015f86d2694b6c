"""Migrations 0005–0006: each queued e-mail keeps its text and HTML when they move to EmailBody,
and gets them back when the migrations are undone (M10: nothing lost on an upgrade)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("notifications", "0004_french_mail_wording")]
AFTER = [("notifications", "0006_email_body_required")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_bodies_move_to_their_table_and_back():
    """M10"""
    try:
        apps = _migrate(BEFORE)
        OldEmail = apps.get_model("notifications", "OutgoingEmail")
        first = OldEmail.objects.create(
            to="a@x.example", subject="s", body_text="Texte é", body_html="<p>é</p>", template="t"
        )
        second = OldEmail.objects.create(to="b@x.example", subject="s", body_text="Autre", template="t")
        apps = _migrate(AFTER)
        Email = apps.get_model("notifications", "OutgoingEmail")
        moved = {e.pk: (e.body.text, e.body.html) for e in Email.objects.select_related("body")}
        assert moved == {first.pk: ("Texte é", "<p>é</p>"), second.pk: ("Autre", "")}
        apps = _migrate(BEFORE)
        back = {
            e.pk: (e.body_text, e.body_html) for e in apps.get_model("notifications", "OutgoingEmail").objects.all()
        }
        assert back == moved
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
