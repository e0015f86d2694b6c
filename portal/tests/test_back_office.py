import pytest
from django.urls import reverse

from accounts.models import Role
from testing.personas import make_user
from testing.tickets import file_di


@pytest.mark.parametrize(
    "model",
    [
        "accounts/user",
        "accounts/accountrequest",
        "establishments/establishment",
        "establishments/contract",
        "establishments/product",
        "news/newsitem",
        "audit/event",
        "notifications/outgoingemail",
    ],
)
def test_vendor_admin_lists_every_model_in_bounded_queries(
    client, vendor_admin, est_a, est_b, model, django_assert_max_num_queries
):
    """M8.2"""
    for i in range(15):
        make_user(f"user{i}@alpha.example", est_a if i % 2 else est_b, Role.AGENT)
    client.force_login(vendor_admin)
    url = f"/back-office/{model}/"
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    assert client.get(url + "?q=alpha").status_code == 200


@pytest.mark.parametrize("persona", ["agent", "est_admin", "referent", "support", "legal_support"])
def test_back_office_refuses_everyone_else(client, request, persona):
    """M8.2"""
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/back-office/accounts/user/")
    assert response.status_code == 302 and "/back-office/login/" in response.url


def test_losing_the_vendor_admin_profile_closes_the_back_office(client, vendor_admin):
    """M8.2"""
    client.force_login(vendor_admin)
    assert client.get(reverse("admin:index")).status_code == 200
    vendor_admin.role = Role.SUPPORT_SOFTWARE
    vendor_admin.save()
    assert client.get(reverse("admin:index")).status_code == 302


def test_vendor_admin_creates_an_account_in_the_back_office(client, vendor_admin, est_a):
    """M8.2"""
    client.force_login(vendor_admin)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "Nouveau@Alpha.example",
            "last_name": "Nouveau",
            "first_name": "Nina",
            "establishment": est_a.pk,
            "role": Role.AGENT,
            "usable_password": "false",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from accounts.models import User

    user = User.objects.get(email="nouveau@alpha.example")
    assert user.establishment == est_a and not user.has_usable_password()


def test_a_client_account_without_establishment_is_refused(client, vendor_admin):
    """M4.2"""
    client.force_login(vendor_admin)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "x@alpha.example",
            "last_name": "X",
            "first_name": "Y",
            "role": Role.AGENT,
            "usable_password": "false",
        },
    )
    assert response.status_code == 200
    assert "appartient à un établissement" in response.content.decode()


def test_back_office_deactivation_passes_open_dis_to_demande_a_reaffecter(client, vendor_admin, agent, est_admin):
    """M4.4 M8.2"""
    from support.models import Ticket

    ticket = file_di(agent)
    client.force_login(vendor_admin)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate_accounts", "_selected_action": [agent.pk]},
        follow=True,
    )
    assert response.status_code == 200
    agent.refresh_from_db()
    assert not agent.is_active
    assert Ticket.objects.get(pk=ticket.pk).owner is None
    client.post(
        reverse("admin:accounts_user_changelist"), {"action": "activate_accounts", "_selected_action": [agent.pk]}
    )
    agent.refresh_from_db()
    assert agent.is_active and Ticket.objects.get(pk=ticket.pk).owner is None


def test_back_office_refuses_to_deactivate_the_last_administrator(client, vendor_admin, est_admin):
    """M4.2 M8.2"""
    client.force_login(vendor_admin)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate_accounts", "_selected_action": [est_admin.pk]},
        follow=True,
    )
    est_admin.refresh_from_db()
    assert est_admin.is_active
    assert "admin@alpha.example" in response.content.decode()
