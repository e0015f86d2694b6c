"""The demo data (a published password, a published second-factor key) never reaches production,
and the benchmark's unauthenticated views exist only under the benchmark's own settings."""

import importlib

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from accounts.models import User
from demo import base as demo
from testing.production import run_in_production


def test_load_demo_refuses_under_the_production_settings():
    """M16.3: a real process with ESPACE_PRODUCTION=1 stops before touching the database"""
    result = run_in_production(["manage.py", "load_demo"])
    assert result.returncode != 0
    assert "Données de démonstration refusées" in result.stderr and "ESPACE_PRODUCTION=1" in result.stderr
    assert "demo-Espace-2026" not in result.stdout + result.stderr
    # The database named does not exist: the refusal came first (no connection error).
    assert "espace_never_created" not in result.stderr


def test_demo_2fa_code_refuses_under_the_production_settings():
    """M16.3"""
    result = run_in_production(["manage.py", "demo_2fa_code"])
    assert result.returncode != 0 and "Données de démonstration refusées" in result.stderr


@pytest.mark.django_db
def test_load_demo_and_load_all_create_nothing_when_production_is_set(settings):
    """M16.3: the command and the function both refuse (a shell cannot go round the command)"""
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="Données de démonstration refusées"):
        call_command("load_demo")
    with pytest.raises(demo.DemoRefused):
        demo.load_all()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_the_benchmark_views_answer_only_under_the_benchmarks_settings(agent):
    """M16.3: /banc-essai/ is 404 with the portal's URLconf, 200 with bench.server_settings'"""
    client = Client()
    client.force_login(agent)
    assert client.get("/banc-essai/fixe/").status_code == 404
    bench_settings = importlib.import_module("bench.server_settings")
    assert bench_settings.ROOT_URLCONF == "bench.urls"
    with override_settings(ROOT_URLCONF=bench_settings.ROOT_URLCONF):
        response = client.get("/banc-essai/fixe/")
        assert response.status_code == 200 and b"Banc d'essai" in response.content
    assert client.get("/banc-essai/fixe/").status_code == 404


def test_the_production_settings_module_never_routes_the_benchmark():
    """M16.3: in a production process, config.urls has no /banc-essai/ route"""
    probe = (
        "import django; django.setup(); from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/banc-essai/fixe/'); print('routed')\nexcept Resolver404:\n    print('absent')"
    )
    result = run_in_production(["-c", probe])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "absent"
