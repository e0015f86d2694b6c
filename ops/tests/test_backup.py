"""Backup and restore (issue 5, item 7), the JSON format (SQLite's, and PostgreSQL's with
``--format json``; the pg_dump format is tested in test_backup_pg_dump.py): ``manage.py backup``
dumps the database and the stored files with a manifest; ``manage.py restore`` puts them back into an empty instance, checking every
checksum; a restored instance holds every DI, message, attachment and account."""

import json
import os
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from accounts.models import User
from audit.models import Event
from demo import base as demo
from downloads.models import DownloadFile
from ops import backup as backup_module
from support.models import Attachment, Message, Ticket
from testing.backup import fingerprint, json_roundtrip

BASE_DIR = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


# --- A fresh instance, in another process -------------------------------------------------------


@pytest.fixture
def fresh_database(tmp_path):
    """The DATABASE_URL of a new, empty database: a SQLite file, or a PostgreSQL database."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    params = connection.settings_dict
    name = f"restore_{uuid.uuid4().hex[:12]}"
    admin_url = f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(args, env, **kwargs):
    result = subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=600, **kwargs
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_a_populated_instance_restored_into_a_fresh_one_holds_every_di_message_attachment_and_account(
    tmp_path, fresh_database
):
    """M3 M4 M6 M10: back up the demo instance, restore it into a new database and file store in
    another process, compare field by field and file by file."""
    demo.load_all()
    assert Attachment.objects.exists() and DownloadFile.objects.exists() and Message.objects.exists()
    before = json_roundtrip(fingerprint())
    call_command("backup", str(tmp_path / "sauvegarde"), "--format", "json", stdout=StringIO())

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": fresh_database,
        "MEDIA_ROOT": str(tmp_path / "fichiers-restaures"),
        "PYTHONPATH": str(BASE_DIR),
    }
    env.pop("ESPACE_PRODUCTION", None)
    run(["manage.py", "migrate", "--noinput", "-v", "0"], env)
    output = run(["manage.py", "restore", str(tmp_path / "sauvegarde")], env)
    assert "restaurée" in output
    after = json.loads(
        run(
            [
                "-c",
                "import django, json; django.setup(); from testing.backup import fingerprint; "
                "print(json.dumps(fingerprint(), default=str))",
            ],
            env,
        )
    )
    for key in before:
        assert after[key] == before[key], key
    # The restored instance answers a login with its restored password.
    check = run(
        [
            "-c",
            "import django; django.setup(); from accounts.models import User; from demo.base import DEMO_PASSWORD; "
            "print(User.objects.get(email='admin@ch-demo.example').check_password(DEMO_PASSWORD))",
        ],
        env,
    )
    assert check.strip() == "True"


# --- The manifest ---------------------------------------------------------------------------------


def test_the_manifest_counts_the_rows_and_fingerprints_every_stored_file(tmp_path):
    """M10"""
    demo.load_all()
    manifest = backup_module.backup(tmp_path / "b", method="json")
    assert manifest["counts"]["support.ticket"] == Ticket.objects.count()
    assert manifest["counts"]["accounts.user"] == User.objects.count()
    assert manifest["counts"]["support.attachment"] == Attachment.objects.count()
    assert "sessions.session" not in manifest["counts"] and "contenttypes.contenttype" not in manifest["counts"]
    listed = {entry["name"]: entry for entry in manifest["files"]}
    for attachment in Attachment.objects.all():
        entry = listed[attachment.file.name]
        assert (entry["sha256"], entry["size"]) == (attachment.sha256, attachment.size)
        assert (tmp_path / "b" / "files" / attachment.file.name).read_bytes() == attachment.file.open("rb").read()
    for download in DownloadFile.objects.all():
        assert listed[download.file.name]["sha256"] == download.sha256
    assert manifest["missing_files"] == []
    assert Event.objects.filter(action="backup_created", target=str(tmp_path / "b")).exists()
    assert json.loads((tmp_path / "b" / "manifest.json").read_text()) == manifest


def test_a_file_missing_from_the_storage_is_reported_not_fatal(tmp_path):
    """M10"""
    demo.load_all()
    lost = Attachment.objects.first()
    default_storage.delete(lost.file.name)
    manifest = backup_module.backup(tmp_path / "b", method="json")
    assert manifest["missing_files"] == [lost.file.name]


def test_backup_refuses_a_directory_that_is_not_empty(tmp_path):
    """M10"""
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "autre.txt").write_text("déjà là")
    with pytest.raises(CommandError, match="n'est pas vide"):
        call_command("backup", str(tmp_path / "b"))


# --- Restore: refusals and all-or-nothing (in this process, into this empty test database) ----


@pytest.fixture
def backed_up(tmp_path, settings):
    """A backup of the demo instance, then the instance emptied again (rows rolled back, files gone)."""
    with transaction.atomic():
        demo.load_all()
        expected = json_roundtrip(fingerprint())
        backup_module.backup(tmp_path / "b", method="json")
        transaction.set_rollback(True)
    for path in sorted(Path(settings.MEDIA_ROOT).rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    assert not User.objects.exists()
    return tmp_path / "b", expected


def test_restore_into_this_empty_instance_gives_back_the_same_data(backed_up):
    """M10"""
    directory, expected = backed_up
    call_command("restore", str(directory), stdout=StringIO())
    assert json_roundtrip(fingerprint()) == expected
    assert Event.objects.filter(action="backup_restored").count() == 1


def test_restore_refuses_an_instance_that_is_not_empty(backed_up):
    """M10"""
    directory, _ = backed_up
    call_command("restore", str(directory), stdout=StringIO())
    users = User.objects.count()
    with pytest.raises(CommandError, match="n'est pas vide, rien n'a été restauré"):
        call_command("restore", str(directory))
    assert User.objects.count() == users


@pytest.mark.parametrize("damaged", ["data.json", "an attachment"])
def test_restore_refuses_a_damaged_backup_and_writes_nothing(backed_up, settings, damaged):
    """M10"""
    directory, _ = backed_up
    manifest = json.loads((directory / "manifest.json").read_text())
    name = "data.json" if damaged == "data.json" else "files/" + manifest["files"][0]["name"]
    path = directory / name
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    path.write_bytes(bytes(content))
    with pytest.raises(CommandError, match="Sauvegarde altérée") as error:
        call_command("restore", str(directory))
    assert name.removeprefix("files/") in str(error.value)
    assert not User.objects.exists()
    assert not Path(settings.MEDIA_ROOT).exists() or not any(Path(settings.MEDIA_ROOT).rglob("*.*"))


def test_restore_refuses_a_backup_of_another_schema(backed_up):
    """M10"""
    directory, _ = backed_up
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["migrations"].append("support.9999_from_the_future")
    (directory / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="schéma"):
        call_command("restore", str(directory))
    assert not User.objects.exists()


def test_restore_refuses_a_file_name_that_would_leave_the_backup(backed_up):
    """M10"""
    directory, _ = backed_up
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["files"][0]["name"] = "../../etc/passwd"
    (directory / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="Nom de fichier refusé"):
        call_command("restore", str(directory))


def test_a_storage_failure_midway_leaves_neither_rows_nor_files(backed_up, settings):
    """M10"""
    directory, _ = backed_up
    real_write, calls = backup_module._write_file, []

    def failing_write(root, entry):
        calls.append(entry["name"])
        if len(calls) == 3:
            raise OSError(28, "Plus de place sur le périphérique")
        return real_write(root, entry)

    with mock.patch.object(backup_module, "_write_file", failing_write), pytest.raises(OSError):
        call_command("restore", str(directory))
    assert len(calls) == 3
    assert not User.objects.exists() and not Ticket.objects.exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_restore_of_something_that_is_not_a_backup_is_refused(tmp_path):
    """M10"""
    with pytest.raises(CommandError, match="n'est pas une sauvegarde"):
        call_command("restore", str(tmp_path))
