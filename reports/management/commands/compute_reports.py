from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from reports import services


class Command(BaseCommand):
    help = (
        "Calcule les chiffres mensuels des rapports de niveaux de service : tous les mois (défaut), "
        "depuis un mois (--depuis AAAA-MM), ou seulement les mois modifiés depuis le dernier calcul (--modifies)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--depuis", help="premier mois à recalculer, AAAA-MM")
        parser.add_argument("--modifies", action="store_true", help="seulement les mois dont des DIs ont changé")

    def handle(self, *args, **options):
        if options["modifies"]:
            months = services.refresh_changed()
        else:
            since = None
            if options["depuis"]:
                try:
                    since = datetime.strptime(options["depuis"], "%Y-%m").date()
                except ValueError as error:
                    raise CommandError("--depuis attend un mois AAAA-MM, par exemple 2026-01.") from error
            months = services.rebuild(since=since)
        self.stdout.write(f"{len(months)} mois calculé(s).")
