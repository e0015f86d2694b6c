import time

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from demo.base import DemoRefused, ensure_not_production
from demo.twofactor import DEMO_TOTP_SECRET, demo_key


class Command(BaseCommand):
    help = (
        "Affiche le code de vérification du moment pour les comptes de démonstration de l'éditeur "
        "(clé publique de démonstration ; aucun autre compte)."
    )

    def handle(self, *args, **options):
        try:
            ensure_not_production()
        except DemoRefused as refusal:
            raise CommandError(str(refusal)) from None
        totp = TOTP(bytes.fromhex(demo_key()), step=30, digits=6)
        totp.time = time.time()
        left = 30 - int(totp.time) % 30
        self.stdout.write(f"{totp.token():06d}  (valable encore {left} s ; clé de démonstration {DEMO_TOTP_SECRET})")
