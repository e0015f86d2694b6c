"""Articles offered while a DI is typed, and « Cet article a résolu mon problème » (M14.4)."""

import pytest
from django.urls import reverse

from knowledge.models import Article, Deflection
from knowledge.selectors import report
from support.models import Ticket
from testing.knowledge import write_article
from testing.tickets import contract_of

SUGGESTIONS = reverse("knowledge:suggestions")


@pytest.fixture
def articles(products):
    software, legal = products["software"], products["legal"]
    return {
        "edition": write_article(software, "Les bulletins de paie restent bloqués à l'édition"),
        # Suggestions read titles and tags (never the text: « bloqués » there is not enough).
        "dsn": write_article(software, "Le fichier DSN est rejeté", tags="bulletins", body="Bulletins bloqués."),
        "leave": write_article(legal, "Congés de maladie d'un contractuel", tags="bulletins, congés"),
        "other": write_article(products["software2"], "Winpaie : bulletins bloqués"),
        "draft": write_article(software, "Brouillon : bulletins bloqués", status=Article.Status.DRAFT),
    }


def suggested(client, subject, contract=None, **headers):
    params = {"subject": subject}
    if contract is not None:
        params["contract"] = contract.pk
    response = client.get(SUGGESTIONS, params, HTTP_HX_REQUEST="true", **headers)
    assert response.status_code == 200
    return [article.pk for article in response.context["articles"]], response


def test_the_filing_form_asks_for_suggestions_as_the_subject_is_typed(client, agent):
    """M14.4: htmx, debounced, with the chosen contract; the status line is a polite live region."""
    client.force_login(agent)
    body = client.get(reverse("support:create")).content.decode()
    assert f'hx-get="{SUGGESTIONS}"' in body
    assert 'hx-trigger="load, keyup changed delay:300ms from:#id_subject, change from:#id_contract"' in body
    assert 'hx-include="#id_subject, #id_contract"' in body
    assert 'id="kb-suggestions-status" aria-live="polite"' in body
    # Under the field « Objet », before « Description ».
    assert body.index('id="id_subject"') < body.index('id="kb-suggestions"') < body.index('id="id_description"')


def test_articles_of_the_chosen_contracts_product_are_suggested_best_first(client, agent, articles):
    """M14.4"""
    client.force_login(agent)
    found, response = suggested(client, "Bulletins bloqués", contract_of(agent.establishment, "SW"))
    assert found == [articles["edition"].pk, articles["dsn"].pk]
    body = response.content.decode()
    assert "2 articles de la base de connaissances répondent peut-être à votre question" in body
    assert 'hx-swap-oob="innerHTML"' in body and "Cet article a résolu mon problème" in body
    found, _response = suggested(client, "Bulletins bloqués", contract_of(agent.establishment, "JUR"))
    assert found == [articles["leave"].pk]


def test_the_word_being_typed_counts_as_a_prefix(client, agent, articles):
    """M14.4: « bulletins bloq » already finds « bloqués »; a finished word does not."""
    client.force_login(agent)
    contract = contract_of(agent.establishment, "SW")
    assert suggested(client, "édition des bulletins bloq", contract)[0][0] == articles["edition"].pk
    assert suggested(client, "bloq ", contract)[0] == []


def test_without_a_contract_every_entitled_product_is_searched_never_another(client, agent, articles):
    """M14.2 M14.4"""
    client.force_login(agent)
    found, _response = suggested(client, "bulletins bloqués")
    assert set(found) == {articles["edition"].pk, articles["dsn"].pk, articles["leave"].pk}
    assert articles["other"].pk not in found and articles["draft"].pk not in found


def test_another_establishments_contract_is_ignored(client, agent, other_agent, articles, est_b):
    """M14.2: a contract that is not the user's suggests as if none were chosen."""
    client.force_login(agent)
    found, _response = suggested(client, "bulletins bloqués", contract_of(est_b, "SW"))
    assert set(found) == {articles["edition"].pk, articles["dsn"].pk, articles["leave"].pk}


def test_at_most_five_suggestions_in_bounded_queries(client, agent, products, django_assert_max_num_queries):
    """M14.4"""
    for index in range(8):
        write_article(products["software"], f"Bulletin bloqué n°{index}")
    client.force_login(agent)
    # Session, user, the contract, the entitled products, the ranked keys, those articles.
    with django_assert_max_num_queries(7):
        found, _response = suggested(client, "bulletin bloqué", contract_of(agent.establishment, "SW"))
    assert len(found) == 5


def test_an_empty_subject_suggests_nothing(client, agent, articles):
    """M14.4"""
    client.force_login(agent)
    assert suggested(client, "   ")[0] == []
    assert suggested(client, "le la de des du")[0] == []


def test_this_article_solved_my_problem_records_a_deflection_and_files_no_di(client, agent, articles):
    """M14.4"""
    client.force_login(agent)
    response = client.post(reverse("knowledge:resolved", args=[articles["edition"].pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "aucune DI n'a été déposée" in response.content.decode()
    deflection = Deflection.objects.get()
    assert (deflection.article, deflection.user, deflection.establishment) == (
        articles["edition"],
        agent,
        agent.establishment,
    )
    assert deflection.product == articles["edition"].product
    assert not Ticket.objects.exists()
    assert report()["deflections"] == 1
    # Without htmx: back to the article, with the same thanks.
    response = client.post(reverse("knowledge:resolved", args=[articles["edition"].pk]))
    assert response.status_code == 302 and response.url == reverse("knowledge:detail", args=[articles["edition"].pk])


def test_an_article_of_another_product_cannot_be_marked(client, agent, support, articles):
    """M14.2 M14.4: 404 for a client, refused to the vendor's staff; nothing recorded."""
    client.force_login(agent)
    assert client.post(reverse("knowledge:resolved", args=[articles["other"].pk])).status_code == 404
    client.force_login(support)
    assert client.post(reverse("knowledge:resolved", args=[articles["edition"].pk])).status_code == 403
    assert not Deflection.objects.exists()


@pytest.mark.parametrize(
    "subject", ["bulletins bloqués", "Bulletins bloqués à l'édi", "bulletin", "congés bulletins maladie contractuel"]
)
def test_the_prepared_suggestions_are_those_the_orm_finds_for_each_establishment(
    agent, other_agent, articles, subject, est_b
):
    """M14.2 M14.4: the same prepared reads for two establishments (entitled to other products)
    give each what the ORM finds among the articles it may read; on PostgreSQL they are prepared"""
    from django.db import connection

    from core.prepared import NOT_PREPARABLE
    from knowledge import search, selectors
    from knowledge.access import articles_for

    legal_b = contract_of(est_b, "JUR")
    legal_b.is_active = False  # the second establishment reads no legal article
    legal_b.save()
    for user, contract in ((agent, None), (other_agent, None), (agent, contract_of(agent.establishment, "SW"))):
        readable = articles_for(user).published()
        if contract is not None:
            readable = readable.filter(product_id=contract.product_id)
        expected = search.suggested(readable, subject, limit=selectors.SUGGESTIONS)
        assert [article.pk for article in selectors.suggestions(user, subject, contract)] == expected
    assert articles["other"].pk not in [a.pk for a in selectors.suggestions(agent, subject)]
    assert articles["leave"].pk not in [a.pk for a in selectors.suggestions(other_agent, subject)]
    if connection.vendor == "postgresql":
        for prepared in (selectors._SUGGESTED, selectors._SUGGESTED_ARTICLES):
            assert NOT_PREPARABLE not in prepared._shapes.values()
