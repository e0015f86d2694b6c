from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde faite par « backup » dans une instance vide (base neuve après « migrate », "
        "stockage de fichiers vide), après avoir vérifié l'empreinte SHA-256 de chaque fichier."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="dossier d'une sauvegarde faite par « backup »")
        parser.add_argument(
            "--jobs",
            type=int,
            default=None,
            help="tâches parallèles de pg_restore (par défaut : le nombre de cœurs, 4 au plus)",
        )

    def handle(self, *args, directory, jobs=None, **options):
        try:
            manifest = restore(directory, jobs=jobs)
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Sauvegarde du {manifest['created_at']} restaurée : {rows} lignes, {len(manifest['files'])} fichiers."
            )
        )
