from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from referential.models import Kind
from referential.services import referential_import_csv


class Command(BaseCommand):
    help = (
        "Importe un fichier CSV du référentiel de l'éditeur (établissements, produits, contrats, comptes) par "
        "références externes : tout ou rien, erreurs par ligne. --simulation vérifie sans rien enregistrer."
    )

    def add_arguments(self, parser):
        parser.add_argument("type", choices=Kind.values)
        parser.add_argument("fichier")
        parser.add_argument("--par", required=True, help="L'adresse mail d'un administrateur de l'éditeur.")
        parser.add_argument("--simulation", action="store_true", help="Vérifier et compter, sans rien enregistrer.")

    def handle(self, *args, **options):
        acting_user = User.objects.filter(email=options["par"].strip().lower()).first()
        if acting_user is None or not acting_user.is_vendor_admin:
            raise CommandError("--par : l'adresse d'un administrateur actif de l'éditeur.")
        try:
            with open(options["fichier"], "rb") as file:
                data = file.read()
        except OSError as error:
            raise CommandError(f"Fichier illisible : {error}") from None
        report = referential_import_csv(options["type"], data, acting_user=acting_user, dry_run=options["simulation"])
        for line, column, message in report.errors:
            self.stderr.write(f"ligne {line}{f' ({column})' if column else ''} : {message}")
        summary = f"{report.created} créé(s), {report.updated} modifié(s), {report.unchanged} inchangé(s)"
        if not report.ok:
            raise CommandError(f"{len(report.errors)} erreur(s) : rien n'est enregistré ({summary} sinon).")
        self.stdout.write(("Simulation : " if report.dry_run else "Importé : ") + summary + ".")
