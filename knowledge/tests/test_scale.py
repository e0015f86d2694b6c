"""Fast with 10,000 articles (M14.6): the benchmark's articles (bench.data.write_articles, COPY)
in the test database; the search page reads them through the GIN index of their tsvector, never
the whole table; the suggestions read only the titles' small tsvector and short columns; both in
a bounded number of queries. PostgreSQL only (the
benchmark's database; the embedded default holds a handful of articles)."""

import json
import statistics
import time
import urllib.parse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench import data as bench_data
from knowledge.models import Article
from testing.tickets import contract_of

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")


@pytest.fixture
def articles(products, est_a):
    ids = [products["software"].pk, products["legal"].pk, products["software2"].pk]
    with connection.cursor() as cursor:
        count = bench_data.write_articles(cursor.cursor, 1, products=ids, now=time.time())
        cursor.execute("ANALYZE knowledge_article")
    return count


def _plans(sqls):
    nodes = []
    with connection.cursor() as cursor:
        for sql in sqls:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            raw = cursor.fetchone()[0]
            stack = [(json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]]
            while stack:
                node = stack.pop()
                nodes.append(node)
                stack.extend(node.get("Plans", []))
    return nodes


def _measure(client, url, queries_at_most):
    """The queries on the articles' table, their plan nodes, and the median time of 10 requests."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert len(captured.captured_queries) <= queries_at_most, [q["sql"][:120] for q in captured.captured_queries]
    sqls = [q["sql"] for q in captured.captured_queries if "knowledge_article" in q["sql"]]
    timings = []
    for _ in range(10):
        started = time.perf_counter()
        client.get(url, HTTP_HX_REQUEST="true")
        timings.append((time.perf_counter() - started) * 1000)
    return response, _plans(sqls), statistics.median(timings)


def _no_full_read(nodes):
    return [
        f"{node['Node Type']} reading {node['Actual Rows'] + node.get('Rows Removed by Filter', 0)} rows"
        for node in nodes
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == "knowledge_article"
    ]


def test_search_and_suggestions_use_the_index_among_10000_articles(client, agent, articles, capsys):
    """M14.6 M14.3 M14.4"""
    assert articles == 10_000 == Article.objects.count()
    client.force_login(agent)
    search_url = reverse("knowledge:index") + "?" + urllib.parse.urlencode({"q": bench_data.KB_SEARCH})
    response, nodes, search_ms = _measure(client, search_url, queries_at_most=10)
    assert response.context["page"].paginator.count > 0
    assert not _no_full_read(nodes), _no_full_read(nodes)
    assert any(node.get("Index Name") == "knowledge_article_search_gin" for node in nodes), [
        (n["Node Type"], n.get("Index Name"), n.get("Relation Name"), n.get("Actual Rows")) for n in nodes
    ]

    contract = contract_of(agent.establishment, "SW")
    params = {"subject": bench_data.KB_SUBJECT, "contract": contract.pk}
    suggest_url = reverse("knowledge:suggestions") + "?" + urllib.parse.urlencode(params)
    response, nodes, suggest_ms = _measure(client, suggest_url, queries_at_most=8)
    assert len(response.context["articles"]) == 5
    assert all(article.product_id == contract.product_id for article in response.context["articles"])
    # The suggestions read the titles' small tsvector (never the texts'), and only short columns.
    filters = " ".join(node.get("Filter", "") + node.get("Recheck Cond", "") for node in nodes)
    assert "title_vector @@" in filters and "search_vector" not in filters
    _, _, baseline_ms = _measure(client, reverse("downloads:list"), queries_at_most=12)
    with capsys.disabled():
        print(
            f"\n10,000 articles: search {search_ms:.1f} ms, suggestions {suggest_ms:.1f} ms, "
            f"« Téléchargements » {baseline_ms:.1f} ms (median of 10, test client)"
        )
