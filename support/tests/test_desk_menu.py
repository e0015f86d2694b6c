"""The vendor's entries of the side menu (SPEC M2.4, M8.1)."""

import pytest
from django.urls import reverse

from portal.menu import menu_for


def _labels(user, path="/"):
    return [str(entry.label) for entry in menu_for(user, path)]


@pytest.mark.parametrize("persona", ["support", "legal_support", "vendor_admin"])
def test_vendor_staff_find_the_desk_and_the_satisfaction_in_the_menu(request, persona):
    """M8.1"""
    labels = _labels(request.getfixturevalue(persona))
    assert "Guichet support" in labels and "Satisfaction" in labels


@pytest.mark.parametrize("persona", ["agent", "est_admin", "referent"])
def test_client_users_do_not_see_the_desk_in_the_menu(request, persona):
    """M2.4 M8.1"""
    labels = _labels(request.getfixturevalue(persona))
    assert "Guichet support" not in labels and "Satisfaction" not in labels


def test_only_the_current_page_is_marked_in_the_menu(support):
    """M2.4"""
    entries = menu_for(support, reverse("desk:satisfaction"))
    assert [str(e.label) for e in entries if e.active] == ["Satisfaction"]
    entries = menu_for(support, reverse("desk:detail", args=["DI-2026-000001"]))
    assert [str(e.label) for e in entries if e.active] == ["Guichet support"]


def test_the_desk_page_marks_its_menu_entry(client, support):
    """M2.4"""
    client.force_login(support)
    body = client.get(reverse("desk:list")).content.decode()
    assert f'<a href="{reverse("desk:list")}" aria-current="page">Guichet support</a>' in body
