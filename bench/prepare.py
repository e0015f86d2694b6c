"""Makes the benchmark's database ready: ``python -m bench.prepare SCALE`` (run by bench.run with
the server's environment). Reuses the data set of that scale when its marker row is there;
otherwise creates the database afresh, migrates it and generates the data set. Prints the data
set's facts as JSON on its last line.

``python -m bench.prepare SCALE --cleanup SINCE`` deletes what the benchmark's POSTs added
after SINCE (an ISO timestamp): the data set stays the same from one run to the next.
"""

import json
import os
import sys
import time
from pathlib import Path

import psycopg


def _marker(url, scale):
    from bench.data import VERSION

    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            if conn.execute("SELECT to_regclass('bench_dataset')").fetchone()[0] is None:
                return None
            row = conn.execute(
                "SELECT facts FROM bench_dataset WHERE scale = %s AND version = %s", [scale, VERSION]
            ).fetchone()
            return row[0] if row else None
    except psycopg.OperationalError:
        return None


def _recreate(url):
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def prepare(scale, log):
    url = os.environ["DATABASE_URL"]
    facts = _marker(url, scale)
    if facts is None:
        log(f"Data set of scale {scale:g}: none in {url.rsplit('/', 1)[1]}, generating it.")
        _recreate(url)
    import django

    django.setup()
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", "--noinput", verbosity=0)
    if facts is not None:
        from bench.data import write_files

        # The rows are kept in PostgreSQL, the files under this checkout's MEDIA_ROOT: a fresh
        # checkout (CI) reuses the rows and writes the files again.
        facts["download_path"] = str(write_files(scale, Path(os.environ["MEDIA_ROOT"])))
        log(f"Data set of scale {scale:g} found (generated in {facts['seconds']} s): reused.")
        if "kb" not in facts:
            from bench.data import add_articles

            # Generated before the knowledge base: its articles are added, the rest is kept.
            log("Adding the knowledge base's articles to it.")
            facts = add_articles(scale, facts, log=log)
        if "history" not in facts:
            from bench.data import add_history

            # Generated before the DI pages' DI had its history: its events are added.
            log("Adding the history of the DI pages' DI to it.")
            facts = add_history(scale, facts, log=log)
        return facts
    migrate_seconds = round(time.monotonic() - started, 1)
    from bench.data import generate

    facts = generate(scale, media_root=Path(os.environ["MEDIA_ROOT"]), log=log)
    from bench.data import add_history

    facts = add_history(scale, facts, log=log)
    facts["timings"]["migrate"] = migrate_seconds
    log(f"Data set generated in {facts['seconds']} s (+ {migrate_seconds} s of migrations).")
    return facts


def cleanup(since):
    """Remove the DIs filed by the benchmark's POSTs (and their rows and files)."""
    import django

    django.setup()
    from django.core.files.storage import default_storage
    from django.db import transaction

    from downloads.models import DownloadEvent
    from notifications.models import OutgoingEmail
    from notifications.services import emails_delete
    from support.models import Attachment, Message, Ticket, TicketEvent

    with transaction.atomic():
        tickets = Ticket.objects.filter(created_at__gte=since, subject__startswith="[banc d'essai]")
        files = list(Attachment.objects.filter(ticket__in=tickets).values_list("file", flat=True))
        TicketEvent.objects.filter(ticket__in=tickets).delete()
        Attachment.objects.filter(ticket__in=tickets).delete()
        Message.objects.filter(ticket__in=tickets).delete()
        count = tickets.delete()[0]
        emails_delete(OutgoingEmail.objects.filter(created_at__gte=since))
        DownloadEvent.objects.filter(created_at__gte=since).delete() if hasattr(DownloadEvent, "created_at") else None
    for name in files:
        default_storage.delete(name)
    return count


def main():
    scale = float(sys.argv[1])
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    def log(message):
        print(message, file=sys.stderr, flush=True)

    if "--cleanup" in sys.argv:
        print(json.dumps({"deleted": cleanup(sys.argv[sys.argv.index("--cleanup") + 1])}))
        return
    print(json.dumps(prepare(scale, log)))


if __name__ == "__main__":
    main()
