from django.core.management.base import BaseCommand

from ops.maintenance import purge_expired_data


class Command(BaseCommand):
    help = "Supprime les données arrivées au terme de leur durée de conservation (sessions, mails, journal)."

    def handle(self, *args, **options):
        counts = purge_expired_data()
        self.stdout.write(", ".join(f"{name} : {count}" for name, count in counts.items()))
