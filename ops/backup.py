"""Backup and restore: the database and the stored files, in one directory.

Two ways to hold the database, chosen by ``method`` (the manifest's ``format`` says which):

- ``pg_dump`` (the default on PostgreSQL, format 2): ``database.dump``, PostgreSQL's custom format
  (compressed, every table, schema included), written by ``pg_dump -Fc`` on a snapshot that the
  list of files is read from too; restored by ``pg_restore --jobs N`` (parallel) into a new, empty
  database. It scales to the national data set (docs/operations.md gives the figures).
- ``json`` (SQLite, the embedded default; format 1), described below.

A JSON backup directory holds:

- ``data.json``: every table in Django's fixture format (as ``dumpdata --natural-foreign``, primary
  keys kept, timestamps to the microsecond), read in one snapshot; ``loaddata`` reads it back. Left out: content types and permissions (``migrate`` recreates them) and
  sessions (a restore signs everyone out).
- ``files/<name>``: every file a row points to (attachments, downloads), read through the file
  storage, so it works the same on local disk and on S3.
- ``manifest.json``: the format, the schema (applied migrations), how many rows of each model, and
  the size and SHA-256 of ``data.json`` and of every file.

``restore`` checks every checksum first, then refuses unless the instance is empty and on the
same schema; it loads the rows and writes the files in one go: on any failure, nothing is left.
The commands ``manage.py backup`` and ``manage.py restore`` call these functions.
"""

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.core import serializers
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from audit.services import record

FORMAT = 1  # json
FORMAT_PG_DUMP = 2
MANIFEST = "manifest.json"
DATA = "data.json"
DUMP = "database.dump"
FILES = "files"
CHUNK = 1024 * 1024
# Not backed up: recreated by ``migrate`` (content types, permissions), meant to end (sessions) or
# derived from other rows (the DIs per establishment and status, counted again by their
# PostgreSQL trigger as the DIs are loaded).
EXCLUDED_APPS = ("contenttypes", "sessions")
EXCLUDED_MODELS = ("auth.permission", "support.statuscount")
# Rows a fresh ``migrate`` writes (the default questionnaire): replaced by the backup's.
SEEDED_MODELS = ("support.surveyquestion",)


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message says why, in French."""


def _sha256_file(path):
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _safe_path(root, name):
    """The local path of a stored file's copy; a name that would leave the directory is refused."""
    parts = PurePosixPath(name).parts
    if not name or PurePosixPath(name).is_absolute() or ".." in parts or "\\" in name:
        raise BackupError(f"Nom de fichier refusé : {name!r}.")
    return Path(root, FILES, *parts)


def backed_up_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.app_label not in EXCLUDED_APPS
        and model._meta.label_lower not in EXCLUDED_MODELS
    ]


def stored_file_names():
    """Every name a FileField of a row points to."""
    names = set()
    for model in backed_up_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                values = model._base_manager.exclude(**{field.attname: ""}).exclude(
                    **{f"{field.attname}__isnull": True}
                )
                names.update(values.values_list(field.attname, flat=True))
    return sorted(names)


def applied_migrations():
    recorder = MigrationRecorder(connection)
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


@contextmanager
def _snapshot():
    """One consistent view of the database while it is read (REPEATABLE READ on PostgreSQL)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


class _Encoder(DjangoJSONEncoder):
    """Keeps the microseconds that DjangoJSONEncoder rounds away from dates and times."""

    def default(self, o):
        if isinstance(o, datetime.datetime) or (isinstance(o, datetime.time) and o.utcoffset() is None):
            return o.isoformat()
        return super().default(o)


def _dump(path):
    """``dumpdata`` of every backed-up model (natural foreign keys, in dependency order), with
    full-precision timestamps."""
    by_app = {}
    for model in backed_up_models():
        by_app.setdefault(model._meta.app_config, []).append(model)
    ordered = serializers.sort_dependencies(by_app.items(), allow_cycles=True)

    def rows():
        for model in ordered:
            # A foreign key written as a natural key (a user's e-mail) is read with its row, not one by one.
            natural = [
                field.name
                for field in model._meta.concrete_fields
                if field.many_to_one and hasattr(field.related_model, "natural_key")
            ]
            queryset = model._base_manager.select_related(*natural).order_by(model._meta.pk.name)
            yield from queryset.iterator(chunk_size=2000)

    with open(path, "w", encoding="utf-8") as handle:
        serializers.serialize("json", rows(), stream=handle, use_natural_foreign_keys=True, cls=_Encoder)


def _copy_out(name, target):
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with default_storage.open(name, "rb") as source, open(target, "wb") as out:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    return {"name": name, "size": size, "sha256": digest.hexdigest()}


def backup(directory, method=None):
    """Write a backup of the database and the stored files into ``directory`` (new or empty).
    ``method``: "pg_dump" (PostgreSQL's default) or "json". Returns the manifest."""
    method = method or default_method()
    if method not in ("pg_dump", "json"):
        raise BackupError(f"Méthode de sauvegarde inconnue : {method!r} (pg_dump ou json).")
    if method == "pg_dump" and connection.vendor != "postgresql":
        raise BackupError("La méthode pg_dump sauvegarde une base PostgreSQL ; avec SQLite, utilisez json.")
    root = Path(directory)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise BackupError(f"Le dossier {root} existe et n'est pas vide : choisissez un dossier nouveau ou vide.")
    root.mkdir(parents=True, exist_ok=True)
    if method == "pg_dump":
        manifest = _backup_pg_dump(root)
        _write_manifest(root, manifest)
        record(
            "backup_created",
            target=str(root),
            rows=sum(manifest["counts"].values()),
            files=len(manifest["files"]),
            missing=len(manifest["missing_files"]),
        )
        return manifest
    files, missing = [], []
    with _snapshot():
        migrations = applied_migrations()
        _dump(root / DATA)
        for name in stored_file_names():
            target = _safe_path(root, name)
            if not default_storage.exists(name):
                missing.append(name)
                continue
            files.append(_copy_out(name, target))
    with open(root / DATA, encoding="utf-8") as handle:
        counts = Counter(row["model"] for row in json.load(handle))
    data_sha256, data_size = _sha256_file(root / DATA)
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "django": django.get_version(),
        "database": connection.vendor,
        "migrations": migrations,
        "data": {"name": DATA, "size": data_size, "sha256": data_sha256},
        "counts": dict(sorted(counts.items())),
        "files": files,
        "missing_files": missing,
    }
    _write_manifest(root, manifest)
    record("backup_created", target=str(root), rows=sum(counts.values()), files=len(files), missing=len(missing))
    return manifest


# --- PostgreSQL: pg_dump / pg_restore ---------------------------------------------------------------


def default_method():
    return "pg_dump" if connection.vendor == "postgresql" else "json"


def default_jobs():
    return max(1, min(4, os.cpu_count() or 1))


def _pg_tool(name):
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} est introuvable : installez le client PostgreSQL (paquet postgresql-client) de la version du serveur."
        )
    return path


def _pg_command(tool, *args):
    """``tool`` with the connection of the default database; the password goes in the environment."""
    params = connection.settings_dict
    command = [_pg_tool(tool), "--no-password"]
    for option, value in (
        ("--host", params.get("HOST")),
        ("--port", params.get("PORT")),
        ("--username", params.get("USER")),
    ):
        if value:
            command += [option, str(value)]
    env = {**os.environ}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = params["PASSWORD"]
    sslmode = (params.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return [*command, *args, "--dbname", params["NAME"]], env


def _run(command, env):
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 (PostgreSQL's client, arguments built here)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} a échoué : {result.stderr.strip()[-2000:]}")
    return result


def _row_counts():
    """Rows per backed-up model, read in the current snapshot (PostgreSQL's statistics would be
    estimates; a count is exact)."""
    return {model._meta.label_lower: model._base_manager.count() for model in backed_up_models()}


def _backup_pg_dump(root):
    """``pg_dump -Fc`` of the whole database on the snapshot the file list is read from."""
    if connection.in_atomic_block:
        raise BackupError("La sauvegarde pg_dump ne peut pas s'exécuter dans une transaction déjà ouverte.")
    files, missing = [], []
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        command, env = _pg_command(
            "pg_dump",
            "--format=custom",
            "--compress=6",
            "--no-owner",
            "--no-privileges",
            f"--snapshot={snapshot}",
            # Sessions end with the backup (a restore signs everyone out).
            "--exclude-table-data=django_session",
            "--file",
            str(root / DUMP),
        )
        started = time.monotonic()
        _run(command, env)
        dump_seconds = time.monotonic() - started
        migrations = applied_migrations()
        counts = _row_counts()
        for name in stored_file_names():
            target = _safe_path(root, name)
            if not default_storage.exists(name):
                missing.append(name)
                continue
            files.append(_copy_out(name, target))
    dump_sha256, dump_size = _sha256_file(root / DUMP)
    return {
        "format": FORMAT_PG_DUMP,
        "created_at": timezone.now().isoformat(),
        "django": django.get_version(),
        "database": connection.vendor,
        "server_version": connection.pg_version,
        "migrations": migrations,
        "dump": {"name": DUMP, "size": dump_size, "sha256": dump_sha256, "seconds": round(dump_seconds, 1)},
        "counts": dict(sorted((label, n) for label, n in counts.items() if n)),
        "files": files,
        "missing_files": missing,
    }


def _public_tables():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        return [row[0] for row in cursor.fetchall()]


def _empty_public_schema():
    """Back to the new database the restore started from (used when a restore fails midway)."""
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")


def _check_code_schema(manifest):
    """The backup's migrations are exactly those this version of the portal ships."""
    from django.db.migrations.loader import MigrationLoader

    here = {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).graph.nodes}
    there = set(manifest["migrations"])
    if here != there:
        missing, extra = sorted(there - here), sorted(here - there)
        raise BackupError(
            "Le schéma de cette version du portail diffère de celui de la sauvegarde, rien n'a été restauré "
            f"(migrations absentes ici : {', '.join(missing[:5]) or 'aucune'} ; "
            f"en plus ici : {', '.join(extra[:5]) or 'aucune'}). Installez la version du portail qui a fait la "
            "sauvegarde, restaurez, puis mettez à jour."
        )


def _restore_pg_dump(root, manifest, jobs):
    if connection.vendor != "postgresql":
        raise BackupError("Cette sauvegarde (pg_dump) se restaure dans une base PostgreSQL.")
    _check_code_schema(manifest)
    tables = _public_tables()
    if tables:
        raise BackupError(
            "Cette base n'est pas vide, rien n'a été restauré : elle contient déjà des tables "
            f"({', '.join(tables[:5])}{'…' if len(tables) > 5 else ''}). Restaurez dans une base neuve, "
            "créée par createdb, sans « migrate »."
        )
    present = [entry["name"] for entry in manifest["files"] if default_storage.exists(entry["name"])]
    if present:
        raise BackupError(f"Le stockage des fichiers n'est pas vide ({present[0]} existe déjà), rien n'a été restauré.")
    connection.close()  # pg_restore needs the database to itself for its parallel jobs
    command, env = _pg_command(
        "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--jobs={jobs}", str(root / DUMP)
    )
    written = []
    try:
        _run(command, env)
        for entry in manifest["files"]:
            written.append(entry["name"])
            _write_file(root, entry)
        record("backup_restored", target=str(root), backup_created_at=manifest["created_at"])
    except BaseException:
        for name in written:
            default_storage.delete(name)
        connection.close()
        _empty_public_schema()
        raise
    return manifest


def _write_manifest(root, manifest):
    with open(root / MANIFEST, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=1)


def read_manifest(directory):
    path = Path(directory, MANIFEST)
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except FileNotFoundError:
        raise BackupError(f"{path} est introuvable : ce dossier n'est pas une sauvegarde.") from None
    except ValueError:
        raise BackupError(f"{path} est illisible.") from None
    if manifest.get("format") not in (FORMAT, FORMAT_PG_DUMP):
        raise BackupError(
            f"Format de sauvegarde inconnu ({manifest.get('format')!r}, attendu {FORMAT} ou {FORMAT_PG_DUMP})."
        )
    return manifest


def verify(directory, manifest):
    """Every file is there with its size and SHA-256. Raises BackupError naming the damaged ones."""
    root = Path(directory)
    database = (
        (root / DUMP, manifest["dump"]) if manifest["format"] == FORMAT_PG_DUMP else (root / DATA, manifest["data"])
    )
    expected = [database] + [(_safe_path(root, e["name"]), e) for e in manifest["files"]]
    damaged = []
    for path, entry in expected:
        try:
            sha256, size = _sha256_file(path)
        except FileNotFoundError:
            damaged.append(f"{entry['name']} (absent)")
            continue
        if (sha256, size) != (entry["sha256"], entry["size"]):
            damaged.append(f"{entry['name']} (empreinte SHA-256 différente)")
    if damaged:
        shown = ", ".join(damaged[:10]) + (f" et {len(damaged) - 10} autres" if len(damaged) > 10 else "")
        raise BackupError(f"Sauvegarde altérée, rien n'a été restauré : {shown}.")


def _check_empty():
    occupied = [
        f"{model._meta.verbose_name_plural} ({count})"
        for model in backed_up_models()
        if model._meta.label_lower not in SEEDED_MODELS and (count := model._base_manager.count())
    ]
    if occupied:
        raise BackupError(
            "Cette instance n'est pas vide, rien n'a été restauré : "
            + ", ".join(str(item) for item in occupied[:8])
            + ". Restaurez dans une base neuve (créée puis « migrate »)."
        )


def _check_schema(manifest):
    here, there = set(applied_migrations()), set(manifest["migrations"])
    if here != there:
        missing, extra = sorted(there - here), sorted(here - there)
        raise BackupError(
            "Le schéma de cette instance diffère de celui de la sauvegarde, rien n'a été restauré "
            f"(migrations absentes ici : {', '.join(missing[:5]) or 'aucune'} ; "
            f"en plus ici : {', '.join(extra[:5]) or 'aucune'}). Installez la version du portail qui a fait la "
            "sauvegarde, restaurez, puis mettez à jour."
        )


def _write_file(root, entry):
    with open(_safe_path(root, entry["name"]), "rb") as handle:
        saved = default_storage.save(entry["name"], File(handle, name=entry["name"]))
    if saved != entry["name"]:
        default_storage.delete(saved)
        raise BackupError(f"Le stockage a renommé {entry['name']} en {saved}.")
    digest = hashlib.sha256()
    with default_storage.open(saved, "rb") as stored:
        for chunk in iter(lambda: stored.read(CHUNK), b""):
            digest.update(chunk)
    if digest.hexdigest() != entry["sha256"]:
        raise BackupError(f"{entry['name']} relu après écriture ne correspond pas à la sauvegarde.")


def restore(directory, jobs=None):
    """Restore a backup into this instance, which must be empty and on the same schema (a JSON
    backup: migrated, no data; a pg_dump backup: a new database without any table). Returns the
    manifest."""
    root = Path(directory)
    manifest = read_manifest(root)
    verify(root, manifest)
    if manifest["format"] == FORMAT_PG_DUMP:
        return _restore_pg_dump(root, manifest, jobs or default_jobs())
    _check_schema(manifest)
    _check_empty()
    present = [entry["name"] for entry in manifest["files"] if default_storage.exists(entry["name"])]
    if present:
        raise BackupError(f"Le stockage des fichiers n'est pas vide ({present[0]} existe déjà), rien n'a été restauré.")
    written = []
    try:
        with transaction.atomic():
            for label in SEEDED_MODELS:
                apps.get_model(label)._base_manager.all().delete()
            call_command("loaddata", str(root / DATA), verbosity=0)
            for entry in manifest["files"]:
                written.append(entry["name"])
                _write_file(root, entry)
            record("backup_restored", target=str(root), backup_created_at=manifest["created_at"])
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    return manifest
