from django.core.management.base import BaseCommand

from support.clock import rerun_open_clocks


class Command(BaseCommand):
    help = (
        "Recalcule les échéances de toutes les DIs ouvertes (à lancer après un changement des jours ou "
        "horaires ouvrés, SERVICE_DAYS et SERVICE_HOURS, ou des délais d'un niveau de service)."
    )

    def handle(self, *args, **options):
        done = rerun_open_clocks()
        self.stdout.write(f"{done} DI(s) ouverte(s) recalculée(s).")
