import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AccountRequest, Role, User
from accounts.services import account_request_approve, account_request_reject

FORM = reverse("accounts:account_request")


def form_data(captcha, **overrides):
    return {
        "kind": "create",
        "last_name": "Durand",
        "first_name": "Louise",
        "email": "Louise.Durand@Alpha.example",
        "phone": "04 00 00 00 00",
        "establishment_name": "Centre Hospitalier Alpha",
        "function": "Gestionnaire RH",
        "message": "Je remplace Mme Dupont à la paie.",
        "captcha": captcha(),
        **overrides,
    }


@pytest.fixture
def pending(db):
    return AccountRequest.objects.create(
        first_name="Louise",
        last_name="Durand",
        email="louise.durand@alpha.example",
        establishment_name="CH Alpha",
        function="Gestionnaire RH",
        message="Nouvelle arrivée.",
    )


def test_request_form_is_public_and_asks_what_the_spec_lists(client, db):
    """M1.3"""
    body = client.get(FORM).content.decode()
    for label in (
        "Nom",
        "Prénom",
        "Adresse mail",
        "Établissement",
        "Fonction",
        "Objet de la demande",
        "<altcha-widget",
    ):
        assert label in body


def test_request_is_stored_and_vendor_admins_are_notified(client, vendor_admin, support, captcha):
    """M1.3 M9"""
    response = client.post(FORM, form_data(captcha))
    assert response.status_code == 302 and response.url == reverse("accounts:account_request_done")
    request = AccountRequest.objects.get()
    assert request.email == "louise.durand@alpha.example" and request.status == AccountRequest.Status.PENDING
    assert [m.to for m in mail.outbox] == [[vendor_admin.email]]
    assert "Louise Durand" in mail.outbox[0].subject
    assert f"/back-office/accounts/accountrequest/{request.pk}/change/" in mail.outbox[0].body


def test_request_without_captcha_keeps_what_was_typed(client, db, captcha):
    """M1.3"""
    data = form_data(captcha)
    data.pop("captcha")
    response = client.post(FORM, data)
    body = response.content.decode()
    assert response.status_code == 200 and not AccountRequest.objects.exists()
    assert 'value="Durand"' in body and "Je remplace Mme Dupont" in body
    assert "Cochez la case" in body


def test_request_with_missing_fields_says_which(client, db, captcha):
    """M1.3"""
    response = client.post(FORM, form_data(captcha, function="", email="pas-une-adresse"))
    body = response.content.decode()
    assert "Ce champ est obligatoire." in body and "Saisissez une adresse de courriel valide." in body


def test_approval_creates_a_referent_account_and_emails_a_link(
    pending, est_a, vendor_admin, django_capture_on_commit_callbacks
):
    """M1.3"""
    with django_capture_on_commit_callbacks(execute=True):
        user = account_request_approve(pending, acting_user=vendor_admin, establishment=est_a)
    assert user.role == Role.REFERENT and user.establishment == est_a and not user.has_usable_password()
    pending.refresh_from_db()
    assert pending.status == AccountRequest.Status.APPROVED and pending.account == user
    assert pending.reviewed_by == vendor_admin
    message = mail.outbox[-1]
    assert message.to == [user.email] and "Choisir mon mot de passe" in message.alternatives[0][0]
    assert "/bienvenue/" in message.body


def test_invitation_link_lets_the_new_account_choose_its_password(
    client, pending, est_a, vendor_admin, django_capture_on_commit_callbacks
):
    """M1.3"""
    with django_capture_on_commit_callbacks(execute=True):
        user = account_request_approve(pending, acting_user=vendor_admin, establishment=est_a)
    link = re.search(r"http://\S+/bienvenue/\S+/\S+/", mail.outbox[-1].body).group(0)
    form_url = client.get(link).url
    response = client.post(
        form_url, {"new_password1": "bienvenue dans le portail", "new_password2": "bienvenue dans le portail"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("bienvenue dans le portail")
    assert "Lien invalide" in client.get(link, follow=True).content.decode()


def test_reviewer_may_pick_another_client_profile(pending, est_a, vendor_admin):
    """M1.3"""
    user = account_request_approve(pending, acting_user=vendor_admin, establishment=est_a, role=Role.ADMIN)
    assert user.role == Role.ADMIN


def test_approval_cannot_grant_a_vendor_role(pending, est_a, vendor_admin):
    """M1.3"""
    with pytest.raises(ValidationError):
        account_request_approve(pending, acting_user=vendor_admin, establishment=est_a, role=Role.VENDOR_ADMIN)
    assert not User.objects.filter(email=pending.email).exists()


def test_a_request_cannot_be_approved_twice(pending, est_a, vendor_admin):
    """M1.3"""
    account_request_approve(pending, acting_user=vendor_admin, establishment=est_a)
    with pytest.raises(ValidationError, match="déjà été traitée"):
        account_request_approve(pending, acting_user=vendor_admin, establishment=est_a)
    assert User.objects.filter(email=pending.email).count() == 1


def test_approval_of_an_update_request_updates_the_existing_account(
    pending, agent, est_b, vendor_admin, django_capture_on_commit_callbacks
):
    """M1.3"""
    pending.email = agent.email
    pending.kind = AccountRequest.Kind.UPDATE
    pending.save()
    with django_capture_on_commit_callbacks(execute=True):
        user = account_request_approve(pending, acting_user=vendor_admin, establishment=est_b)
    assert user.pk == agent.pk and user.establishment == est_b and user.function == "Gestionnaire RH"
    assert user.has_usable_password()
    assert (
        mail.outbox[-1].subject.startswith("Votre compte de l'Espace Clients")
        and "mis à jour" in mail.outbox[-1].subject
    )


def test_approval_never_touches_a_vendor_account(pending, support, est_a, vendor_admin):
    """M1.3"""
    pending.email = support.email
    pending.save()
    with pytest.raises(ValidationError, match="personnel de l'éditeur"):
        account_request_approve(pending, acting_user=vendor_admin, establishment=est_a)
    support.refresh_from_db()
    assert support.role == Role.SUPPORT_SOFTWARE and support.establishment is None


def test_rejection_emails_the_reason(pending, vendor_admin, django_capture_on_commit_callbacks):
    """M1.3"""
    with django_capture_on_commit_callbacks(execute=True):
        account_request_reject(pending, acting_user=vendor_admin, reason="Établissement inconnu de nos services.")
    pending.refresh_from_db()
    assert pending.status == AccountRequest.Status.REJECTED
    message = mail.outbox[-1]
    assert message.to == [pending.email] and "Établissement inconnu de nos services." in message.body


def test_rejection_needs_a_reason(pending, vendor_admin):
    """M1.3"""
    with pytest.raises(ValidationError):
        account_request_reject(pending, acting_user=vendor_admin, reason="  ")


def test_back_office_approve_page_approves(client, pending, est_a, vendor_admin):
    """M1.3 M8.2"""
    client.force_login(vendor_admin)
    url = reverse("admin:accounts_accountrequest_approve", args=[pending.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Approuver la demande" in page.content.decode()
    response = client.post(url, {"establishment": est_a.pk, "role": Role.AGENT})
    assert response.status_code == 302
    assert User.objects.get(email=pending.email).role == Role.AGENT


def test_back_office_approve_twice_shows_a_clear_refusal(client, pending, est_a, vendor_admin):
    """M1.3"""
    account_request_approve(pending, acting_user=vendor_admin, establishment=est_a)
    client.force_login(vendor_admin)
    url = reverse("admin:accounts_accountrequest_approve", args=[pending.pk])
    response = client.post(url, {"establishment": est_a.pk, "role": Role.AGENT}, follow=True)
    assert "déjà été traitée" in response.content.decode()


def test_back_office_reject_page_rejects(client, pending, vendor_admin):
    """M1.3 M8.2"""
    client.force_login(vendor_admin)
    url = reverse("admin:accounts_accountrequest_reject", args=[pending.pk])
    assert client.post(url, {"reason": "Doublon"}).status_code == 302
    pending.refresh_from_db()
    assert pending.status == AccountRequest.Status.REJECTED


@pytest.mark.parametrize("persona", ["agent", "est_admin", "support"])
def test_back_office_is_closed_to_everyone_but_vendor_admins(client, request, pending, persona):
    """M8.2"""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("admin:accounts_accountrequest_approve", args=[pending.pk]))
    assert response.status_code == 302 and "/back-office/login/" in response.url
