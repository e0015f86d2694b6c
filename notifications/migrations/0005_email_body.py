"""Each e-mail's text and HTML move to ``EmailBody``, one body per existing row (the rows queued
from now on share one body per e-mail). The old columns go in 0006, in a transaction of its own
(PostgreSQL refuses to alter a table with the pending checks of rows just updated)."""

from django.db import migrations, models

BATCH = 1000


def move_bodies(apps, schema_editor):
    OutgoingEmail = apps.get_model("notifications", "OutgoingEmail")
    EmailBody = apps.get_model("notifications", "EmailBody")
    last = 0
    while True:
        emails = list(OutgoingEmail.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not emails:
            return
        bodies = EmailBody.objects.bulk_create(EmailBody(text=e.body_text, html=e.body_html) for e in emails)
        for email, body in zip(emails, bodies, strict=True):
            email.body = body
        OutgoingEmail.objects.bulk_update(emails, ["body"])
        last = emails[-1].pk


def restore_bodies(apps, schema_editor):
    OutgoingEmail = apps.get_model("notifications", "OutgoingEmail")
    for email in OutgoingEmail.objects.select_related("body").filter(body__isnull=False).iterator(chunk_size=BATCH):
        OutgoingEmail.objects.filter(pk=email.pk).update(body_text=email.body.text, body_html=email.body.html)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_french_mail_wording"),
    ]

    operations = [
        migrations.CreateModel(
            name="EmailBody",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("text", models.TextField(verbose_name="texte")),
                ("html", models.TextField(blank=True, verbose_name="HTML")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="créé le")),
            ],
            options={"verbose_name": "corps de mail", "verbose_name_plural": "corps de mails"},
        ),
        migrations.AddField(
            model_name="outgoingemail",
            name="body",
            field=models.ForeignKey(
                null=True,
                on_delete=models.PROTECT,
                related_name="emails",
                to="notifications.emailbody",
                verbose_name="corps",
            ),
        ),
        migrations.RunPython(move_bodies, restore_bodies),
    ]
