import json
import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import Event
from core.observability import JsonFormatter
from notifications.models import EmailBody, OutgoingEmail
from ops.maintenance import purge_expired_data

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "ESPACE_PRODUCTION": "1",
    "SECRET_KEY": "k" * 60,
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/espace_clients",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_URL": "smtp://127.0.0.1:25",
    "ALLOWED_HOSTS": "espaceclients.example",
}


def run_check(env_overrides, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "DJANGO_SETTINGS_MODULE"}
    env.update(PRODUCTION_ENV)
    env.update(env_overrides)
    for name in drop:
        env.pop(name, None)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_take_every_engine_from_the_environment():
    """M10"""
    result = run_check({})
    assert result.returncode == 0, result.stderr
    assert "RedisCache" in result.stdout


@pytest.mark.parametrize(
    "drop,overrides,named",
    [
        (["SECRET_KEY"], {}, "SECRET_KEY"),
        (["DATABASE_URL"], {}, "DATABASE_URL"),
        (["REDIS_URL"], {}, "REDIS_URL"),
        (["EMAIL_URL"], {}, "EMAIL_URL"),
        ([], {"REDIS_URL": "http://nope"}, "REDIS_URL"),
        ([], {"DATABASE_URL": "sqlite:////tmp/x.sqlite3"}, "DATABASE_URL"),
        ([], {"SECRET_KEY": "short"}, "SECRET_KEY"),
        ([], {"FILE_STORAGE": "s3"}, "S3_BUCKET"),
        ([], {"FILE_STORAGE": "ftp"}, "FILE_STORAGE"),
        ([], {"FILE_SERVE_MODE": "ftp"}, "FILE_SERVE_MODE"),
        ([], {"AXES_FAILURE_LIMIT": "beaucoup"}, "AXES_FAILURE_LIMIT"),
    ],
)
def test_a_missing_or_malformed_variable_stops_start_up_naming_it(drop, overrides, named):
    """M10"""
    result = run_check(overrides, drop)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr


def test_s3_storage_is_selected_by_the_environment():
    """M6 M10"""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.core.files.storage import storages; s = storages['default']; print(type(s).__name__, s.bucket_name, s.default_acl)",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            **PRODUCTION_ENV,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "FILE_STORAGE": "s3",
            "S3_BUCKET": "espace",
            "S3_ACCESS_KEY_ID": "k",
            "S3_SECRET_ACCESS_KEY": "s",
            "S3_ENDPOINT_URL": "http://127.0.0.1:9",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["S3Storage", "espace", "private"]


@pytest.mark.django_db
def test_liveness_answers_without_dependencies(client):
    """M10"""
    response = client.get(reverse("portal:liveness"))
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_checks_database_cache_and_storage(client):
    """M10"""
    response = client.get(reverse("portal:readiness"))
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "storage": "ok"}


@pytest.mark.django_db
def test_readiness_reports_a_failing_dependency_with_503(client):
    """M10"""
    with mock.patch("django.core.files.storage.default_storage.exists", side_effect=OSError("disque absent")):
        response = client.get(reverse("portal:readiness"))
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "erreur"


def test_each_request_is_logged_once_with_ids_and_no_token(client, agent, caplog):
    """M10"""
    client.force_login(agent)
    with caplog.at_level(logging.INFO, logger="espace.request"):
        response = client.get(reverse("portal:home"), HTTP_X_REQUEST_ID="abc-123")
        client.get("/mot-de-passe/MQ/abc-secret-token/")
    assert response["X-Request-ID"] == "abc-123"
    records = [r for r in caplog.records if r.name == "espace.request"]
    home = records[0]
    assert (home.status, home.user_id, home.establishment_id) == (200, agent.pk, agent.establishment_id)
    line = JsonFormatter().format(home)
    assert json.loads(line)["path"] == "/"
    assert all("abc-secret-token" not in r.getMessage() and "abc-secret-token" not in r.path for r in records)


def test_a_forged_request_id_is_replaced(client, db, caplog):
    """M10"""
    response = client.get(reverse("portal:liveness"), HTTP_X_REQUEST_ID="x\ninjected")
    assert "\n" not in response["X-Request-ID"] and len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_purge_removes_only_what_is_past_its_retention(settings):
    """M10"""
    settings.RETENTION_EMAIL_DAYS = 30
    settings.RETENTION_AUDIT_DAYS = 100
    old = timezone.now() - timedelta(days=200)
    shared, alone = EmailBody.objects.create(text="b"), EmailBody.objects.create(text="c")
    sent_old = OutgoingEmail.objects.create(to="a@x.example", subject="s", body=shared, template="t", status="sent")
    pending_old = OutgoingEmail.objects.create(to="b@x.example", subject="s", body=shared, template="t")
    failed_old = OutgoingEmail.objects.create(to="a@x.example", subject="s", body=alone, template="t", status="failed")
    OutgoingEmail.objects.filter(pk__in=[sent_old.pk, pending_old.pk, failed_old.pk]).update(created_at=old)
    EmailBody.objects.update(created_at=old)
    recent = Event.objects.create(action="login_succeeded")
    ancient = Event.objects.create(action="login_succeeded")
    Event.objects.filter(pk=ancient.pk).update(created_at=old)
    counts = purge_expired_data()
    assert counts["emails"] == 2 and counts["events"] == 1
    assert OutgoingEmail.objects.filter(pk=pending_old.pk).exists()  # never drop an unsent e-mail
    assert list(EmailBody.objects.all()) == [shared]  # a body goes with the last e-mail that used it
    assert Event.objects.filter(pk=recent.pk).exists()
    assert purge_expired_data()["emails"] == 0  # idempotent


@pytest.mark.django_db
def test_purge_command_prints_a_summary(capsys):
    """M10"""
    call_command("purge_expired_data")
    assert "sessions" in capsys.readouterr().out
