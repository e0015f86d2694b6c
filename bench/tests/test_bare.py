"""The bare Django project the benchmark serves next to the portal (bench/bare/, issue 18 item 1):
Django's default middleware, no portal app, the same pages as the portal's ceilings, views that
read neither the session nor the user; and the report's ratios to both pairs of ceilings."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import django

from bench import run
from bench.pages import FIXED_PAGE
from support.models import Status

ROOT = Path(__file__).resolve().parents[2]


def _template_list(name):
    """A list assigned in the settings that ``django-admin startproject`` writes."""
    source = (Path(django.__file__).parent / "conf/project_template/project_name/settings.py-tpl").read_text()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and node.targets[0].id == name:
            return ast.literal_eval(node.value)
    raise AssertionError(name)


def test_the_bare_project_has_djangos_default_middleware_and_no_portal_app(monkeypatch):
    """M10"""
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/unused.sqlite3")
    code = "import bench.bare.settings as s, json; print(json.dumps([s.MIDDLEWARE, s.INSTALLED_APPS]))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    middleware, apps = json.loads(result.stdout)
    assert middleware == _template_list("MIDDLEWARE")
    assert set(apps) - set(_template_list("INSTALLED_APPS")) == {"bench.bare"}


def test_the_bare_models_status_labels_are_the_portals():
    """M10"""
    code = "from bench.bare.models import STATUS_CHOICES; print(STATUS_CHOICES)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.bare.settings", "SECRET_KEY": "x" * 50}
    env["DATABASE_URL"] = "sqlite:////tmp/unused.sqlite3"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert ast.literal_eval(result.stdout.strip()) == [(value, str(label)) for value, label in Status.choices]


PROBE = """
import django, json
django.setup()
from datetime import datetime, UTC
from django.db import connection
from django.test import Client
from bench.bare.models import Ticket
with connection.schema_editor() as editor:
    editor.create_model(Ticket)
moment = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ticket = Ticket.objects.create(number="DI-2026-000042", subject="Paie <bloquée>", status="closed",
                               created_at=moment, last_activity_at=moment)
client = Client()
client.cookies["sessionid"] = "anything"
out = {}
for name, path in (("fixed", "/banc-essai/fixe/"), ("row", f"/banc-essai/une-ligne/{ticket.pk}/"),
                   ("missing", "/banc-essai/une-ligne/999/")):
    response = client.get(path)
    request = response.wsgi_request
    out[name] = {"status": response.status_code, "body": response.content.decode(),
                 "session_read": request.session.accessed,
                 "user_read": request.user._wrapped is not django.utils.functional.empty}
print(json.dumps(out))
"""


def test_the_bare_pages_read_neither_the_session_nor_the_user(tmp_path):
    """M10"""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.bare.settings", "SECRET_KEY": "x" * 50}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'bare.sqlite3'}"
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["fixed"]["status"] == 200 and out["fixed"]["body"].encode() == FIXED_PAGE
    assert out["row"]["status"] == 200
    assert "DI-2026-000042" in out["row"]["body"] and "Paie &lt;bloquée&gt;" in out["row"]["body"]
    assert "Clôturée" in out["row"]["body"] and "02/03/2026 10:30" in out["row"]["body"]  # Paris time
    assert out["missing"]["status"] == 404
    for page in ("fixed", "row"):
        assert not out[page]["session_read"] and not out[page]["user_read"]


def _result(key, rps):
    return {"key": key, "label": key, "rps": rps, "p50_ms": 5.0, "p99_ms": 50.0, "errors": 0, "load_before": 1.0}


def test_the_report_gives_every_page_against_both_pairs_of_ceilings():
    """M10"""
    results = [
        _result("bare_fixed", 4000),
        _result("bare_row", 1000),
        _result("ceiling_fixed", 400),
        _result("ceiling_row", 200),
        _result("dashboard", 100),
    ]
    ceilings = run.ceilings_for(results)
    line = run.table(results, ceilings).splitlines()[-1]
    assert "| 0.03 | 0.10 | 0.25 | 0.50 |" in line
    goals = {g["endpoint"]: g for g in run.goals(results, ceilings, None)}
    assert goals["ceiling_fixed"] == {"endpoint": "ceiling_fixed", "share_of_bare_fixed": 0.1, "fixed_ok": False}
    assert goals["dashboard"]["bare_ratio"] == 0.1 and not goals["dashboard"]["bare_ratio_ok"]
    assert goals["dashboard"]["ratio"] == 0.5 and goals["dashboard"]["ratio_ok"]
    assert set(goals) == {"ceiling_fixed", "dashboard"}
