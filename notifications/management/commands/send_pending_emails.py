from django.core.management.base import BaseCommand

from notifications.services import email_deliver_pending


class Command(BaseCommand):
    help = "Envoie les mails en attente dont la prochaine tentative est échue (à lancer périodiquement)."

    def handle(self, *args, **options):
        sent = email_deliver_pending()
        self.stdout.write(f"{sent} mail(s) envoyé(s).")
