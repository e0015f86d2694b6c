"""The e-mail rows' own text and HTML columns go, their body (0005) is required."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0005_email_body"),
    ]

    operations = [
        # A default first, so that undoing the removal can add the column back to existing rows
        # (0005 then copies the bodies back into it).
        migrations.AlterField(model_name="outgoingemail", name="body_text", field=models.TextField(default="")),
        migrations.RemoveField(model_name="outgoingemail", name="body_text"),
        migrations.RemoveField(model_name="outgoingemail", name="body_html"),
        migrations.AlterField(
            model_name="outgoingemail",
            name="body",
            field=models.ForeignKey(
                on_delete=models.PROTECT,
                related_name="emails",
                to="notifications.emailbody",
                verbose_name="corps",
            ),
        ),
    ]
