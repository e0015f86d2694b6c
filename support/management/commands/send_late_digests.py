from django.core.management.base import BaseCommand

from support.services import late_digest_send


class Command(BaseCommand):
    help = (
        "Envoie à chaque responsable d'équipe la liste des DIs en retard de son équipe "
        "(une fois par jour au plus ; rien si aucune DI n'est en retard)."
    )

    def handle(self, *args, **options):
        sent = late_digest_send()
        self.stdout.write(f"{sent} mail(s) de DIs en retard envoyé(s) aux responsables d'équipe.")
