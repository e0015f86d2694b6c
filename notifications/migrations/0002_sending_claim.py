"""An e-mail being sent is claimed (status « sending », claimed_at) and committed before the SMTP
conversation, which then holds no database lock."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="outgoingemail",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="pris en charge le"),
        ),
        migrations.AlterField(
            model_name="outgoingemail",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "À envoyer"),
                    ("sending", "En cours d'envoi"),
                    ("sent", "Envoyé"),
                    ("failed", "Abandonné"),
                ],
                default="pending",
                max_length=10,
                verbose_name="état",
            ),
        ),
    ]
