"""Shared test fixtures: personas of two establishments and of the vendor, captcha solving."""

import base64
import json
import os
import shutil

import altcha
import pytest
from django.conf import settings
from django.test import Client, TestCase
from django_altcha import get_altcha_challenge

from accounts.models import Role, User
from establishments.models import Contract, Establishment, Product

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright + live_server share a thread

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "files")


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cache_down(monkeypatch):
    """Reads and writes of the cache fail, as with Redis unreachable."""
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("Redis unreachable")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)


class CommitClient(Client):
    """A test client whose requests run their on-commit side effects (e-mails) as in production:
    the test's wrapping transaction never commits, so callbacks are run when the request ends."""

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def client():
    return CommitClient()


def solve_captcha():
    """A valid ALTCHA payload, solved in Python as a browser would."""
    challenge = get_altcha_challenge(max_number=settings.ALTCHA_MAX_NUMBER)
    solution = altcha.solve_challenge(challenge)
    payload = {
        "algorithm": challenge.algorithm,
        "challenge": challenge.challenge,
        "number": solution.number,
        "salt": challenge.salt,
        "signature": challenge.signature,
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


@pytest.fixture
def captcha():
    return solve_captcha


def make_user(email, establishment=None, role=Role.AGENT, **fields):
    fields.setdefault("first_name", email.split("@")[0].capitalize())
    fields.setdefault("last_name", "Testeur")
    return User.objects.create_user(email, PASSWORD, establishment=establishment, role=role, **fields)


@pytest.fixture
def products(db):
    return {
        "software": Product.objects.create(name="Indeline", kind=Product.Kind.SOFTWARE),
        "software2": Product.objects.create(name="Winpaie", kind=Product.Kind.SOFTWARE),
        "legal": Product.objects.create(name="Juridem", kind=Product.Kind.LEGAL),
    }


def _establishment(name, code, products):
    from datetime import date

    est = Establishment.objects.create(name=name, city="Lyon", finess=code * 9, siret=code * 14)
    Contract.objects.create(
        establishment=est, product=products["software"], reference=f"CT-{code}-SW", start_date=date(2020, 1, 1)
    )
    Contract.objects.create(
        establishment=est, product=products["legal"], reference=f"CT-{code}-JUR", start_date=date(2020, 1, 1)
    )
    Contract.objects.create(
        establishment=est,
        product=products["software2"],
        reference=f"CT-{code}-OLD",
        start_date=date(2015, 1, 1),
        end_date=date(2019, 12, 31),
    )
    return est


@pytest.fixture
def est_a(products):
    return _establishment("Centre Hospitalier Alpha", "1", products)


@pytest.fixture
def est_b(products):
    return _establishment("EHPAD Bêta", "2", products)


@pytest.fixture
def agent(est_a):
    return make_user("agent@alpha.example", est_a, Role.AGENT, first_name="Alice", last_name="Agent")


@pytest.fixture
def colleague(est_a):
    return make_user("collegue@alpha.example", est_a, Role.AGENT, first_name="Camille", last_name="Collègue")


@pytest.fixture
def est_admin(est_a):
    return make_user("admin@alpha.example", est_a, Role.ADMIN, first_name="Adèle", last_name="Admin")


@pytest.fixture
def referent(est_a):
    return make_user("referent@alpha.example", est_a, Role.REFERENT, first_name="Rémi", last_name="Référent")


@pytest.fixture
def other_agent(est_b):
    return make_user("agent@beta.example", est_b, Role.AGENT, first_name="Bruno", last_name="Bêta")


@pytest.fixture
def other_admin(est_b):
    return make_user("admin@beta.example", est_b, Role.ADMIN, first_name="Berthe", last_name="Bêta")


@pytest.fixture
def support(db):
    return make_user("support@vendor.example", None, Role.SUPPORT_SOFTWARE, first_name="Sam", last_name="Support")


@pytest.fixture
def legal_support(db):
    return make_user("juridique@vendor.example", None, Role.SUPPORT_LEGAL, first_name="Jade", last_name="Juriste")


@pytest.fixture
def vendor_admin(db):
    return make_user("superviseur@vendor.example", None, Role.VENDOR_ADMIN, first_name="Victor", last_name="Vendeur")


# --- Browser tests (Playwright on Debian's Chromium) --------------------------------------
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": shutil.which("chromium"), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris"}
