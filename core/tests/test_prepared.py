"""core.prepared: querysets compiled once per shape, run again with new values — always the
ORM's own query and rows, or the ORM itself."""

from unittest import mock

import pytest
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role, User
from audit.models import Event
from core.prepared import NOT_PREPARABLE, Prepared, PreparedSlice

pytestmark = pytest.mark.django_db


@pytest.fixture
def events():
    author = User.objects.create_user(
        "auteur@example.org", "x", role=Role.SUPPORT_SOFTWARE, first_name="Ana", last_name="Lys"
    )
    rows = [
        Event.objects.create(
            action=f"action.{n % 3}",
            actor=author if n % 2 else None,
            target=f"DI-{n}",
            ip_address="192.0.2.7" if n % 2 else None,
            data={"n": n, "mots": ["é", n]},
        )
        for n in range(8)
    ]
    return rows


def _same(ours, django_s, fields=("pk", "action", "actor_id", "target", "ip_address", "data", "created_at")):
    assert [type(obj) for obj in ours] == [type(obj) for obj in django_s]
    assert [[getattr(obj, name) for name in fields] for obj in ours] == [
        [getattr(obj, name) for name in fields] for obj in django_s
    ]


def _learned(prepared):
    return mock.patch.object(prepared, "_learn", wraps=prepared._learn)


def test_a_run_gives_the_orm_s_instances_converted_values_included(events):
    """M10: JSON, dates and addresses come back as the ORM gives them"""
    by_ids = Prepared(lambda ids: Event.objects.filter(pk__in=ids).order_by("pk"))
    ids = [events[1].pk, events[4].pk, events[6].pk]
    _same(by_ids.run(ids=ids), list(by_ids.queryset(ids=ids)))
    assert by_ids.run(ids=ids)[1].data == {"n": 4, "mots": ["é", 4]}


def test_a_shape_is_compiled_once_and_run_with_new_values(events, django_assert_num_queries):
    """M10"""
    by_ids = Prepared(lambda ids: Event.objects.filter(pk__in=ids).order_by("-pk"))
    with _learned(by_ids) as learn:
        by_ids.run(ids=[events[0].pk, events[1].pk])
        with django_assert_num_queries(1):
            second = by_ids.run(ids=[events[5].pk, events[2].pk])
        by_ids.run(ids=[events[3].pk])  # another length: another shape
    assert learn.call_count == 2
    assert [e.pk for e in second] == [events[5].pk, events[2].pk]
    assert [shape for shape in by_ids._shapes.values() if shape is NOT_PREPARABLE] == []


def test_select_related_and_only_are_built_as_the_orm_builds_them(events, django_assert_num_queries):
    """M10: the related instance is filled from the same row; deferred fields stay deferred"""
    with_author = Prepared(
        lambda action: (
            Event.objects.filter(action=action)
            .select_related("actor")
            .only("target", "actor__first_name")
            .order_by("pk")
        )
    )
    with_author.run(action="action.1")
    with django_assert_num_queries(1):
        ours = with_author.run(action="action.1")
        names = [event.actor.first_name if event.actor else None for event in ours]
    django_s = list(with_author.queryset(action="action.1"))
    assert [e.pk for e in ours] == [e.pk for e in django_s]
    assert names == [event.actor.first_name if event.actor else None for event in django_s]
    assert ours[0].get_deferred_fields() == django_s[0].get_deferred_fields()


def test_values_list_rows_are_the_orm_s_tuples(events):
    """M10"""
    pairs = Prepared(lambda action: Event.objects.filter(action=action).order_by("pk").values_list("target", "data"))
    for action in ("action.0", "action.2"):
        assert pairs.run(action=action) == list(pairs.queryset(action=action))


def test_no_keys_means_no_query(events, django_assert_num_queries):
    """M10"""
    by_ids = Prepared(lambda ids: Event.objects.filter(pk__in=ids))
    with django_assert_num_queries(0):
        assert by_ids.run(ids=[]) == []
        assert by_ids.run(ids=[]) == []


def test_repeated_keys_go_through_the_orm_without_spoiling_the_shape(events):
    """M10: Django compiles a repeated key once, so the list's length is not the shape's"""
    by_ids = Prepared(lambda ids: Event.objects.filter(pk__in=ids).order_by("pk"))
    assert [e.pk for e in by_ids.run(ids=[events[2].pk, events[2].pk])] == [events[2].pk]
    assert [e.pk for e in by_ids.run(ids=[events[2].pk, events[3].pk])] == [events[2].pk, events[3].pk]
    assert NOT_PREPARABLE not in by_ids._shapes.values()


def test_a_value_inlined_into_the_sql_is_not_prepared_and_the_orm_answers(events):
    """M10: a slice is written into the SQL, not passed as a parameter"""
    first = Prepared(lambda count: Event.objects.order_by("pk")[:count])
    assert [e.pk for e in first.run(count=3)] == [e.pk for e in events[:3]]
    assert [e.pk for e in first.run(count=5)] == [e.pk for e in events[:5]]
    assert list(first._shapes.values()) == [NOT_PREPARABLE]


def test_a_value_transformed_on_its_way_is_not_prepared_and_the_orm_answers(events):
    """M10: « contains » sends %value%, not the value"""
    containing = Prepared(lambda text: Event.objects.filter(target__contains=text).order_by("pk"))
    assert [e.target for e in containing.run(text="DI-3")] == ["DI-3"]
    assert [e.target for e in containing.run(text="DI-5")] == ["DI-5"]
    assert list(containing._shapes.values()) == [NOT_PREPARABLE]


def test_a_builder_that_tests_a_value_gets_a_shape_per_falsy_value(events):
    """M10: « » and 0 are shape, so ``if action:`` cannot be learned from a stand-in"""
    maybe = Prepared(
        lambda action: (Event.objects.filter(action=action) if action else Event.objects.all()).order_by("pk")
    )
    assert len(maybe.run(action="")) == 8
    assert len(maybe.run(action="action.0")) == 3
    assert len(maybe.run(action="")) == 8
    assert NOT_PREPARABLE not in maybe._shapes.values()


def test_a_condition_s_constants_stay_in_the_prepared_query(events):
    """M10: constants of the builder (here the action) travel with the shape"""
    of_author = Prepared(
        lambda actor: Event.objects.filter(Q(action="action.1") | Q(action="action.2"), actor_id=actor).order_by("pk")
    )
    actor = events[1].actor_id
    assert [e.pk for e in of_author.run(actor=actor)] == [e.pk for e in of_author.queryset(actor=actor)]
    assert [e.pk for e in of_author.run(actor=actor + 1)] == []


def test_a_value_used_twice_is_passed_twice(events):
    """M10"""
    either = Prepared(lambda actor: Event.objects.filter(Q(actor_id=actor) | Q(establishment_id=actor)).order_by("pk"))
    actor = events[1].actor_id
    assert [e.pk for e in either.run(actor=actor)] == [e.pk for e in events if e.actor_id == actor]
    assert [e.pk for e in either.run(actor=actor + 1)] == []
    assert NOT_PREPARABLE not in either._shapes.values()


def test_other_kinds_of_values_are_refused():
    """M10: a moment or an object would make a new shape on every call"""
    by_date = Prepared(lambda when: Event.objects.filter(created_at__lte=when))
    for value in (object(), timezone.now()):
        with pytest.raises(TypeError):
            by_date.run(when=value)


def test_prefetching_querysets_are_run_by_the_orm(events):
    """M10"""
    prefetching = Prepared(lambda action: Event.objects.filter(action=action).prefetch_related("actor"))
    assert {e.pk for e in prefetching.run(action="action.1")} == {e.pk for e in events if e.action == "action.1"}
    assert list(prefetching._shapes.values()) == [NOT_PREPARABLE]


def test_values_named_as_shape_choose_the_query_s_form(events):
    """M10: a sort key is read by the builder, never stood in for"""
    sorted_by = Prepared(
        lambda action, sort: Event.objects.filter(action=action).order_by({"up": "pk", "down": "-pk"}[sort]),
        shape=("sort",),
    )
    up = [e.pk for e in sorted_by.run(action="action.1", sort="up")]
    down = [e.pk for e in sorted_by.run(action="action.1", sort="down")]
    assert up == sorted(up) and down == up[::-1] and len(up) == 3
    assert [e.pk for e in sorted_by.run(action="action.2", sort="down")] == sorted(
        (e.pk for e in events if e.action == "action.2"), reverse=True
    )
    assert len(sorted_by._shapes) == 2 and NOT_PREPARABLE not in sorted_by._shapes.values()


def _two_counts(action, actor):
    parts, params = [], []
    for queryset in (Event.objects.filter(action=action), Event.objects.filter(actor_id=actor)):
        sql, query_params = queryset.values("pk").query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")  # noqa: S608 (Django-compiled SQL)
        params.extend(query_params)
    return "SELECT " + ", ".join(parts), params


def test_a_prepared_row_composes_counts_once_and_runs_them_again(events, django_assert_num_queries):
    """M10: the support's home: its own counts in one query, composed once"""
    from core.prepared import PreparedRow

    counts = PreparedRow(_two_counts)
    actor = events[1].actor_id
    assert counts.run(action="action.1", actor=actor) == (3, 4)
    with _learned(counts) as learn, django_assert_num_queries(1):
        assert counts.run(action="action.0", actor=actor + 1) == (3, 0)
    assert learn.call_count == 0


def test_a_prepared_row_that_cannot_be_prepared_is_run_as_composed(events):
    """M10: the value written into the SQL: composed and run each time"""
    from core.prepared import PreparedRow

    inlined = PreparedRow(
        lambda limit: (f"SELECT COUNT(*) FROM (SELECT 1 FROM audit_event LIMIT {int(limit)}) AS l", [])
    )
    assert inlined.run(limit=3) == (3,)
    assert inlined.run(limit=5) == (5,)
    assert list(inlined._shapes.values()) == [NOT_PREPARABLE]


# --- PreparedSlice: a list read one page at a time ------------------------------------------------


def test_every_slice_of_a_list_runs_one_statement_and_gives_the_orm_s_rows(events, django_assert_num_queries):
    """M10: the offset and the limit are parameters, not a shape each"""
    pages = PreparedSlice(lambda action: Event.objects.exclude(action=action).order_by("-pk"))
    with _learned(pages) as learn:
        for offset, limit in ((1, 2), (2, 2), (3, 3), (4, 2), (9, 2)):
            with django_assert_num_queries(1):
                ours = pages.run(offset=offset, limit=limit, action="action.1")
            _same(ours, list(Event.objects.exclude(action="action.1").order_by("-pk")[offset : offset + limit]))
        _same(
            pages.run(offset=0, limit=2, action="action.2"), list(pages.queryset(offset=0, limit=2, action="action.2"))
        )
    assert learn.call_count == 2  # an offset of 0 is a shape of its own (Django writes no OFFSET)
    assert NOT_PREPARABLE not in pages._shapes.values()
    assert pages.run(offset=9, limit=2, action="action.1") == []  # past the end


def test_a_slice_of_values_list_gives_the_orm_s_tuples(events):
    """M10"""
    keys = PreparedSlice(lambda: Event.objects.order_by("target").values_list("pk"))
    assert keys.run(offset=2, limit=3) == list(Event.objects.order_by("target").values_list("pk")[2:5])
    assert NOT_PREPARABLE not in keys._shapes.values()


def test_a_sliced_queryset_whose_sql_django_writes_otherwise_is_not_prepared(events):
    """M10: the check against the ORM's own sliced SQL refuses the shape"""
    pages = PreparedSlice(lambda: Event.objects.order_by("pk"))
    with mock.patch("django.db.backends.base.operations.BaseDatabaseOperations.limit_offset_sql") as written:
        written.return_value = "FETCH FIRST 2 ROWS ONLY"
        assert pages._compile(pages._build(offset=1, limit=2), "default") is None
    assert pages._compile(pages._build(offset=1, limit=2), "default")[0].endswith(" LIMIT %s OFFSET %s")


def test_an_empty_or_negative_slice_is_read_by_the_orm(events):
    """M10"""
    pages = PreparedSlice(lambda: Event.objects.order_by("pk"))
    assert pages.run(offset=2, limit=0) == []
    assert list(pages._shapes.values()) == [NOT_PREPARABLE]


def _state_and_columns(obj):
    columns = {name: value for name, value in vars(obj).items() if name != "_state"}
    return type(obj), obj._state.db, obj._state.adding, columns


def test_prepared_instances_hold_what_the_orm_s_hold_deferred_fields_included(events):
    """M10: built without Model.__init__'s loop, the same columns, state and deferred fields"""
    for build in (
        lambda ids: Event.objects.filter(pk__in=ids).order_by("pk"),
        lambda ids: Event.objects.filter(pk__in=ids).only("target", "actor").order_by("pk"),
    ):
        prepared = Prepared(build)
        ids = [events[1].pk, events[2].pk, events[3].pk]
        ours, django_s = prepared.run(ids=ids), list(prepared.queryset(ids=ids))
        assert [_state_and_columns(e) for e in ours] == [_state_and_columns(e) for e in django_s]
        assert [e.get_deferred_fields() for e in ours] == [e.get_deferred_fields() for e in django_s]
        assert ours[0].actor.first_name == "Ana" and ours[0].target == django_s[0].target
        ours[0].target += "-X"
        ours[0].save(update_fields=["target"])
        assert Event.objects.get(pk=ids[0]).target == django_s[0].target + "-X"


def test_related_instances_of_select_related_hold_what_the_orm_s_hold(events, django_assert_num_queries):
    """M10: the instances ``select_related`` joins (and their own relations) are built without
    Model.__init__ too: the same columns, state and cached relations as the ORM's; none for an
    empty foreign key"""
    for build in (
        lambda ids: Event.objects.filter(pk__in=ids).select_related("actor").order_by("pk"),
        lambda ids: Event.objects.filter(pk__in=ids).select_related("actor").only("target", "actor__email"),
    ):
        prepared = Prepared(build)
        ids = [events[0].pk, events[1].pk, events[2].pk, events[3].pk]
        ours, django_s = prepared.run(ids=ids), list(prepared.queryset(ids=ids))
        ours.sort(key=lambda e: e.pk)
        django_s.sort(key=lambda e: e.pk)
        with django_assert_num_queries(0):
            actors = [e.actor for e in ours]
        assert [a is None for a in actors] == [e.actor is None for e in django_s] == [True, False, True, False]
        assert [_state_and_columns(e.actor) for e in ours if e.actor] == [
            _state_and_columns(e.actor) for e in django_s if e.actor
        ]
        assert [e.actor.get_deferred_fields() for e in ours if e.actor] == [
            e.actor.get_deferred_fields() for e in django_s if e.actor
        ]


def test_a_model_someone_listens_to_when_built_is_built_by_its_from_db(events):
    """M10: a post_init receiver (an image's dimensions, a change tracker) still runs"""
    from django.db.models.signals import post_init

    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.target)

    post_init.connect(receiver, sender=Event)
    try:
        by_ids = Prepared(lambda ids: Event.objects.filter(pk__in=ids).order_by("pk"))
        by_ids.run(ids=[events[0].pk, events[5].pk])
    finally:
        post_init.disconnect(receiver, sender=Event)
    assert seen[-2:] == ["DI-0", "DI-5"]


def test_known_related_rows_are_read_as_prefetched_ones_without_a_query(agent, django_assert_num_queries):
    """M3.1: a new DI's attachments, just written, are what its e-mails list, without reading them
    again; the same rows (and order) as ``prefetch_related_objects`` would give"""
    from django.db.models import prefetch_related_objects

    from core.prepared import known_related
    from support.models import Attachment
    from testing.tickets import file_di, pdf

    ticket = file_di(agent, files=[pdf(), pdf()])
    written = list(Attachment.objects.filter(ticket=ticket))
    fresh = type(ticket).objects.get(pk=ticket.pk)
    known_related(fresh, "attachments", written)
    with django_assert_num_queries(0):
        known = list(fresh.attachments.all())
    prefetched = type(ticket).objects.get(pk=ticket.pk)
    prefetch_related_objects([prefetched], "attachments")
    assert known == list(prefetched.attachments.all()) == written
    with django_assert_num_queries(0):
        prefetch_related_objects([fresh], "attachments")  # already there: not read
