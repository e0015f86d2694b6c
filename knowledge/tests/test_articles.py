"""Articles: sanitised Markdown (M14.1), gated by contract exactly as downloads (M14.2), the page by
product and its search (M14.3)."""

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils.html import escape

from establishments.models import Contract
from knowledge.markdown import render
from knowledge.models import Article, ArticleViewDay
from testing.downloads import end_contract
from testing.knowledge import age_article, attach_image, write_article

INDEX = reverse("knowledge:index")


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def live_markup(html):
    """What would run in a browser: a script-capable element, an event handler, a style, a link or
    a source to javascript:, vbscript: or data:."""
    parser = _Elements()
    parser.feed(html)
    problems = []
    for tag, attrs in parser.found:
        if tag in ("script", "svg", "iframe", "object", "embed", "style", "math", "form"):
            problems.append(tag)
        for name, value in attrs.items():
            target = "".join((value or "").split()).lower()
            if name.startswith("on") or name == "style" and "url" in target:
                problems.append(f"{tag} {name}")
            if name in ("href", "src") and target.startswith(("javascript:", "vbscript:", "data:")):
                problems.append(f"{tag} {name}={value}")
    return problems


def detail(article):
    return reverse("knowledge:detail", args=[article.pk])


# --- M14.1 Markdown, sanitised ------------------------------------------------------------------


def test_markdown_renders_headings_below_the_title_lists_tables_and_links():
    """M14.1"""
    html = render(
        "# Cause\n\n1. **Ouvrez** *Paramètres*\n\n| A | B |\n|---|:-:|\n| 1 | 2 |\n\n[aide](https://www.cegape.fr)"
    )
    assert "<h2>Cause</h2>" in html and "<h1>" not in html
    assert render("## Cause\n\n### Détail").startswith("<h2>Cause</h2>\n<h3>Détail</h3>")
    assert "<ol>" in html and "<strong>Ouvrez</strong>" in html and "<em>Paramètres</em>" in html
    assert "<table>" in html and '<td style="text-align:center">2</td>' in html
    assert '<a href="https://www.cegape.fr" rel="noopener noreferrer">aide</a>' in html


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[clic](javascript:alert(1))",
        "[clic](JaVaScRiPt:alert(1))",
        "[clic](java\tscript:alert(1))",
        "[clic](&#106;avascript:alert(1))",
        '<a href="javascript:alert(1)">clic</a>',
        "![x](javascript:alert(1))",
        "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<svg onload=alert(1)>",
        '<div style="background:url(javascript:alert(1))">x</div>',
        "[x](vbscript:msgbox(1))",
    ],
)
def test_no_script_event_handler_or_javascript_link_survives(markdown):
    """M14.1: raw HTML is shown as text, dangerous links lose their target."""
    assert not live_markup(render(markdown))


def test_images_only_from_the_articles_own_files(products):
    """M14.1 M10: nothing is loaded from another site."""
    article = write_article(products["software"])
    stored = attach_image(article)
    own = reverse("knowledge:file", args=[stored.uuid])
    html = render(f"![écran]({own}) ![pisteur](https://pisteur.example/x.png) ![b](data:image/png;base64,AAAA)")
    assert f'<img src="{own}" alt="écran">' in html
    assert "pisteur.example" not in html and "data:" not in html


# --- M14.2 Gated by contract ------------------------------------------------------------------------


@pytest.fixture
def articles(products):
    return {
        "software": write_article(products["software"], "Indeline : clôturer l'exercice"),
        "legal": write_article(products["legal"], "Juridem : congés de maladie"),
        # Winpaie: the fixture establishments' contract on it ended in 2019.
        "ended": write_article(products["software2"], "Winpaie : éditer les bulletins"),
        "draft": write_article(products["software"], "Indeline : brouillon", status=Article.Status.DRAFT),
    }


def test_a_client_reads_the_articles_of_their_contracts_in_force_only(client, agent, articles):
    """M14.2"""
    client.force_login(agent)
    body = client.get(INDEX).content.decode()
    assert escape(articles["software"].title) in body and escape(articles["legal"].title) in body
    assert escape(articles["ended"].title) not in body and escape(articles["draft"].title) not in body
    assert client.get(detail(articles["software"])).status_code == 200
    assert client.get(detail(articles["ended"])).status_code == 404
    assert client.get(detail(articles["draft"])).status_code == 404
    assert client.get(INDEX, {"produit": articles["ended"].product_id}).status_code == 404


def test_an_article_closes_when_the_contract_ends(client, agent, products, articles):
    """M14.2: the right is evaluated at each request, as for downloads."""
    client.force_login(agent)
    assert client.get(detail(articles["legal"])).status_code == 200
    end_contract(agent.establishment, products["legal"])
    assert client.get(detail(articles["legal"])).status_code == 404
    assert escape(articles["legal"].title) not in client.get(INDEX).content.decode()
    Contract.objects.filter(establishment=agent.establishment, product=products["legal"]).update(end_date=None)
    Contract.objects.filter(establishment=agent.establishment, product=products["legal"]).update(is_active=False)
    assert client.get(detail(articles["legal"])).status_code == 404


def test_vendor_staff_read_every_article_drafts_included(client, support, articles):
    """M14.2"""
    client.force_login(support)
    for article in articles.values():
        response = client.get(detail(article))
        assert response.status_code == 200
    assert "Brouillon" in client.get(detail(articles["draft"])).content.decode()


def test_an_articles_file_is_served_to_whoever_may_read_the_article_only(client, agent, support, articles):
    """M14.1 M14.2: through the checked serving path of downloads (attachment, no-store)."""
    allowed = attach_image(articles["software"])
    refused = attach_image(articles["ended"], "autre.png")
    client.force_login(agent)
    response = client.get(reverse("knowledge:file", args=[allowed.uuid]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png" and "private, no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert client.get(reverse("knowledge:file", args=[refused.uuid])).status_code == 404
    client.force_login(support)
    assert client.get(reverse("knowledge:file", args=[refused.uuid])).status_code == 200


def test_a_client_reading_an_article_is_counted_vendor_staff_are_not(client, agent, support, articles):
    """M14.4: the report's articles viewed."""
    client.force_login(agent)
    client.get(detail(articles["software"]))
    client.get(detail(articles["software"]))
    client.force_login(support)
    client.get(detail(articles["software"]))
    assert ArticleViewDay.objects.get(article=articles["software"]).views == 2


# --- M14.3 By product, newest first, searched -----------------------------------------------------


def test_the_page_lists_each_product_newest_first_in_bounded_queries(
    client, agent, products, django_assert_max_num_queries
):
    """M14.3"""
    for index in range(8):
        age_article(write_article(products["software"], f"Article {index}"), days=index)
    client.force_login(agent)
    with django_assert_max_num_queries(12):
        response = client.get(INDEX)
    assert response.status_code == 200
    software = next(product for product in response.context["products"] if product.pk == products["software"].pk)
    assert [article.title for article in software.latest] == [f"Article {index}" for index in range(5)]
    assert software.article_count == 8
    assert "Voir les 8 articles Indeline" in response.content.decode()
    with django_assert_max_num_queries(12):
        response = client.get(INDEX, {"produit": products["software"].pk})
    assert [article.title for article in response.context["page"].object_list] == [f"Article {i}" for i in range(8)]


DJANGO_ITEM = """{% load i18n knowledge %}<li class="kb-item">
  <h3 class="kb-item-title"><a href="{% url 'knowledge:detail' article.pk %}">{{ article.title }}</a>{% if not article.is_published %} <span class="badge warn">{% translate "Brouillon" %}</span>{% endif %}</h3>
  <p class="meta">{{ product_name|default:article.product.name }} · {% translate "mis à jour le" %} <time datetime="{{ article.updated_at|date:'c' }}">{{ article.updated_at|date:"d/m/Y" }}</time>{% if article.version_range %} · {{ article.version_range }}{% endif %}</p>
  <p class="kb-excerpt">{{ article.body|kb_excerpt }}</p>
</li>
"""


@pytest.mark.parametrize("product_name", ["", 'Indeline <b>"v2"</b>'])
def test_the_article_items_are_written_as_the_django_include_wrote_them(products, product_name):
    """M14.3: titles, drafts, products, local dates, versions and excerpts escaped the same way"""
    from django.template import Context, Template, engines
    from django.utils import translation

    written_articles = [
        write_article(
            products["software"],
            'Clôturer l\'exercice « 2026 » & <script>"x"</script>',
            body="**Ouvrez** [ici](https://a.example) " * 30,
        ),
        write_article(products["legal"], "Brouillon juridique", status=Article.Status.DRAFT, version_from="3.1"),
        write_article(products["software"], "Bornes", version_from="2024.1", version_to="2026.4", body="Court."),
        write_article(products["software"], "Jusqu'à", version_to="2025.2"),
    ]
    Article.objects.filter(pk=written_articles[0].pk).update(updated_at=datetime(2026, 3, 29, 23, 30, tzinfo=UTC))
    written_articles[0].refresh_from_db()
    item = Template(DJANGO_ITEM)
    with translation.override("fr"):
        expected = "".join(
            item.render(Context({"article": article, "product_name": product_name})) for article in written_articles
        )
        written = (
            engines["django"]
            .from_string("{% load knowledge %}{% article_items articles product_name %}")
            .render({"articles": written_articles, "product_name": product_name})
        )
    assert written == expected
    assert "&lt;script&gt;" in written and "Brouillon</span>" in written and "2026-03-30T01:30:00+02:00" in written


def test_search_ignores_accents_and_case_and_needs_every_word(client, agent, products):
    """M14.3"""
    wanted = write_article(products["software"], "Les bulletins de paie restent bloqués à l'édition")
    write_article(products["software"], "Bulletins de salaire", body="Rien sur l'impression.")
    client.force_login(agent)
    for query in ("bulletins bloques", "BULLETIN BLOQUÉ", "édition", "EDITIONS", "Bulletins   bloqués !"):
        found = [article.pk for article in client.get(INDEX, {"q": query}).context["page"].object_list]
        assert found == [wanted.pk], query
    assert not client.get(INDEX, {"q": "bulletins introuvable"}).context["page"].object_list


def test_search_ranks_the_title_before_the_text_then_the_newest(client, agent, products):
    """M14.3"""
    in_text = write_article(products["software"], "Paramétrer l'exercice", body="La DSN mensuelle.")
    in_title = age_article(write_article(products["software"], "DSN rejetée", body="Lire le compte rendu."), 30)
    newer_in_text = write_article(products["software"], "Autre sujet", body="La DSN encore.")
    client.force_login(agent)
    found = [a.pk for a in client.get(INDEX, {"q": "dsn"}).context["page"].object_list]
    assert found == [in_title.pk, newer_in_text.pk, in_text.pk]


def test_search_finds_nothing_of_a_product_without_a_contract(client, agent, products):
    """M14.2 M14.3"""
    write_article(products["software2"], "Winpaie : bulletins bloqués")
    client.force_login(agent)
    assert not client.get(INDEX, {"q": "bulletins bloqués"}).context["page"].object_list


@pytest.mark.parametrize("query", ["bulletins bloqués", "paie", "congés maladie contractuel", "zzz introuvable"])
def test_every_page_of_a_search_is_the_orm_s_for_each_reader(agent, other_agent, support, products, est_b, query):
    """M14.3 M14.2: the prepared count and pages of a search (first pages by offset, deeper ones by
    their keys) are those of the ORM's search, for two establishments and the vendor (drafts)"""
    from django.core.paginator import Paginator
    from django.db import connection

    from core.prepared import NOT_PREPARABLE
    from knowledge import search, selectors
    from knowledge.access import articles_for
    from testing.tickets import contract_of

    legal_b = contract_of(est_b, "JUR")
    legal_b.is_active = False  # the second establishment reads no legal article
    legal_b.save()
    titles = ["Bulletins bloqués", "Paie de mars", "Congés de maladie", "Bulletins de paie bloqués à l'édition"]
    for index in range(13):
        product = (products["software"], products["legal"], products["software2"])[index % 3]
        status = Article.Status.DRAFT if index % 5 == 4 else Article.Status.PUBLISHED
        write_article(
            product,
            f"{titles[index % 4]} n°{index}",
            body="Paie : bulletins bloqués, congés maladie contractuel.",
            status=status,
        )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(selectors, "PAGE_SIZE", 2)
        for user in (agent, other_agent, support):
            expected = Paginator(selectors._listed(search.matching(articles_for(user), query)), 2)
            for number in range(1, expected.num_pages + 2):
                page = selectors.article_page(user, number, query=query)
                assert page.paginator.count == expected.count
                assert [a.pk for a in page.object_list] == [a.pk for a in expected.get_page(number).object_list]
            legal = selectors.article_page(user, 1, query=query, product=products["legal"])
            assert {a.product_id for a in legal.object_list} <= {products["legal"].pk}
    if connection.vendor == "postgresql":
        for prepared in (selectors._SEARCH_COUNT, selectors._SEARCH_PAGES.rows, selectors._SEARCH_PAGES.keys):
            assert NOT_PREPARABLE not in prepared._shapes.values()
