"""Load test without errors (issue 5): mixed client traffic against gunicorn + PostgreSQL.

Starts the portal (production settings, 2 gunicorn workers, a Celery worker) on loopback with the
demo data in a fresh PostgreSQL database, runs N virtual users for a bounded time (dashboard,
lists, details, new DIs with an attachment, messages), then checks that no response was a 5xx and
that every DI and message posted is in the database. Stops everything and drops the database.

    .venv/bin/python tools/loadtest.py --duration 60 --users 16
"""

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.fleet import Browser, Fleet, compose_command, solve_from_page  # noqa: E402

CLIENTS = [
    "agent@ch-demo.example",
    "agent2@ch-demo.example",
    "referent@ch-demo.example",
    "admin@ch-demo.example",
    "admin@ehpad-demo.example",
    "agent@ehpad-demo.example",
]
PASSWORD = "demo-Espace-2026"
PDF = b"%PDF-1.4\n% load test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class VirtualUser(threading.Thread):
    def __init__(self, port, email, deadline, results, seed):
        super().__init__(daemon=True)
        self.port, self.email, self.deadline, self.results = port, email, deadline, results
        self.random = random.Random(seed)
        self.browser = Browser()
        self.own = []  # detail paths of the DIs this user filed
        self.filed, self.posted = [], []

    def call(self, kind, method, path, **kwargs):
        start = time.monotonic()
        response = self.browser.request(method, self.port, path, **kwargs)
        self.results[kind].append((response.status_code, time.monotonic() - start))
        return response

    def login(self):
        page = self.call("login_page", "GET", "/connexion/")
        data = {
            "username": self.email,
            "password": PASSWORD,
            "captcha": solve_from_page(page),
            "csrfmiddlewaretoken": self.browser.csrf(page),
        }
        assert self.call("login", "POST", "/connexion/", data=data).status_code == 302

    def file_di(self):
        form = self.call("file_form", "GET", "/support/deposer/")
        contracts = re.findall(r'<option value="(\d+)"', form.text)
        token = uuid.uuid4().hex
        response = self.call(
            "file_post",
            "POST",
            "/support/deposer/",
            data={
                "csrfmiddlewaretoken": self.browser.csrf(form),
                "contract": self.random.choice(contracts),
                "subject": f"Charge {token}",
                "description": "Demande déposée par le test de charge.",
            },
            files={"files": ("capture.pdf", PDF, "application/pdf")},
        )
        if response.status_code == 302:
            self.filed.append(token)
            self.own.append(response.headers["Location"])

    def post_message(self):
        path = self.random.choice(self.own)
        page = self.call("detail", "GET", path)
        if 'name="message-body"' not in page.text:
            return
        token = uuid.uuid4().hex
        response = self.call(
            "message_post",
            "POST",
            f"{path}message/",
            data={"csrfmiddlewaretoken": self.browser.csrf(page), "message-body": f"Message {token}"},
        )
        if response.status_code == 302:
            self.posted.append(token)

    def run(self):
        self.login()
        while time.monotonic() < self.deadline:
            roll = self.random.random()
            if roll < 0.30:
                self.call("dashboard", "GET", "/")
            elif roll < 0.55:
                self.call("list", "GET", "/support/dis/")
            elif roll < 0.65:
                self.call("list_filtered", "GET", "/support/dis/?statut=in_progress&tri=-activite")
            elif roll < 0.80 and self.own:
                self.call("detail", "GET", self.random.choice(self.own))
            elif roll < 0.90 and self.own:
                self.post_message()
            else:
                self.file_di()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    parser.add_argument("--users", type=int, default=16, help="virtual users (default 16)")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/espace_clients")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        fleet = Fleet(Path(tmp), args.database_url, s3=False)
        try:
            fleet.manage("collectstatic", "--noinput")
            fleet.manage("migrate", "--noinput")
            fleet.load_demo()
            port, _ = fleet.start_web("web", workers="2")
            fleet.start("worker", compose_command("worker", concurrency="1", loglevel="WARNING"))
            results = defaultdict(list)
            started = time.monotonic()
            deadline = started + args.duration
            users = [VirtualUser(port, CLIENTS[i % len(CLIENTS)], deadline, results, seed=i) for i in range(args.users)]
            for user in users:
                user.start()
            for user in users:
                user.join(timeout=args.duration + 120)
            elapsed = time.monotonic() - started
            report = check(fleet, users, results, elapsed)
        finally:
            fleet.close()
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0 if report["errors_5xx"] == 0 and report["lost_writes"] == 0 and report["stuck_users"] == 0 else 1


def check(fleet, users, results, elapsed):
    import psycopg

    filed = [t for u in users for t in u.filed]
    posted = [t for u in users for t in u.posted]
    with psycopg.connect(fleet.env["DATABASE_URL"]) as conn:
        stored_dis = conn.execute(
            "SELECT count(*) FROM support_ticket WHERE subject = ANY(%s)", [[f"Charge {t}" for t in filed]]
        ).fetchone()[0]
        stored_messages = conn.execute(
            "SELECT count(*) FROM support_message WHERE body = ANY(%s)", [[f"Message {t}" for t in posted]]
        ).fetchone()[0]
    requests_total = sum(len(v) for v in results.values())
    all_latencies = [latency for v in results.values() for _status, latency in v]
    return {
        "duration_s": round(elapsed, 1),
        "users": len(users),
        "requests": requests_total,
        "requests_per_s": round(requests_total / elapsed, 1),
        "p50_ms": round(statistics.median(all_latencies) * 1000, 1) if all_latencies else 0,
        "p99_ms": round(percentile(all_latencies, 0.99) * 1000, 1),
        "errors_5xx": sum(1 for v in results.values() for status, _ in v if status >= 500),
        "statuses": {
            kind: {str(s): sum(1 for st, _ in v if st == s) for s in sorted({st for st, _ in v})}
            for kind, v in sorted(results.items())
        },
        "dis_filed": len(filed),
        "dis_stored": stored_dis,
        "messages_posted": len(posted),
        "messages_stored": stored_messages,
        "lost_writes": (len(filed) - stored_dis) + (len(posted) - stored_messages),
        "stuck_users": sum(1 for u in users if u.is_alive()),
    }


if __name__ == "__main__":
    sys.exit(main())
