"""Pagination helpers shared by the lists."""

from django.core.paginator import Paginator
from django.db.models import Count, Window

from core.prepared import Prepared, PreparedSlice


def with_total(queryset):
    """``queryset`` with each row's ``_total``: how many rows the whole list holds
    (``COUNT(*) OVER ()``, read by ``SinglePassPaginator``)."""
    return queryset.annotate(_total=Window(Count("pk")))


class SinglePassPaginator(Paginator):
    """The page and the total in one query (``COUNT(*) OVER ()``). For a search within one
    establishment (at most its 20,000 DIs): its matching set is then read once instead of twice
    (the count, then the page). Not for unbounded sets: the window counts every matching row.

    ``rows(offset, limit)``: what reads a slice of ``with_total(object_list)`` (a prepared query:
    ``support.selectors``' client search); by default the queryset itself."""

    def __init__(self, object_list, per_page, *, rows=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.rows = rows or self._queryset_rows

    def _queryset_rows(self, offset, limit):
        return list(with_total(self.object_list)[offset : offset + limit])

    def get_page(self, number):
        try:
            number = max(1, int(number))
        except (TypeError, ValueError):
            number = 1
        bottom = (number - 1) * self.per_page
        rows = self.rows(bottom, self.per_page)
        if not rows and number > 1:  # past the last page: the last page, as Paginator.get_page answers
            first = self.rows(0, 1)
            if first:
                self.__dict__["count"] = first[0]._total  # Paginator.count is a cached_property
                number = self.num_pages
                rows = self.rows((number - 1) * self.per_page, self.per_page)
        if rows:
            self.__dict__["count"] = rows[0]._total
            return self._get_page(rows, number, self)
        self.__dict__["count"] = 0
        return self._get_page([], 1, self)


class QuerysetPages:
    """How a ``CountedPaginator`` reads its pages by default: through its queryset."""

    def __init__(self, queryset):
        self.queryset = queryset

    def rows(self, offset, limit):
        return self.queryset[offset : offset + limit]

    def keys(self, offset, limit):
        return list(self.queryset.values_list("pk", flat=True)[offset : offset + limit])

    def by_keys(self, keys):
        return list(self.queryset.filter(pk__in=keys))


class CountedPaginator(Paginator):
    """A paginator told its total (a maintained counter) instead of counting the list.

    From page ``DEEP_PAGE`` on, a page reads its keys first (a range of the list's index, skipping
    the pages before it without reading their rows) and then those rows with their joins: an
    OFFSET over the joined query would join every row it skips (page 50: 1,225 of them).

    ``pages``: what reads them — ``rows(offset, limit)``, ``keys(offset, limit)`` and
    ``by_keys(keys)`` (in the list's order); by default the queryset itself (``QuerysetPages``),
    or prepared queries (``support.selectors``' client list)."""

    DEEP_PAGE = 3

    def __init__(self, object_list, per_page, *, count, pages=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.__dict__["count"] = count  # Paginator.count is a cached_property
        self.pages = pages or QuerysetPages(object_list)

    def page(self, number):
        number = self.validate_number(number)
        if not self.count:
            return self._get_page([], number, self)
        bottom = (number - 1) * self.per_page
        if number < self.DEEP_PAGE:
            return self._get_page(self.pages.rows(bottom, self.per_page), number, self)
        keys = self.pages.keys(bottom, self.per_page)
        return self._get_page(self.pages.by_keys(keys) if keys else [], number, self)


class PreparedPages:
    """The pages of a list through prepared queries (``core.prepared``): ``build(**values)`` makes
    the list's ordered queryset; its rows by offset, its keys by offset and its rows by keys are each
    compiled once per shape. ``PreparedPages(build).of(**values)`` is a ``CountedPaginator``'s
    ``pages`` for those values."""

    def __init__(self, build, *, shape=()):
        self.rows = PreparedSlice(build, shape=shape)
        self.keys = PreparedSlice(lambda **values: build(**values).values_list("pk"), shape=shape)
        self.by_keys = Prepared(lambda keys, **values: build(**values).filter(pk__in=keys), shape=shape)

    def of(self, **values):
        return _PagesOf(self, values)


class _PagesOf:
    def __init__(self, prepared, values):
        self.prepared, self.values = prepared, values

    def rows(self, offset, limit):
        return self.prepared.rows.run(offset=offset, limit=limit, **self.values)

    def keys(self, offset, limit):
        return [pk for (pk,) in self.prepared.keys.run(offset=offset, limit=limit, **self.values)]

    def by_keys(self, keys):
        return self.prepared.by_keys.run(keys=keys, **self.values)
