from django.conf import settings
from django.core.management.base import BaseCommand

from support.services import tickets_auto_close


class Command(BaseCommand):
    help = (
        "Clôture les DIs restées « Clôture à valider » plus longtemps que le délai de validation "
        "(TICKET_CLOSURE_VALIDATION_DAYS). À lancer périodiquement, par exemple toutes les heures."
    )

    def handle(self, *args, **options):
        closed = tickets_auto_close()
        self.stdout.write(
            f"{closed} DI(s) clôturée(s) automatiquement "
            f"(délai de validation : {settings.TICKET_CLOSURE_VALIDATION_DAYS} jours)."
        )
