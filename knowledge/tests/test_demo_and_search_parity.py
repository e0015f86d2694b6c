"""The demo articles (M14.1–M14.3) and the same search results on both databases (M14.3): the
expected lists below hold on SQLite (the embedded default, stems computed in Python) and on
PostgreSQL (the ``fr_unaccent`` tsvector); the suite runs on both."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import User
from demo import base as base_demo
from demo import knowledge as demo
from knowledge import search
from knowledge.models import Article, ArticleFile
from knowledge.selectors import suggestions


@pytest.fixture
def demo_data(db):
    base_demo.load()
    return demo.load()


def titles(articles):
    return [article.title for article in articles]


def test_demo_articles_for_indeline_winpaie_and_juridem(demo_data):
    """M14.1"""
    assert demo_data["articles_created"] == len(demo.ARTICLES)
    assert set(Article.objects.values_list("product__name", flat=True)) == {"Indeline", "Winpaie", "Juridem"}
    assert Article.objects.filter(status=Article.Status.DRAFT).count() == 1
    image = ArticleFile.objects.get()
    assert image.content_type == "image/png" and str(image.uuid) in image.article.body
    assert demo.load() == {"articles_created": 0}


def test_the_demo_ehpad_reads_no_indeline_article(client, demo_data):
    """M14.2: its Indeline contract ended in 2023."""
    client.force_login(User.objects.get(email="agent@ehpad-demo.example"))
    products = client.get(reverse("knowledge:index")).context["products"]
    assert [product.name for product in products] == ["Winpaie"]
    indeline = Article.objects.filter(product__name="Indeline").first()
    assert client.get(reverse("knowledge:detail", args=[indeline.pk])).status_code == 404


# query -> the titles the page's search finds (every word required), best first.
SEARCHES = {
    "bulletins bloqués": ["Les bulletins de paie restent bloqués à l'édition"],
    "BULLETIN BLOQUE": ["Les bulletins de paie restent bloqués à l'édition"],
    # « Éditez la balance » is the same word: the newer article first.
    "édition": ["Les bulletins de paie restent bloqués à l'édition", "Clôturer l'exercice comptable"],
    "DSN rejeté": ["Le fichier DSN est rejeté par net-entreprises"],
    "net-entreprises": ["Le fichier DSN est rejeté par net-entreprises"],
    # Both in the title: the newer first.
    "rejet": [
        "Un mandat est rejeté par le comptable (PES V2)",
        "Le fichier DSN est rejeté par net-entreprises",
    ],
    "congés maladie contractuels": ["Les congés de maladie ordinaire d'un agent contractuel"],
    "cloture exercice": ["Clôturer l'exercice comptable"],
    "cotisations 2026.4": ["Appliquer les nouveaux taux de cotisation au 1er janvier"],
    "cotisations IRCANTEC": ["Appliquer les nouveaux taux de cotisation au 1er janvier"],
    "mot de passe": ["Se connecter après le changement de mot de passe du domaine"],
    "arrêtés disponibilité": ["Rédiger un arrêté de mise en disponibilité"],
    "télétravail": [],
}


@pytest.mark.parametrize(("query", "expected"), SEARCHES.items(), ids=list(SEARCHES))
def test_the_demo_searches_find_the_same_articles_on_either_database(client, demo_data, query, expected):
    """M14.3"""
    client.force_login(User.objects.get(email="admin@ch-demo.example"))
    page = client.get(reverse("knowledge:index"), {"q": query}).context["page"]
    assert titles(page.object_list) == expected


# typed subject -> the titles suggested on the demo hospital's Winpaie contract.
TYPED = {
    "Impossible d'éditer les bulletins de paie": ["Les bulletins de paie restent bloqués à l'édition"],
    "Bulletins de paie bloq": ["Les bulletins de paie restent bloqués à l'édition"],
    "Notre DSN est rejetée par net-entreprises": ["Le fichier DSN est rejeté par net-entreprises"],
    "nouveaux taux cotisations": ["Appliquer les nouveaux taux de cotisation au 1er janvier"],
    # Titles and tags only: « congés » and « maladie » are a Juridem article's, not Winpaie's.
    "Congés maladie": [],
    "Le logiciel plante": [],
}


@pytest.mark.parametrize(("typed", "expected"), TYPED.items(), ids=list(TYPED))
def test_the_demo_suggestions_are_the_same_on_either_database(demo_data, typed, expected):
    """M14.4"""
    user = User.objects.get(email="agent@ch-demo.example")
    contract = user.establishment.contracts.get(product__name="Winpaie")
    assert titles(suggestions(user, typed, contract)) == expected


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares with PostgreSQL's own analysis")
def test_python_stems_are_postgresqls_lexemes_on_the_demo_articles(demo_data):
    """M14.3: the embedded default's words are those fr_unaccent keeps. Known differences, left
    out here: what holds a slash (link targets, paths, « 01/01 »), which PostgreSQL reads as a URL,
    a path or a date, and hyphenated compounds, which it also keeps whole."""
    with connection.cursor() as cursor:
        for article in Article.objects.all():
            text = re.sub(r"\]\([^)]*\)|\S*/\S*", " ", f"{article.title} {article.tags} {article.body}")
            cursor.execute("SELECT array_agg(lexeme) FROM unnest(to_tsvector('fr_unaccent', %s))", [text])
            lexemes = set(cursor.fetchone()[0])
            ours = set(search.stems_text(text).split())
            assert ours <= lexemes, (article.title, ours - lexemes)
            extra = {lexeme for lexeme in lexemes - ours if "-" not in lexeme and "." not in lexeme}
            assert not extra, (article.title, extra)


def test_stems_fold_accents_case_and_drop_stop_words():
    """M14.3"""
    assert search.stems_text("Les Bulletins ÉDITÉS à l'Œuvre") == " le bulletin edit a oeuvr "
    assert search.query_words("de la DSN, de la dsn !") == ["dsn"]
