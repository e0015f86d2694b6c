"""Backup and restore at national scale (M16.6): on PostgreSQL, ``manage.py backup`` writes
``pg_dump -Fc`` of one snapshot plus the stored files with their checksums; ``manage.py restore``
checks them, then ``pg_restore --jobs`` into a new database. A restore rehearsal: the demo instance
backed up, restored into a fresh database and file store by another process, compared field by
field and file by file."""

import json
import os
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from demo import base as demo
from ops import backup as backup_module
from support.models import Attachment, Ticket
from testing.backup import fingerprint, json_roundtrip

BASE_DIR = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump and pg_restore: PostgreSQL"),
    # pg_dump reads from its own connection: the data must be committed.
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def new_database():
    """A database just created (createdb), without any table; dropped at the end."""
    import psycopg

    params = connection.settings_dict
    name = f"restore_{uuid.uuid4().hex[:12]}"
    base = f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def instance_env(database_url, media_root):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "DATABASE_URL": database_url}
    env.update({"MEDIA_ROOT": str(media_root), "PYTHONPATH": str(BASE_DIR)})
    env.pop("ESPACE_PRODUCTION", None)
    return env


def run(args, env, check=True):
    result = subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def tables(database_url):
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]


@pytest.fixture
def demo_backup(tmp_path):
    demo.load_all()
    before = json_roundtrip(fingerprint())
    call_command("backup", str(tmp_path / "sauvegarde"), stdout=StringIO())
    return tmp_path / "sauvegarde", before


def test_the_demo_instance_restored_by_pg_restore_into_a_new_database_is_the_same(demo_backup, new_database, tmp_path):
    """M16.6: restore rehearsal on PostgreSQL, in another process, with parallel pg_restore"""
    directory, before = demo_backup
    env = instance_env(new_database, tmp_path / "fichiers-restaures")
    output = run(["manage.py", "restore", str(directory), "--jobs", "2"], env).stdout
    assert "restaurée" in output
    probe = (
        "import django, json; django.setup(); from testing.backup import fingerprint; "
        "print(json.dumps(fingerprint(), default=str))"
    )
    after = json.loads(run(["-c", probe], env).stdout)
    for key in before:
        assert after[key] == before[key], key
    # The schema came with the dump: nothing left for migrate to do; counters came with the rows.
    plan = run(["manage.py", "migrate", "--plan"], env).stdout
    assert "No planned migration operations" in plan
    check = run(
        [
            "-c",
            "import django; django.setup(); from accounts.models import User; from demo.base import DEMO_PASSWORD; "
            "from audit.models import Event; "
            "print(User.objects.get(email='admin@ch-demo.example').check_password(DEMO_PASSWORD), "
            "Event.objects.filter(action='backup_restored').count())",
        ],
        env,
    )
    assert check.stdout.split() == ["True", "1"]


def test_the_manifest_describes_the_dump_and_every_file(demo_backup):
    """M16.6: format 2, the dump's size and SHA-256, exact row counts of the snapshot, each file's checksum"""
    directory, _ = demo_backup
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["format"] == backup_module.FORMAT_PG_DUMP and manifest["database"] == "postgresql"
    dump = directory / "database.dump"
    assert dump.read_bytes()[:5] == b"PGDMP"  # PostgreSQL's custom format
    assert (manifest["dump"]["size"], manifest["dump"]["sha256"]) == (
        dump.stat().st_size,
        backup_module._sha256_file(dump)[0],
    )
    assert manifest["counts"]["support.ticket"] == Ticket.objects.count()
    names = {entry["name"] for entry in manifest["files"]}
    assert {a.file.name for a in Attachment.objects.all()} <= names
    assert not (directory / "data.json").exists()
    listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True, check=True).stdout
    assert "TABLE DATA public support_ticket" in listing and "TRIGGER public support_ticket" in listing
    assert "TABLE DATA public django_session" not in listing


def test_a_damaged_dump_is_refused_and_nothing_is_written(demo_backup, new_database, tmp_path):
    """M16.6"""
    directory, _ = demo_backup
    dump = directory / "database.dump"
    content = bytearray(dump.read_bytes())
    content[len(content) // 2] ^= 0x01
    dump.write_bytes(bytes(content))
    env = instance_env(new_database, tmp_path / "fichiers-restaures")
    result = run(["manage.py", "restore", str(directory)], env, check=False)
    assert result.returncode != 0 and "Sauvegarde altérée" in result.stderr and "database.dump" in result.stderr
    assert tables(new_database) == 0
    assert not (tmp_path / "fichiers-restaures").exists()


def test_a_database_that_already_has_tables_is_refused(demo_backup, new_database, tmp_path):
    """M16.6: a migrated (or used) database is not a target: the dump brings its own schema"""
    directory, _ = demo_backup
    env = instance_env(new_database, tmp_path / "fichiers-restaures")
    run(["manage.py", "migrate", "--noinput", "-v", "0"], env)
    count = tables(new_database)
    result = run(["manage.py", "restore", str(directory)], env, check=False)
    assert result.returncode != 0 and "Cette base n'est pas vide, rien n'a été restauré" in result.stderr
    assert tables(new_database) == count


def test_a_failure_while_writing_the_files_leaves_neither_tables_nor_files(demo_backup, new_database, tmp_path):
    """M16.6: all or nothing: the third file fails, the database is emptied again, the files written deleted"""
    directory, _ = demo_backup
    env = instance_env(new_database, tmp_path / "fichiers-restaures")
    script = (
        "import django, sys; django.setup()\n"
        "from ops import backup as b\n"
        "real, calls = b._write_file, []\n"
        "def failing(root, entry):\n"
        "    calls.append(entry['name'])\n"
        "    if len(calls) == 3:\n"
        "        raise OSError(28, 'Plus de place sur le périphérique')\n"
        "    return real(root, entry)\n"
        "b._write_file = failing\n"
        "try:\n"
        f"    b.restore({str(directory)!r})\n"
        "except OSError:\n"
        "    print('failed as planned', len(calls))\n"
    )
    assert run(["-c", script], env).stdout.strip() == "failed as planned 3"
    assert tables(new_database) == 0
    restored = tmp_path / "fichiers-restaures"
    assert not restored.exists() or not [p for p in restored.rglob("*") if p.is_file()]


def test_pg_dump_refuses_sqlite_and_an_open_transaction(tmp_path):
    """M16.6: the method is PostgreSQL's; its snapshot is its own transaction"""
    from django.db import transaction

    with transaction.atomic(), pytest.raises(backup_module.BackupError, match="transaction"):
        backup_module.backup(tmp_path / "b", method="pg_dump")
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("backup", str(tmp_path / "c"), "--format", "xml")
