import pytest
from django.core.management import call_command

from accounts.models import Role, User
from establishments.models import Contract, Establishment
from portal.demo import DEMO_PASSWORD


@pytest.mark.django_db
def test_demo_data_holds_the_accounts_of_the_readme(capsys):
    """M1.1 M4.2"""
    call_command("load_demo")
    expected = {
        "admin@ch-demo.example": Role.ADMIN,
        "agent@ch-demo.example": Role.AGENT,
        "agent2@ch-demo.example": Role.AGENT,
        "referent@ch-demo.example": Role.REFERENT,
        "admin@ehpad-demo.example": Role.ADMIN,
        "agent@ehpad-demo.example": Role.AGENT,
        "support@cegape.example": Role.SUPPORT_SOFTWARE,
        "juridique@cegape.example": Role.SUPPORT_LEGAL,
        "superviseur@cegape.example": Role.VENDOR_ADMIN,
    }
    for email, role in expected.items():
        user = User.objects.get(email=email)
        assert user.role == role and user.check_password(DEMO_PASSWORD)
    assert DEMO_PASSWORD in capsys.readouterr().out


@pytest.mark.django_db
def test_demo_contracts_match_the_story():
    """M5 M6"""
    call_command("load_demo")
    chd = Establishment.objects.get(name="Centre Hospitalier de Démonstration")
    ehpad = Establishment.objects.get(name="EHPAD Les Tilleuls")
    assert set(Contract.objects.filter(establishment=chd).active().values_list("product__name", flat=True)) == {
        "Indeline",
        "Winpaie",
        "Juridem",
    }
    assert set(Contract.objects.filter(establishment=ehpad).active().values_list("product__name", flat=True)) == {"Winpaie"}
    assert Contract.objects.filter(establishment=ehpad, product__name="Indeline").exists()


@pytest.mark.django_db
def test_demo_command_is_idempotent_and_skips_a_filled_database(capsys):
    """M1.1"""
    call_command("load_demo")
    counts = (User.objects.count(), Contract.objects.count())
    call_command("load_demo")
    call_command("load_demo", "--if-empty")
    assert (User.objects.count(), Contract.objects.count()) == counts
    assert "déjà des comptes" in capsys.readouterr().out
