"""A fleet of the portal's processes on loopback, for the scale-out test and the load test.

Everything listens on 127.0.0.1; ``Fleet.close()`` stops every process and drops the database.
"""

import base64
import html
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import altcha
import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# The processes run the very commands of the deployment kit (deploy/compose.yaml).
COMPOSE = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())


def compose_command(service, **options):
    """The compose service's command, with some option values replaced (``bind="127.0.0.1:1"``)."""
    command = list(COMPOSE["services"][service]["command"])
    for name, value in options.items():
        command[command.index(f"--{name}") + 1] = value
    return [str(BIN / command[0]), *command[1:]]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=60, what="service"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (requests.ConnectionError, OSError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} did not come up in {timeout} s")


class Fleet:
    """The processes of the test, stopped (and their database dropped) at the end."""

    def __init__(self, tmp_path, database_url, *, s3=True):
        import psycopg

        self.tmp = tmp_path
        self.procs = []
        self.db_name = f"espace_scaleout_{uuid.uuid4().hex[:8]}"
        base = database_url.rsplit("/", 1)[0]
        self.admin_url = f"{base}/postgres"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir()
        self.s3_port = free_port()
        # FLEET_REDIS_DB: the Redis database this fleet may flush (sessions sharing a machine each have their own).
        redis_db = int(os.environ.get("FLEET_REDIS_DB", 7 + os.getpid() % 8))
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "ESPACE_PRODUCTION": "1",
            "SECRET_KEY": "scale-out-" + "s" * 50,
            "DATABASE_URL": f"{base}/{self.db_name}",
            "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
            "EMAIL_URL": f"filemail:///{self.mail_dir}",  # environ drops one leading slash
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SITE_URL": "https://espaceclients.example",
            "ALTCHA_MAX_NUMBER": "5000",
            "LOG_LEVEL": "WARNING",
            "STATIC_ROOT": str(tmp_path / "static"),
        }
        if s3:
            self.env.update(
                {
                    "FILE_STORAGE": "s3",
                    "S3_BUCKET": "espace-scaleout",
                    "S3_ENDPOINT_URL": f"http://127.0.0.1:{self.s3_port}",
                    "S3_REGION": "us-east-1",
                    "S3_ACCESS_KEY_ID": "testing",
                    "S3_SECRET_ACCESS_KEY": "testing",
                }
            )
        else:
            self.env.update({"FILE_STORAGE": "local", "MEDIA_ROOT": str(tmp_path / "files")})
        import redis

        redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()

    def start(self, name, args):
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs.append((name, proc, log))
        return proc

    def manage(self, *args):
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True, capture_output=True, timeout=300
        )

    def load_demo(self):
        """The demo data, into the fleet's database and file store. ``load_demo`` refuses the
        production settings (M16.3), so it runs with the embedded default's, pointed at the same
        engines: a test instance, never a deployment."""
        env = {k: v for k, v in self.env.items() if k != "ESPACE_PRODUCTION"}
        subprocess.run(
            [sys.executable, "manage.py", "load_demo"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300
        )

    def start_s3(self):
        self.start("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.s3_port)])
        wait_for(lambda: requests.get(self.env["S3_ENDPOINT_URL"], timeout=2).status_code < 500, what="moto")
        import boto3

        boto3.client(
            "s3",
            endpoint_url=self.env["S3_ENDPOINT_URL"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        ).create_bucket(Bucket=self.env["S3_BUCKET"])

    def start_web(self, name, workers="1"):
        port = free_port()
        proc = self.start(name, compose_command("web", bind=f"127.0.0.1:{port}", workers=workers))
        wait_for(lambda: requests.get(f"http://127.0.0.1:{port}/sante/pret/", timeout=5).status_code == 200, what=name)
        return port, proc

    def stop(self, proc):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def close(self):
        for _name, proc, log in reversed(self.procs):
            self.stop(proc)
            log.close()
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def sent_emails(self):
        return [
            m
            for f in self.mail_dir.iterdir()
            for m in f.read_text(errors="replace").split("\n" + "-" * 79 + "\n")
            if "Subject:" in m
        ]


class Browser:
    """A user agent that talks to whichever instance it is pointed at, over HTTP that the
    portal takes for HTTPS (X-Forwarded-Proto, as behind the reverse proxy)."""

    def __init__(self):
        self.cookies = {}

    def request(self, method, port, path, **kwargs):
        headers = {
            "X-Forwarded-Proto": "https",
            "Referer": f"https://127.0.0.1:{port}/",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        response = requests.request(
            method, f"http://127.0.0.1:{port}{path}", headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        for cookie in response.cookies:
            self.cookies[cookie.name] = cookie.value
        return response

    def csrf(self, page):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def solve_from_page(page):
    challenge = json.loads(html.unescape(re.search(r'challengejson="([^"]+)"', page.text).group(1)))
    solution = altcha.solve_challenge(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxNumber"]
    )
    payload = {key: challenge[key] for key in ("algorithm", "challenge", "salt", "signature")}
    payload["number"] = solution.number
    return base64.b64encode(json.dumps(payload).encode()).decode()
