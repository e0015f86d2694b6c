"""establishments.access: the contracts and products a person may read, and the prepared reads of
the suggestions under « Objet » (a client's products and the contract being chosen)."""

import pytest
from django.db import connection

from core.prepared import NOT_PREPARABLE
from establishments import access
from testing.tickets import contract_of

pytestmark = pytest.mark.django_db


def test_a_clients_entitled_product_ids_are_those_of_their_contracts_in_force(agent, other_agent, est_b, products):
    """M14.2 M10"""
    legal_b = contract_of(est_b, "JUR")
    legal_b.is_active = False
    legal_b.save()
    for user in (agent, other_agent):
        expected = sorted(access.entitled_products(user).values_list("pk", flat=True))
        assert sorted(access.entitled_product_ids(user)) == expected
    assert products["legal"].pk in access.entitled_product_ids(agent)
    assert products["legal"].pk not in access.entitled_product_ids(other_agent)
    assert products["software2"].pk not in access.entitled_product_ids(agent)  # its contract has ended
    if connection.vendor == "postgresql":
        assert NOT_PREPARABLE not in access._ENTITLED_IDS._shapes.values()


def test_the_vendor_is_entitled_to_every_product(support, products):
    """M14.2"""
    assert sorted(access.entitled_product_ids(support)) == sorted(p.pk for p in products.values())


def test_a_client_gets_their_own_contract_in_force_and_nothing_else(agent, est_a, est_b):
    """M14.2 M10: another establishment's contract, an ended one, a missing or malformed key: None"""
    own = contract_of(est_a, "SW")
    found = access.active_contract_for(agent, own.pk)
    assert found == own and found.product.name == own.product.name
    assert access.active_contract_for(agent, str(own.pk)) == own
    for key in (contract_of(est_b, "SW").pk, contract_of(est_a, "OLD").pk, 0, 10**12, "abc", None, "1; DROP"):
        assert access.active_contract_for(agent, key) is None
    if connection.vendor == "postgresql":  # the shape of a key, an establishment and a day: prepared
        shape = (("establishment_id", ("int",)), ("pk", ("int",)), ("today", ("date",)))
        assert access._ACTIVE_CONTRACT._shapes.get(("default", "postgresql", shape)) not in (None, NOT_PREPARABLE)


def test_the_vendor_reads_any_contract_in_force(support, est_b):
    """M14.2"""
    assert access.active_contract_for(support, contract_of(est_b, "SW").pk) == contract_of(est_b, "SW")
    assert access.active_contract_for(support, contract_of(est_b, "OLD").pk) is None
