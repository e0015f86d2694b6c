"""The desk and the knowledge base (M14.5): a link to an article in a reply, counted for the report;
« Rédiger un article » from a closed DI, with nothing of the client copied. The report (M14.4)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from knowledge.models import Article, ReplyLink
from knowledge.selectors import report
from support import services as support_services
from support.models import Status
from testing.knowledge import write_article
from testing.tickets import file_di, ratings, take

REPORT = reverse("knowledge:report")


@pytest.fixture
def article(products):
    return write_article(products["software"], "Les bulletins de paie restent bloqués à l'édition")


def article_url(article):
    return settings.SITE_URL + reverse("knowledge:detail", args=[article.pk])


def test_the_desk_offers_the_dis_products_articles_to_insert_in_the_reply(client, agent, support, products, article):
    """M14.5"""
    write_article(products["software2"], "Winpaie : autre produit")
    ticket = file_di(agent)
    client.force_login(support)
    page = client.get(reverse("desk:detail", args=[ticket.number])).content.decode()
    assert 'id="kb-picker-q"' in page and f'hx-get="{reverse("knowledge:picker")}"' in page
    assert page.index('id="repondre"') < page.index('id="kb-picker-q"')
    response = client.get(
        reverse("knowledge:picker"),
        {"produit": products["software"].pk, "q": "bulletins bloq", "cible": "id_reponse-body"},
    )
    assert [a.pk for a in response.context["articles"]] == [article.pk]
    body = response.content.decode()
    assert 'data-kb-insert="id_reponse-body"' in body and article_url(article) in body
    newest = client.get(reverse("knowledge:picker"), {"produit": products["software"].pk})
    assert [a.pk for a in newest.context["articles"]] == [article.pk]


def test_drafts_are_not_offered_to_the_desk(client, support, products):
    """M14.5: a client could not open the link."""
    write_article(products["software"], "Brouillon", status=Article.Status.DRAFT)
    client.force_login(support)
    response = client.get(reverse("knowledge:picker"), {"produit": products["software"].pk})
    assert response.context["articles"] == []


def test_a_reply_linking_an_article_is_counted_and_the_link_is_clickable(client, agent, support, article):
    """M14.5"""
    ticket = take(file_di(agent), support)
    client.force_login(support)
    body = f"Bonjour, voir « {article.title} » : {article_url(article)} et le lien inexistant /articles/999999/"
    assert client.post(reverse("desk:reply", args=[ticket.number]), {"reponse-body": body}).status_code == 302
    link = ReplyLink.objects.get()
    assert link.article == article and link.message.ticket == ticket
    client.force_login(agent)
    page = client.get(reverse("support:detail", args=[ticket.number])).content.decode()
    assert f'<a href="{article_url(article)}" rel="nofollow">' in page
    assert report()["most_linked"][0]["article_id"] == article.pk


def test_internal_notes_and_client_messages_are_not_counted(agent, support, article):
    """M14.5: only what the desk tells the client."""
    ticket = take(file_di(agent), support)
    support_services.ticket_add_internal_note(ticket, acting_user=support, body=article_url(article))
    support_services.ticket_post_message(ticket, acting_user=agent, body=article_url(article))
    assert not ReplyLink.objects.exists()


@pytest.fixture
def closed(agent, support):
    ticket = take(
        file_di(
            agent,
            subject="Bulletins bloqués au Centre Hospitalier Alpha",
            description="Alice Agent, 04 72 00 00 11 : tout est bloqué.",
        ),
        support,
    )
    support_services.ticket_reply(ticket, acting_user=support, body="Une première piste.")
    support_services.ticket_post_message(ticket, acting_user=agent, body="Merci, je m'appelle Alice.")
    support_services.ticket_propose_closure(
        ticket,
        acting_user=support,
        body="Bonjour Alice Agent,\nvidez le dossier d'édition puis relancez l'édition.\n"
        "Contact : agent@alpha.example, 04 72 00 00 11. Centre Hospitalier Alpha, DI " + ticket.number,
    )
    support_services.ticket_validate_closure(ticket, acting_user=agent, ratings=ratings())
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    return ticket


def test_a_closed_di_starts_a_draft_with_its_subject_and_final_answer_and_nothing_of_the_client(
    client, support, closed
):
    """M14.5"""
    client.force_login(support)
    page = client.get(reverse("desk:detail", args=[closed.number])).content.decode()
    assert "Rédiger un article" in page
    response = client.post(reverse("knowledge:draft_from_ticket", args=[closed.number]))
    article = Article.objects.get()
    assert response.status_code == 302 and response.url == reverse("knowledge:detail", args=[article.pk])
    assert (article.status, article.product, article.source_ticket) == (
        Article.Status.DRAFT,
        closed.contract.product,
        closed,
    )
    assert article.title.startswith("Bulletins bloqués au")
    assert "videz le dossier d'édition puis relancez l'édition." in article.body
    text = article.title + article.body
    for client_data in ("Alice", "Agent", "agent@alpha.example", "04 72 00 00 11", "Alpha", closed.number, "tout est"):
        assert client_data not in text, client_data
    # Twice: the same draft.
    client.post(reverse("knowledge:draft_from_ticket", args=[closed.number]))
    assert Article.objects.count() == 1


def test_the_vendor_administrator_lands_in_the_back_office(client, vendor_admin, closed):
    """M14.1 M14.5"""
    client.force_login(vendor_admin)
    response = client.post(reverse("knowledge:draft_from_ticket", args=[closed.number]))
    assert response.url == reverse("admin:knowledge_article_change", args=[Article.objects.get().pk])


def test_an_open_di_starts_no_draft(client, agent, support):
    """M14.5"""
    ticket = take(file_di(agent), support)
    client.force_login(support)
    assert "Rédiger un article" not in client.get(reverse("desk:detail", args=[ticket.number])).content.decode()
    response = client.post(reverse("knowledge:draft_from_ticket", args=[ticket.number]))
    assert response.status_code == 403
    assert "clôturée" in response.content.decode()
    assert not Article.objects.exists()


def test_the_report_counts_views_avoided_dis_and_links_over_the_period(
    client, agent, support, article, django_assert_max_num_queries
):
    """M14.4 M14.5"""
    client.force_login(agent)
    client.get(reverse("knowledge:detail", args=[article.pk]))
    client.post(reverse("knowledge:resolved", args=[article.pk]))
    ticket = take(file_di(agent), support)
    support_services.ticket_reply(ticket, acting_user=support, body=article_url(article))
    client.force_login(support)
    with django_assert_max_num_queries(16):
        response = client.get(REPORT)
    assert response.status_code == 200
    figures = response.context["report"]
    assert (figures["views"], figures["articles_viewed"], figures["deflections"], figures["links"]) == (1, 1, 1, 1)
    assert figures["by_product"] == [("Indeline", {"views": 1, "deflections": 1, "links": 1})]
    for top in ("most_viewed", "most_deflecting", "most_linked"):
        assert [(row["article_id"], row["total"]) for row in figures[top]] == [(article.pk, 1)], top
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    later = client.get(REPORT, {"du": tomorrow}).context["report"]
    assert (later["views"], later["deflections"], later["links"]) == (0, 0, 0)
    refused = client.get(REPORT, {"du": tomorrow, "au": "2020-01-01"})
    assert "La date de début doit précéder la date de fin." in refused.content.decode()


def test_the_report_is_the_vendor_staffs(client, agent):
    """M14.4 M10"""
    client.force_login(agent)
    assert client.get(REPORT).status_code == 403
