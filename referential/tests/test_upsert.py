"""The vendor's master data upserted by external reference, from a CSV file, the back office's page
and the API: dry run, errors per line, idempotent, all or nothing (M15.3)."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from accounts.models import User
from establishments.models import Contract, Establishment, Product
from referential.models import ExternalReference
from referential.services import referential_import_csv, referential_upsert
from testing.api import api_client

pytestmark = pytest.mark.django_db

ESTABLISHMENTS = (
    b"reference;nom;type;code_postal;commune\n"
    b"ERP-E1;Centre Hospitalier de Gamma;hospital;57000;Metz\n"
    b"ERP-E2;EHPAD Delta;care_home;69001;Lyon\n"
)
PRODUCTS = b"reference,nom,nature\nERP-P1,Paiezen,software\n"
CONTRACTS = (
    b"reference;numero_contrat;etablissement;produit;debut;fin;actif\nERP-C1;CT-GAMMA-1;ERP-E1;ERP-P1;01/01/2025;;oui\n"
)
ACCOUNTS = (
    b"reference;email;prenom;nom;profil;etablissement;fonction\n"
    b"ERP-U1;Gina.Gamma@Gamma.example;Gina;Gamma;admin;ERP-E1;DRH\n"
)


def import_all(user, dry_run=False):
    return [
        referential_import_csv(kind, data, acting_user=user, dry_run=dry_run)
        for kind, data in (
            ("etablissements", ESTABLISHMENTS),
            ("produits", PRODUCTS),
            ("contrats", CONTRACTS),
            ("comptes", ACCOUNTS),
        )
    ]


def test_a_csv_import_creates_each_kind_by_its_reference(vendor_admin, django_capture_on_commit_callbacks):
    """M15.3"""
    with django_capture_on_commit_callbacks(execute=True):
        reports = import_all(vendor_admin)
    assert [(r.created, r.errors) for r in reports] == [(2, []), (1, []), (1, []), (1, [])]
    gamma = Establishment.objects.get(name="Centre Hospitalier de Gamma")
    assert gamma.department == "57"
    contract = Contract.objects.get(reference="CT-GAMMA-1")
    assert contract.establishment == gamma and contract.product.name == "Paiezen" and contract.in_force
    user = User.objects.get(email="gina.gamma@gamma.example")
    assert user.establishment == gamma and user.role == "admin" and not user.has_usable_password()
    assert any("gina.gamma@gamma.example" in m.to for m in mail.outbox)  # invited to choose a password


def test_importing_the_same_file_again_changes_nothing(vendor_admin):
    """M15.3"""
    import_all(vendor_admin)
    again = import_all(vendor_admin)
    assert [(r.created, r.updated, r.unchanged) for r in again] == [(0, 0, 2), (0, 0, 1), (0, 0, 1), (0, 0, 1)]
    assert ExternalReference.objects.count() == 5


def test_a_changed_line_updates_its_object(vendor_admin):
    """M15.3"""
    import_all(vendor_admin)
    changed = ESTABLISHMENTS.replace(b"EHPAD Delta", b"EHPAD Delta-Sud")
    report = referential_import_csv("etablissements", changed, acting_user=vendor_admin)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert Establishment.objects.filter(name="EHPAD Delta-Sud").exists()


def test_a_dry_run_counts_and_writes_nothing(vendor_admin):
    """M15.3"""
    report = referential_import_csv("etablissements", ESTABLISHMENTS, acting_user=vendor_admin, dry_run=True)
    assert report.ok and report.created == 2 and not report.written
    assert not Establishment.objects.exists() and not ExternalReference.objects.exists()


def test_one_wrong_line_and_nothing_is_written_each_error_on_its_line(vendor_admin):
    """M15.3"""
    data = ESTABLISHMENTS + b"ERP-E3;;mairie;;\nERP-E1;Doublon;hospital;;\n"
    report = referential_import_csv("etablissements", data, acting_user=vendor_admin)
    assert not report.ok and not Establishment.objects.exists()
    assert (4, "nom", "Ce champ est obligatoire.") in report.errors
    assert any(line == 4 and column == "type" for line, column, _m in report.errors)
    assert (5, "reference", "Cette référence apparaît deux fois dans l'import.") in report.errors


def test_a_contract_of_an_unknown_establishment_is_a_line_error(vendor_admin):
    """M15.3"""
    referential_import_csv("produits", PRODUCTS, acting_user=vendor_admin)
    report = referential_import_csv("contrats", CONTRACTS, acting_user=vendor_admin)
    assert report.errors == [(2, "etablissement", "Aucun objet de référence « ERP-E1 » : importez-le d'abord.")]
    assert not Contract.objects.exists()


def test_an_existing_accounts_profile_is_not_changed_by_an_import(vendor_admin):
    """M15.3"""
    import_all(vendor_admin)
    report = referential_import_csv("comptes", ACCOUNTS.replace(b";admin;", b";agent;"), acting_user=vendor_admin)
    assert report.errors and report.errors[0][1] == "profil"
    assert User.objects.get(email="gina.gamma@gamma.example").role == "admin"


def test_only_the_vendor_administrator_imports(support):
    """M15.3"""
    with pytest.raises(PermissionDenied, match="administrateur"):
        referential_upsert("produits", [], acting_user=support)


def test_the_command_imports_a_file(vendor_admin, tmp_path, capsys):
    """M15.3"""
    path = tmp_path / "etablissements.csv"
    path.write_bytes(ESTABLISHMENTS)
    call_command("import_referentiel", "etablissements", str(path), "--par", vendor_admin.email, "--simulation")
    assert "Simulation : 2 créé(s)" in capsys.readouterr().out and not Establishment.objects.exists()
    call_command("import_referentiel", "etablissements", str(path), "--par", vendor_admin.email)
    assert Establishment.objects.count() == 2
    path.write_bytes(b"reference;nom\nERP-E9;\n")
    with pytest.raises(CommandError, match="1 erreur"):
        call_command("import_referentiel", "etablissements", str(path), "--par", vendor_admin.email)


def test_the_back_office_page_checks_then_imports(client, vendor_admin):
    """M15.3"""
    client.force_login(vendor_admin)
    upload = SimpleUploadedFile("e.csv", ESTABLISHMENTS, content_type="text/csv")
    page = client.post("/referentiel/", {"kind": "etablissements", "file": upload, "dry_run": "on"}).content.decode()
    assert "Créés : 2" in page and not Establishment.objects.exists()
    upload = SimpleUploadedFile("e.csv", ESTABLISHMENTS, content_type="text/csv")
    page = client.post("/referentiel/", {"kind": "etablissements", "file": upload}).content.decode()
    assert "Import enregistré." in page and Establishment.objects.count() == 2


@pytest.mark.parametrize("who", ["support", "est_admin"])
def test_the_page_is_the_vendor_administrators(client, who, request):
    """M15.3"""
    client.force_login(request.getfixturevalue(who))
    assert client.get("/referentiel/").status_code == 403


def test_the_api_upserts_with_an_integration_token(vendor_admin):
    """M15.3"""
    client = api_client(vendor_admin)
    rows = {"lignes": [{"reference": "ERP-P1", "nom": "Paiezen", "nature": "software"}]}
    response = client.post("/api/v1/referentiel/produits/", rows, "application/json")
    assert response.status_code == 200 and response.json()["crees"] == 1
    assert client.post("/api/v1/referentiel/produits/", rows, "application/json").json()["inchanges"] == 1
    assert Product.objects.filter(name="Paiezen").count() == 1


def test_the_apis_errors_name_each_line_and_write_nothing(vendor_admin):
    """M15.3"""
    rows = {"lignes": [{"reference": "A", "nom": "Un", "nature": "software"}, {"reference": "B", "nature": "x"}]}
    response = api_client(vendor_admin).post("/api/v1/referentiel/produits/", rows, "application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["erreur"]["code"] == "validation" and "lignes[2].nom" in body["erreur"]["champs"]
    assert body["rapport"]["enregistre"] is False and not Product.objects.exists()


def test_the_api_refuses_the_referential_to_others(support, est_admin):
    """M15.3"""
    for user in (support, est_admin):
        response = api_client(user).post("/api/v1/referentiel/produits/", {"lignes": []}, "application/json")
        assert response.status_code == 403
