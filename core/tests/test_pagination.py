"""The single-pass paginator: the page and its total in one query (docs/performance.md)."""

import pytest
from django.core.paginator import Paginator

from core.pagination import CountedPaginator, SinglePassPaginator
from news.models import NewsItem


@pytest.fixture
def news(db):
    NewsItem.objects.bulk_create(NewsItem(title=f"News {k:02d}", body="…") for k in range(23))
    return NewsItem.objects.order_by("title")


@pytest.mark.parametrize("number", [1, 3, "2", None, "abc"])
def test_single_pass_pages_match_the_standard_paginator_in_one_query(news, number, django_assert_num_queries):
    """M10"""
    expected = Paginator(news, 10).get_page(number)
    with django_assert_num_queries(1):
        page = SinglePassPaginator(news, 10).get_page(number)
        titles = [item.title for item in page]
        assert (page.number, page.paginator.count, page.paginator.num_pages) == (expected.number, 23, 3)
    assert titles == [item.title for item in expected]


def test_a_page_past_the_end_gives_the_last_page(news):
    """M10"""
    page = SinglePassPaginator(news, 10).get_page(9)
    assert page.number == 3 and [item.title for item in page] == ["News 20", "News 21", "News 22"]


def test_no_match_is_one_empty_page(db, django_assert_num_queries):
    """M10"""
    with django_assert_num_queries(1):
        page = SinglePassPaginator(NewsItem.objects.order_by("pk"), 10).get_page(1)
        assert (page.number, page.paginator.count, list(page), page.has_next()) == (1, 0, [], False)


@pytest.mark.parametrize("number", [1, 2, 3, "3", 99])
def test_a_counted_paginator_gives_the_standard_pages_deep_ones_by_keys_first(news, number):
    """M3.2 M10: from page 3 on, the page's keys then its rows; same rows, same order."""
    expected = Paginator(news, 10).get_page(number)
    page = CountedPaginator(news, 10, count=23).get_page(number)
    assert page.number == expected.number
    assert [item.title for item in page] == [item.title for item in expected]


def test_a_deep_page_reads_keys_then_rows_without_counting(news, django_assert_num_queries):
    """M10"""
    with django_assert_num_queries(2):
        page = CountedPaginator(news, 5, count=23).get_page(4)
        assert [item.title for item in page] == ["News 15", "News 16", "News 17", "News 18", "News 19"]
