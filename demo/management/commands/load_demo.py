from django.core.management.base import BaseCommand, CommandError

from demo import base as demo
from demo.twofactor import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Charge les données de démonstration (sans effet sur ce qui existe déjà)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Ne rien faire si la base contient déjà des comptes."
        )

    def handle(self, *args, if_empty=False, **options):
        try:
            demo.ensure_not_production()
        except demo.DemoRefused as refusal:
            raise CommandError(str(refusal)) from None
        if if_empty and not demo.is_empty():
            self.stdout.write("La base contient déjà des comptes : données de démonstration non chargées.")
            return
        result = demo.load_all()
        self.stdout.write(
            f"Données de démonstration prêtes ({result['users_created']} compte(s) et "
            f"{result['tickets_created']} DI créé(s))."
        )
        self.stdout.write(f"Comptes de démonstration (mot de passe commun : {demo.DEMO_PASSWORD}) :")
        for email, *_names, _index, role, _function, _phone in demo.USERS:
            self.stdout.write(f"  {email:<30} {role.label}")
        self.stdout.write(
            "Double authentification des comptes de l'éditeur : clé de démonstration "
            f"{DEMO_TOTP_SECRET} (application d'authentification) ou `python manage.py demo_2fa_code`."
        )
