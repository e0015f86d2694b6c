"""« Déposer une DI » (SPEC M3.1)."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from support.models import Attachment, Status, Ticket
from testing.tickets import PDF, contract_of, pdf

URL = reverse("support:create")


def _post(client, est, **overrides):
    data = {
        "contract": contract_of(est, "SW").pk,
        "subject": "Les bulletins ne s'éditent plus",
        "description": "Depuis la mise à jour, l'édition reste bloquée à 50 %.",
        "module": "Paie",
        "version": "2026.4",
        "environment": "production",
    }
    data.update(overrides)
    return client.post(URL, data)


def _media_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_the_form_offers_only_the_establishments_active_contracts(client, agent, est_b):
    """M3.1"""
    client.force_login(agent)
    body = client.get(URL).content.decode()
    assert "Indeline — CT-1-SW" in body
    assert "Juridem — CT-1-JUR" in body
    assert "CT-1-OLD" not in body  # ended contract
    assert "CT-2-SW" not in body  # another establishment's
    assert "Soumettre la DI" in body


def test_contract_options_carry_their_product_kind_and_the_software_fieldset_is_explained(client, agent):
    """M3.1"""
    client.force_login(agent)
    body = client.get(URL).content.decode()
    assert 'data-product-kind="software"' in body and 'data-product-kind="legal"' in body
    assert "data-software-fields" in body and "Complément pour un contrat logiciel" in body
    for label in ("Module concerné", "Version", "Environnement", "Pièces jointes", "Objet", "Description"):
        assert label in body


def test_a_suspended_contract_is_not_offered(client, agent, est_a):
    """M3.1"""
    legal = contract_of(est_a, "JUR")
    legal.is_active = False
    legal.save()
    client.force_login(agent)
    assert "CT-1-JUR" not in client.get(URL).content.decode()


def test_filing_creates_the_di_and_redirects_to_it_with_its_number(client, agent, est_a, support):
    """M3.1 M3.3"""
    client.force_login(agent)
    response = _post(client, est_a)
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == reverse("support:detail", args=[ticket.number])
    assert (ticket.status, ticket.owner, ticket.author, ticket.team) == (Status.TO_PROCESS, agent, agent, "software")
    assert (ticket.module, ticket.version, ticket.environment) == ("Paie", "2026.4", "production")
    page = client.get(response.url).content.decode()
    assert f"Votre {ticket.number} a été enregistrée" in page


def test_a_legal_contract_routes_to_the_legal_team_without_software_complement(client, agent, est_a):
    """M3.1"""
    client.force_login(agent)
    _post(client, est_a, contract=contract_of(est_a, "JUR").pk)
    ticket = Ticket.objects.get()
    assert ticket.team == "legal" and ticket.module == "" and ticket.environment == ""


def test_filing_with_attachments_stores_them(client, agent, est_a):
    """M3.1"""
    client.force_login(agent)
    _post(client, est_a, files=[pdf("capture.pdf"), pdf("rapport.pdf")])
    ticket = Ticket.objects.get()
    assert sorted(ticket.attachments.values_list("original_name", flat=True)) == ["capture.pdf", "rapport.pdf"]
    assert ticket.attachments.filter(message__isnull=True).count() == 2


def test_missing_fields_are_reported_next_to_them_and_typed_text_is_kept(client, agent, est_a):
    """M3.1"""
    client.force_login(agent)
    response = _post(client, est_a, subject="", description="Mon texte tapé")
    body = response.content.decode()
    assert response.status_code == 200 and not Ticket.objects.exists()
    assert 'id="id_subject_error"' in body
    assert "Mon texte tapé" in body
    assert 'value="2026.4"' in body


def test_an_ended_contract_is_refused_even_by_a_crafted_post(client, agent, est_a):
    """M3.1"""
    client.force_login(agent)
    response = _post(client, est_a, contract=contract_of(est_a, "OLD").pk)
    assert response.status_code == 200 and not Ticket.objects.exists()
    assert 'id="id_contract_error"' in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "-1", "0", "1.5", "٣", "9" * 19, "99999999999999999999999", "1\x00"])
def test_a_contract_value_that_is_no_key_is_refused_next_to_the_field(client, agent, est_a, value):
    """M3.1 M10: the chosen contract is read through a prepared query; anything that is not one of
    the establishment's contracts gets the field's error, never a server error"""
    client.force_login(agent)
    response = _post(client, est_a, contract=value)
    body = response.content.decode()
    assert response.status_code == 200 and not Ticket.objects.exists()
    assert 'id="id_contract_error"' in body and "Les bulletins ne s&#x27;éditent plus" in body


def test_the_chosen_contract_is_the_one_the_orm_reads_with_its_product_and_level(agent, est_a, est_b):
    """M3.1: the prepared read gives the queryset's own instance (product and level joined), and
    nothing for another establishment's contract or an ended one"""
    from support.forms import TicketCreateForm

    field = TicketCreateForm(user=agent).fields["contract"]
    own = contract_of(est_a, "SW")
    chosen = field.clean(str(own.pk))
    assert chosen == field.queryset.get(pk=own.pk)
    assert chosen.product.name == own.product.name
    assert "service_level" in chosen._state.fields_cache
    for other in (contract_of(est_b, "SW"), contract_of(est_a, "OLD")):
        with pytest.raises(ValidationError, match="Choisissez un contrat actif"):
            field.clean(str(other.pk))


def test_another_establishments_contract_is_refused(client, agent, est_a, est_b):
    """M3.1 M10"""
    client.force_login(agent)
    response = _post(client, est_a, contract=contract_of(est_b, "SW").pk)
    assert response.status_code == 200 and not Ticket.objects.exists()
    assert "Choisissez un contrat actif de votre établissement" in response.content.decode()


def test_a_refused_attachment_is_reported_next_to_the_file_field_keeping_the_text(client, agent, est_a, settings):
    """M3.1"""
    client.force_login(agent)
    bad = SimpleUploadedFile("programme.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = _post(client, est_a, subject="Texte conservé", files=[pdf(), bad])
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_files_error"' in body and "programme.exe" in body
    assert 'value="Texte conservé"' in body
    assert "choisissez-les à nouveau" in body
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    assert _media_files(settings) == []


def test_a_disguised_file_is_refused_and_nothing_is_left(client, agent, est_a, settings):
    """M3.1 M10"""
    client.force_login(agent)
    disguised = SimpleUploadedFile(
        "facture.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    response = _post(client, est_a, files=[pdf("vrai.pdf"), disguised])
    body = response.content.decode()
    assert "facture.pdf" in body and "ne correspond pas" in body
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    assert _media_files(settings) == []


def test_too_many_attachments_are_refused(client, agent, est_a, settings):
    """M3.1"""
    settings.ATTACHMENT_MAX_COUNT = 2
    client.force_login(agent)
    response = _post(client, est_a, files=[pdf(f"p{i}.pdf", PDF) for i in range(3)])
    assert 'id="id_files_error"' in response.content.decode() and not Ticket.objects.exists()


@pytest.mark.parametrize("persona", ["agent", "est_admin", "referent"])
def test_every_client_profile_may_file(client, request, persona, est_a):
    """M3.1"""
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 200
    assert _post(client, est_a).status_code == 302


@pytest.mark.parametrize("persona", ["support", "legal_support", "vendor_admin"])
def test_vendor_staff_may_not_file(client, request, persona, est_a):
    """M3.1"""
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert _post(client, est_a).status_code == 403
    assert not Ticket.objects.exists()


def test_anonymous_is_sent_to_login(client, est_a):
    """M1.1 M3.1"""
    response = client.get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response.url
