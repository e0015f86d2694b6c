from django.db import migrations, models

from core.migration_operations import AddIndexOnline


class Migration(migrations.Migration):
    # The index is built concurrently on PostgreSQL: outside a transaction.
    atomic = False

    dependencies = [
        ("support", "0013_short_gin_pending_lists"),
    ]

    operations = [
        AddIndexOnline(
            model_name="ticket",
            index=models.Index(fields=["contract", "status", "-last_activity_at", "-id"], name="ticket_contract_status_act"),
        ),
    ]
