from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Sauvegarde la base de données et les fichiers stockés (pièces jointes, téléchargements) "
        "dans un dossier nouveau ou vide, avec un manifeste (nombre de lignes, SHA-256 de chaque fichier)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="dossier de la sauvegarde (nouveau ou vide)")
        parser.add_argument(
            "--format",
            choices=["pg_dump", "json"],
            default=None,
            help="pg_dump (par défaut avec PostgreSQL : format personnalisé, compressé) ou json (par défaut avec SQLite)",
        )

    def handle(self, *args, directory, format=None, **options):
        try:
            manifest = backup(directory, method=format)
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["counts"].values())
        size = sum(entry["size"] for entry in manifest["files"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Sauvegarde écrite dans {directory} : {rows} lignes, "
                f"{len(manifest['files'])} fichiers ({size} octets)."
            )
        )
        for name in manifest["missing_files"]:
            self.stderr.write(self.style.WARNING(f"Fichier introuvable dans le stockage, non sauvegardé : {name}"))
