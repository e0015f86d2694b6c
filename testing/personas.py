"""The people of the tests: two establishments (« Centre Hospitalier Alpha », « EHPAD Bêta »), each
with contracts on the three products, their users of every profile, and the vendor's staff."""

from datetime import date

import pytest

from accounts.models import Role, User
from establishments.models import Contract, Establishment, Product

PASSWORD = "correct-horse-battery-staple"


def make_user(email, establishment=None, role=Role.AGENT, **fields):
    fields.setdefault("first_name", email.split("@")[0].capitalize())
    fields.setdefault("last_name", "Testeur")
    return User.objects.create_user(email, PASSWORD, establishment=establishment, role=role, **fields)


def make_establishment(name, code, products):
    """An establishment with an active contract on the software (``CT-<code>-SW``) and the legal
    product (``CT-<code>-JUR``), and one ended on the second software (``CT-<code>-OLD``)."""
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
def products(db):
    return {
        "software": Product.objects.create(name="Indeline", kind=Product.Kind.SOFTWARE),
        "software2": Product.objects.create(name="Winpaie", kind=Product.Kind.SOFTWARE),
        "legal": Product.objects.create(name="Juridem", kind=Product.Kind.LEGAL),
    }


@pytest.fixture
def est_a(products):
    return make_establishment("Centre Hospitalier Alpha", "1", products)


@pytest.fixture
def est_b(products):
    return make_establishment("EHPAD Bêta", "2", products)


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
