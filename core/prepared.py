"""Querysets compiled once per process, run again with new values (the hot pages' small queries).

Building and compiling a small queryset costs Django 150–350 µs of Python (``filter``, ``only``,
``as_sql``), often more than PostgreSQL takes to run it: a page of the list makes four such
queries. ``Prepared`` keeps the SQL a queryset compiles to, by *shape*, and runs it again with
the new values, building the rows exactly as Django's own iterables do.

    CONTRACTS = Prepared(lambda ids: Contract.objects.filter(pk__in=ids).only("reference"))
    contracts = CONTRACTS.run(ids=[3, 7, 9])

How a shape is learned, and why it cannot drift from the ORM:

- The builder is called once with *stand-ins* for the values: a unique integer for an integer, a
  unique text for a text, a unique day of the 11th–16th centuries for a date, a list of unique integers of the same length for a list of integers;
  booleans, ``None``, 0 and « » are part of the shape (a builder may test them). The stand-ins
  are found in the compiled parameters and their positions kept (a value may be used twice).
- The shape is then checked once against the ORM: the builder is called with the real values
  and compiled the ordinary way; the SQL must be the same and the parameters the same once the
  stand-ins are replaced. Otherwise (a value transformed on its way, inlined into the SQL like a
  slice) the shape is marked as not preparable and every call
  of it goes through the ORM. A run is therefore always the ORM's own query.
- Only plain querysets: model instances (``select_related``, ``only``, annotations) or
  ``values_list`` tuples; ``prefetch_related`` and the like are refused when the shape is learned.
  ``PreparedRow`` takes SQL composed from compiled querysets (several counts in one ``SELECT``)
  and gives its one row.

The cache holds at most ``MAX_SHAPES`` shapes per ``Prepared`` (a list's length is part of the
shape: at most one per page size), kept per database alias and engine.
"""

import itertools
from datetime import date
from inspect import getattr_static

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

from core.memo import Memo

MAX_SHAPES = 256
# Integer stand-ins: within a 32-bit column's range (Django 5 turns an out-of-range lookup into an
# empty result), above any count or constant the portal's queries hold.
_INT_BASE = 1_900_000_000
_INT_SPAN = 200_000_000
# Date stand-ins: days of the years 1000–1547, which no date the portal queries with falls in.
_DATE_BASE = date(1000, 1, 1).toordinal()
_DATE_SPAN = 200_000
_serial = itertools.count(1)


def _int_stand_in():
    return _INT_BASE + next(_serial) % _INT_SPAN


class _Text(str):
    """A text stand-in (a ``str``, so lookups accept it), unique per shape."""


def _stand_in(value):
    """(stand-in, shape part) for one value; the stand-in is ``None`` when the value is part of
    the shape. Falsy values are shape too: a builder may test them (``if status:``)."""
    if value is None or isinstance(value, bool) or value == 0 or value == "":
        return None, ("=", value)
    if isinstance(value, int):
        return _int_stand_in(), ("int",)
    if isinstance(value, str):
        # Framed by brackets no text strips (« \x1e » is whitespace to ``str.strip``).
        return _Text(f"⟦prepared-{next(_serial)}⟧"), ("str",)
    if type(value) is date:
        return date.fromordinal(_DATE_BASE + next(_serial) % _DATE_SPAN), ("date",)
    if isinstance(value, (list, tuple, set, frozenset)) and all(
        isinstance(item, int) and not isinstance(item, bool) for item in value
    ):
        return [_int_stand_in() for _ in value], ("ints", len(value))
    raise TypeError(
        f"Prepared: {type(value).__name__} n'est pas une valeur préparable (entier, texte, date, liste d'entiers)"
    )


class _Shape:
    __slots__ = ("sql", "slots", "rows", "empty")

    def __init__(self, sql=None, slots=None, rows=None, empty=False):
        self.sql, self.slots, self.rows, self.empty = sql, slots, rows, empty


NOT_PREPARABLE = _Shape()


class Prepared:
    """``build(**values)`` makes the queryset; ``shape`` names the values that choose its form
    (a sort key, a mode) rather than being passed to the database: they are never stood in for."""

    def __init__(self, build, *, shape=()):
        self._build = build
        self._shape_names = frozenset(shape)
        self._shapes = Memo(bound=MAX_SHAPES)

    def queryset(self, **values):
        """The ORM's queryset for these values (what ``run`` stands for)."""
        return self._build(**values)

    def run(self, *, using="default", **values):
        """The queryset's rows (a list), through its prepared SQL when the shape allows it."""
        connection = connections[using]
        parts, stand_ins = {}, {}
        for name, value in values.items():
            if isinstance(value, (set, frozenset, tuple)):
                value = values[name] = list(value)  # one order, the one Django compiles
            if isinstance(value, list) and len(set(value)) != len(value):
                return self._unprepared(values, using)  # duplicates: Django compiles them once
            stand_in, part = (None, ("=", value)) if name in self._shape_names else _stand_in(value)
            parts[name] = part
            if stand_in is not None:
                stand_ins[name] = stand_in
        key = (using, connection.vendor, tuple(sorted(parts.items())))
        shape = self._shapes.get(key)
        if shape is None:
            shape = self._shapes.keep(key, self._learn(using, values, stand_ins))
        if shape is NOT_PREPARABLE:
            return self._unprepared(values, using)
        if shape.empty:
            return []
        with connection.cursor() as cursor:
            cursor.execute(shape.sql, _params(shape.slots, values))
            fetched = cursor.fetchall()
        return shape.rows(fetched, connection, using)

    def _learn(self, using, values, stand_ins):
        """The shape of these values: its SQL and where each value goes, or NOT_PREPARABLE."""
        try:
            compiled = self._compile(self._build(**{**values, **stand_ins}), using)
        except EmptyResultSet:
            return _Shape(empty=True) if self._compiles_empty(values, using) else NOT_PREPARABLE
        if compiled is None:
            return NOT_PREPARABLE
        sql, params, row_builder = compiled
        positions = {}
        for name, stand_in in stand_ins.items():
            if isinstance(stand_in, list):
                positions.update({item: (name, index) for index, item in enumerate(stand_in)})
            else:
                positions[stand_in] = (name,)
        slots = []
        for param in params:
            slot = positions.get(param) if isinstance(param, (int, str, date)) and not isinstance(param, bool) else None
            if slot is None:
                if _holds_stand_in(param, positions):
                    return NOT_PREPARABLE  # a stand-in transformed on its way (e.g. « %text% »)
                slot = ("", param)
            slots.append(slot)
        used = {slot for slot in slots if slot[0] != ""}
        if used != set(positions.values()) or any(str(stand_in) in sql for stand_in in positions):
            return NOT_PREPARABLE  # a value dropped (not a parameter), or written into the SQL
        # The check against the ORM: the same SQL and, stand-ins replaced, the same parameters.
        try:
            real = self._compile(self._build(**values), using)
        except EmptyResultSet:
            return NOT_PREPARABLE
        if real is None or real[0] != sql or list(real[1]) != _params(slots, values):
            return NOT_PREPARABLE
        rows = row_builder()
        return NOT_PREPARABLE if rows is None else _Shape(sql=sql, slots=slots, rows=rows)

    def _unprepared(self, values, using):
        return list(self._build(**values).using(using))

    def _compile(self, built, using):
        """(sql, params, what makes the rows' builder) of a built queryset; None if not plain."""
        if not _plain(built):
            return None
        compiler = built.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        return sql, params, lambda: _row_builder(built, compiler, using)

    def _compiles_empty(self, values, using):
        try:
            self._compile(self._build(**values), using)
        except EmptyResultSet:
            return True
        return False


class PreparedRow(Prepared):
    """A builder that composes its own SQL from compiled querysets (several counts in one
    ``SELECT``, as ``support.selectors.bounded_counts``): it returns ``(sql, params)``, and
    ``run`` gives the one row selected, as a tuple. Learned and checked as ``Prepared`` is."""

    def _unprepared(self, values, using):
        sql, params = self._build(**values)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return tuple(cursor.fetchone())

    def _compile(self, built, using):
        sql, params = built
        return sql, list(params), lambda: _first_row

    def _compiles_empty(self, values, using):
        return False


class _Slice:
    """What a ``PreparedSlice`` builds: the unsliced queryset, and the slice to read of it."""

    __slots__ = ("queryset", "offset", "limit")

    def __init__(self, queryset, offset, limit):
        self.queryset, self.offset, self.limit = queryset, offset, limit


class PreparedSlice(Prepared):
    """A queryset read one slice at a time (a list's pages): ``run(offset=…, limit=…, **values)``.

    Django writes a slice into the SQL (``LIMIT 25 OFFSET 1225``), which ``Prepared`` refuses as a
    value written into the SQL: here the unsliced SQL is learned once and the slice is sent as two
    parameters, so that every page of a list runs one statement. Checked against the ORM when the
    shape is learned: Django's SQL for the sliced queryset must be the unsliced SQL followed by
    that very ``LIMIT``/``OFFSET`` (with the same parameters), or the shape is not preparable."""

    def __init__(self, build, *, shape=()):
        super().__init__(lambda offset, limit, **values: _Slice(build(**values), offset, limit), shape=shape)

    def run(self, *, offset, limit, using="default", **values):
        return super().run(using=using, offset=offset, limit=limit, **values)

    def queryset(self, **values):
        built = self._build(**values)
        return built.queryset[built.offset : built.offset + built.limit]

    def _unprepared(self, values, using):
        return list(self.queryset(**values).using(using))

    def _compile(self, built, using):
        compiled = super()._compile(built.queryset, using)
        if compiled is None or built.limit <= 0 or built.offset < 0:
            return None
        sql, params, rows = compiled
        sliced = built.queryset[built.offset : built.offset + built.limit]
        sliced_sql, sliced_params = sliced.query.get_compiler(using=using).as_sql()
        written = f" LIMIT {built.limit}" + (f" OFFSET {built.offset}" if built.offset else "")
        if sliced_sql != sql + written or list(sliced_params) != list(params):
            return None
        return f"{sql} LIMIT %s OFFSET %s", [*params, built.limit, built.offset], rows


def _first_row(fetched, connection, db):
    return tuple(fetched[0])


def _params(slots, values):
    return [
        slot[1] if slot[0] == "" else values[slot[0]] if len(slot) == 1 else values[slot[0]][slot[1]] for slot in slots
    ]


def _holds_stand_in(param, positions):
    if isinstance(param, str):
        return any(isinstance(s, str) and s in param for s in positions)
    if isinstance(param, (list, tuple)):
        return any(item in positions for item in param if isinstance(item, (int, str)))
    return False


def _plain(queryset):
    """Model instances or ``values_list`` tuples, nothing fetched besides the query's own rows."""
    return (
        queryset._iterable_class in (ModelIterable, ValuesListIterable)
        and not queryset._prefetch_related_lookups
        and not queryset._known_related_objects
    )


def _row_builder(queryset, compiler, using):
    """What turns fetched rows into Django's results, as ``ModelIterable`` or
    ``ValuesListIterable`` does: the fields' converters, then instances or tuples. ``None`` when
    Django would reorder the columns (``values_list`` with annotations not last)."""
    select = compiler.select[: compiler.col_count]
    converters = list(compiler.get_converters([column for column, _, _ in select]).items())

    def converted(fetched, connection):
        if not converters:
            return fetched
        rows = []
        for row in fetched:
            row = list(row)
            for position, (functions, expression) in converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            rows.append(row)
        return rows

    if queryset._iterable_class is ValuesListIterable:
        query = queryset.query
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        fields = [*queryset._fields, *(f for f in query.annotation_select if f not in queryset._fields)]
        if queryset._fields and fields != names:
            return None
        count = len(select)

        def tuples(fetched, connection, db):
            return [tuple(row[:count]) for row in converted(fetched, connection)]

        return tuples

    klass_info, annotation_col_map = compiler.klass_info, compiler.annotation_col_map
    model = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    populators = _plain_populators(get_related_populators(klass_info, select, using))
    annotations = list((annotation_col_map or {}).items())

    from_db = _plain_from_db(model, init_list) or model.from_db

    def instances(fetched, connection, db):
        objects = []
        for row in converted(fetched, connection):
            obj = from_db(db, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects

    return instances


# The descriptors of plain columns: ``Model.__init__`` sets them as it would set any attribute.
_PLAIN_COLUMNS = (DeferredAttribute, ForeignKeyDeferredAttribute)


def _plain_from_db(model, names):
    """What ``model.from_db`` does, for a model that does nothing of its own when built: its
    instance holds the fetched columns in its ``__dict__`` (deferred ones absent) and a state
    « from ``db``, not adding », as ``Model.__init__`` leaves it, without its loop over every
    field and the two signals nobody listens to. ``None`` (use ``from_db``) when the model
    overrides ``from_db`` or ``__init__``, something listens to its ``pre_init``/``post_init``
    (an image's dimensions), or a column's descriptor is not a plain one."""
    if (
        model.from_db.__func__ is not Model.from_db.__func__
        or model.__init__ is not Model.__init__
        or pre_init.has_listeners(model)
        or post_init.has_listeners(model)
        or any(type(getattr_static(model, name, None)) not in _PLAIN_COLUMNS for name in names)
    ):
        return None
    new = model.__new__

    def from_db(db, names, values):
        obj = new(model)
        state = obj._state = ModelState()
        state.adding, state.db = False, db
        obj.__dict__.update(zip(names, values, strict=True))
        return obj

    return from_db


def _plain_populators(populators):
    """Django's related populators (``select_related``), each building its instances with
    ``_plain_from_db`` where the related model allows it: otherwise they are left as they are."""
    for populator in populators:
        plain = _plain_from_db(populator.model_cls, populator.init_list)
        if plain is not None:
            populator.populate = _plain_populate.__get__(populator)
            populator.plain_from_db = plain
        _plain_populators(populator.related_populators)
    return populators


def _plain_populate(self, row, from_obj):
    """``RelatedPopulator.populate`` (Django 5.2), with ``self.plain_from_db`` for ``from_db``."""
    obj_data = self.reorder_for_init(row) if self.reorder_for_init else row[self.cols_start : self.cols_end]
    if obj_data[self.pk_idx] is None:
        obj = None
    else:
        obj = self.plain_from_db(self.db, self.init_list, obj_data)
        for related in self.related_populators:
            related.populate(row, obj)
    self.local_setter(from_obj, obj)
    if obj is not None:
        self.remote_setter(obj, from_obj)


def known_related(instance, related_name, objects):
    """What ``prefetch_related_objects([instance], related_name)`` leaves, for a reverse foreign
    key whose rows are already in hand (just written: a new DI's attachments), without reading
    them again. ``objects`` must be every related row, in the related model's order."""
    manager = getattr(instance, related_name)
    cache_name = manager.field.remote_field.cache_name
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache.pop(cache_name, None)  # the manager's queryset, not a cached one
    queryset = manager.get_queryset()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    cache[cache_name] = queryset
