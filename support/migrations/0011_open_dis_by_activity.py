from django.db import migrations, models

from core.migration_operations import AddIndexOnline


class Migration(migrations.Migration):
    # The index is built concurrently on PostgreSQL: outside a transaction.
    atomic = False

    dependencies = [
        ("support", "0010_french_names_back_office"),
    ]

    operations = [
        AddIndexOnline(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status__in", ("to_process", "in_progress", "closure_pending"))),
                fields=["establishment", "-last_activity_at", "-id"],
                name="ticket_est_open_activity",
            ),
        ),
    ]
