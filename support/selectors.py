"""Reads of DIs for the pages: the client's list and dashboard, the support desk's list and
counters, the satisfaction results.

Every read starts from ``support.access`` (``tickets_for``: the one scope per user), so the desk,
the client pages and the future API see the same DIs; views only parse, call and render. The
statistics are grouped queries (their size depends on products × questions, not on the number of
DIs).

List rows: a page's 25 DIs are read from ``support_ticket`` alone, then their contracts (with the
product), the people named in them and, on the desk, the establishments, each in one query by
primary key. The same page as one query joining five tables cost PostgreSQL more to plan and run
(``support_ticket`` has some twenty indexes for the planner to weigh); see docs/performance.md.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple
from urllib.parse import urlencode

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connection, transaction
from django.db.models import Avg, Case, Count, F, IntegerField, Q, Value, When, Window
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User, full_name
from core import sorting
from core.caching import forget, remember
from core.pagination import CountedPaginator, PreparedPages, SinglePassPaginator, with_total
from core.prepared import Prepared, PreparedRow, PreparedSlice
from establishments.models import Contract, Establishment, ServiceLevel

from .access import establishment_status_counts, scoped_tickets, status_counts_for, ticket_scope, tickets_for
from .models import (
    OPEN_STATUSES,
    CannedReply,
    Status,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    Team,
    Ticket,
    TicketEvent,
)
from .search import filter_tickets_and_messages, number_candidates, number_condition, text_condition
from .workflow import TEAM_OF_ROLE

# --- What a list row reads -------------------------------------------------------------------

# The DI's own columns that a row shows (``support/templatetags/support_rows.py``).
TICKET_COLUMNS = (
    "number",
    "subject",
    "status",
    "awaiting_owner",
    "created_at",
    "last_activity_at",
    "contract",
    "owner",
    "assignee",
    # The service level's dates (SPEC M13.3, M13.4): the « Échéance » cell.
    "service_level",
    "first_response_at",
    "first_response_due_at",
    "resolution_due_at",
    "due_at",
)


def only_row_columns(tickets, *, with_establishment=False):
    """The queryset of a list, reading only what its rows show."""
    return tickets.only(*TICKET_COLUMNS, *(("establishment",) if with_establishment else ()))


# The rows' relations, by primary key (prepared: compiled once per number of keys).
ROW_CONTRACTS = Prepared(
    lambda ids: (
        Contract.objects.filter(pk__in=ids).select_related("product").only("reference", "product__name").order_by()
    )
)
ROW_PEOPLE = Prepared(lambda ids: User.objects.filter(pk__in=ids).only("first_name", "last_name").order_by())
ROW_ESTABLISHMENTS = Prepared(lambda ids: Establishment.objects.filter(pk__in=ids).only("name").order_by())


def attach_row_relations(tickets, *, with_establishment=False):
    """Give the page's DIs (a list) their contract and product, owner, person in charge and, on
    the desk, establishment: one query each, by primary key. Returns the list."""
    if not tickets:
        return tickets
    contracts = {c.pk: c for c in ROW_CONTRACTS.run(ids=sorted({t.contract_id for t in tickets}))}
    people_ids = {t.owner_id for t in tickets} | {t.assignee_id for t in tickets}
    people_ids.discard(None)
    people = {u.pk: u for u in ROW_PEOPLE.run(ids=sorted(people_ids))}
    establishments = {}
    if with_establishment:
        establishments = ROW_ESTABLISHMENTS.run(ids=sorted({t.establishment_id for t in tickets}))
        establishments = {e.pk: e for e in establishments}
    # Straight into each DI's cache of relations, as the foreign keys' descriptors would put them
    # (each row's key is the one read): their checks cost ~2 % of a list page for 100 relations.
    for ticket in tickets:
        cache = ticket._state.fields_cache
        cache["contract"] = contracts[ticket.contract_id]
        cache["owner"] = people.get(ticket.owner_id)
        cache["assignee"] = people.get(ticket.assignee_id)
        if with_establishment:
            cache["establishment"] = establishments[ticket.establishment_id]
    return tickets


# --- The client's list and dashboard (SPEC M2.5, M3.2) -----------------------------------------

CLIENT_PAGE_SIZE = 25
# ?tri=<key> or ?tri=-<key>: the list's sortable columns (a whitelist).
CLIENT_SORTS = {
    "numero": ("number",),
    "date": ("created_at",),
    "objet": ("subject",),
    "statut": ("status_rank",),
    "activite": ("last_activity_at",),
}
CLIENT_DEFAULT_SORT = "-activite"
STATUS_RANK = Case(
    *(When(status=status, then=Value(rank)) for rank, status in enumerate(Status.values)),
    output_field=IntegerField(),
)


FINISHED_STATUSES = (Status.CLOSED, Status.CANCELLED)


def _client_base(scope, owner):
    tickets = only_row_columns(scoped_tickets(scope))
    return tickets if owner is None else tickets.filter(owner_id=owner)


def client_tickets(user, *, status="", show_closed=False, search="", sort=CLIENT_DEFAULT_SORT, mine=False):
    """The establishment's DIs as the list shows them: one status, or the open ones unless
    ``show_closed``, matching ``search``, only the user's own with ``mine`` (« Mes DIs »), in the
    order of ``sort`` (a key of CLIENT_SORTS). A DI number in ``search`` finds that DI whatever its
    status (M11.6)."""
    return _client_list(ticket_scope(user), user.pk if mine else None, status, show_closed, search, sort)


def _client_list(scope, owner, status, show_closed, search, sort):
    tickets = _client_base(scope, owner)
    if status:
        listed = Q(status=status)
    elif not show_closed:
        # « Open » as a list of statuses, not « not final »: three index ranges to count.
        listed = Q(status__in=OPEN_STATUSES)
    else:
        listed = Q()
    if search:
        condition = text_condition(search) & listed
        number = number_condition(search)
        tickets = tickets.filter(condition | number if number is not None else condition)
    else:
        tickets = tickets.filter(listed)
    fields = CLIENT_SORTS[sort.removeprefix("-")]
    if fields == CLIENT_SORTS["statut"]:
        tickets = tickets.annotate(status_rank=STATUS_RANK)
    return tickets.order_by(*sorting.order_by(fields, sort))


# The pages of the list without a search (nearly every visit), through prepared queries: the
# first pages read their rows by offset, the deeper ones their keys first (CountedPaginator).
def _listed(scope, owner, status, show_closed, sort):
    return _client_list(scope, owner, status, show_closed, "", sort)


_CLIENT_PAGES = PreparedPages(_listed, shape=("sort",))

# A search of words (not shaped like a DI number, whose condition has another form): its page and
# total through one prepared query per sort (``with_total``), the words a bound parameter.
_CLIENT_SEARCH = PreparedSlice(
    lambda scope, owner, status, show_closed, search, sort: with_total(
        _client_list(scope, owner, status, show_closed, search, sort)
    ),
    shape=("sort",),
)

_FINISHED_LAST = Case(When(status__in=FINISHED_STATUSES, then=Value(1)), default=Value(0), output_field=IntegerField())


def _open_first(scope, owner, search, sort):
    """Every DI matching ``search``, the open ones first in the list's order, each row with how
    many open (``_total``) and finished (``_finished``) DIs match: the list of the open matches
    and « N DIs clôturées ou annulées correspondent aussi » from one read of the matches."""
    tickets = _client_list(scope, owner, "", True, search, sort)
    return tickets.annotate(
        _total=Window(Count("pk", filter=Q(status__in=OPEN_STATUSES))),
        _finished=Window(Count("pk", filter=Q(status__in=FINISHED_STATUSES))),
    ).order_by(_FINISHED_LAST, *tickets.query.order_by)


# The default search (the open DIs): its page, its total and its finished matches in one query.
_CLIENT_SEARCH_OPEN_FIRST = PreparedSlice(_open_first, shape=("sort",))


def client_ticket_page(
    user, page_number, *, status="", show_closed=False, search="", sort=CLIENT_DEFAULT_SORT, mine=False
):
    """One page of the client's list, its rows' relations attached. A search finds its matches
    once (page and total in one query; with the open DIs listed, ``page.finished_matches`` also
    counts the closed or cancelled ones it matches, from the same query); « Mes DIs » counts the
    user's own (the owner's index); otherwise the total comes from the establishment's counters
    (no count of up to 20,000 index entries) and the page is read through prepared queries.
    ``page.finished_matches`` is 0 when the list shows the closed DIs or one status."""
    finished = [0]  # the finished matches, when the list hides them (M11.6)
    if search:
        search = search.strip()
        only_open = not status and not show_closed
        if number_candidates(search):
            tickets = client_tickets(user, status=status, show_closed=show_closed, search=search, sort=sort, mine=mine)
            paginator = SinglePassPaginator(tickets, CLIENT_PAGE_SIZE)
            if only_open:
                finished[0] = client_finished_matches(user, search, mine=mine)
        elif only_open:
            values = {"scope": ticket_scope(user), "owner": user.pk if mine else None, "search": search, "sort": sort}

            def rows(offset, limit):
                found = _CLIENT_SEARCH_OPEN_FIRST.run(offset=offset, limit=limit, **values)
                if found:
                    finished[0] = found[0]._finished
                return [ticket for ticket in found if ticket.status in OPEN_STATUSES]

            paginator = SinglePassPaginator(None, CLIENT_PAGE_SIZE, rows=rows)
        else:
            values = {"scope": ticket_scope(user), "owner": user.pk if mine else None, "status": status}
            values.update(show_closed=show_closed, search=search, sort=sort)

            def rows(offset, limit):
                return _CLIENT_SEARCH.run(offset=offset, limit=limit, **values)

            paginator = SinglePassPaginator(None, CLIENT_PAGE_SIZE, rows=rows)
    else:
        scope, owner = ticket_scope(user), user.pk if mine else None
        pages = _CLIENT_PAGES.of(scope=scope, owner=owner, status=status, show_closed=show_closed, sort=sort)
        if mine:
            count = _client_list(scope, owner, status, show_closed, "", sort).count()
        else:
            counts = status_counts_for(user)
            listed = [status] if status else (Status.values if show_closed else OPEN_STATUSES)
            count = sum(counts.get(s, 0) for s in listed)
        paginator = CountedPaginator(None, CLIENT_PAGE_SIZE, count=count, pages=pages)
    page = paginator.get_page(page_number)
    page.object_list = attach_row_relations(list(page.object_list))
    page.finished_matches = finished[0]
    return page


def client_finished_matches(user, search, *, mine=False):
    """How many closed or cancelled DIs also match ``search`` while the list hides them (M11.6):
    the list then offers to show them. Number matches are already listed whatever their status."""
    tickets = _client_base(ticket_scope(user), user.pk if mine else None)
    tickets = tickets.filter(status__in=FINISHED_STATUSES).filter(text_condition(search))
    number = number_condition(search)
    if number is not None:
        tickets = tickets.exclude(number)
    return tickets.order_by().count()


# --- The client's home: what they must do (M11.2) ----------------------------------------------

TODO_SHOWN = 10


@dataclass
class ClientTodo:
    questions: list  # their DIs whose support waits for their answer, the longest waiting first
    closures: list  # their DIs « Clôture à valider », the soonest closed automatically first
    more_questions: bool
    more_closures: bool

    @property
    def empty(self):
        return not (self.questions or self.closures)


TODO_COLUMNS = ("number", "subject", "status", "awaiting_owner", "last_activity_at", "closure_proposed_at")


def _todo_questions(tickets, owner):
    waiting = tickets.filter(owner_id=owner, status__in=(Status.TO_PROCESS, Status.IN_PROGRESS), awaiting_owner=True)
    return waiting.only(*TODO_COLUMNS).order_by("last_activity_at", "pk")[: TODO_SHOWN + 1]


def _todo_closures(tickets, owner):
    pending = tickets.filter(owner_id=owner, status=Status.CLOSURE_PENDING)
    return pending.only(*TODO_COLUMNS).order_by("closure_proposed_at", "pk")[: TODO_SHOWN + 1]


_TODO_QUESTIONS = Prepared(lambda scope, owner: _todo_questions(scoped_tickets(scope), owner))
_TODO_CLOSURES = Prepared(lambda scope, owner: _todo_closures(scoped_tickets(scope), owner))


def client_todo(user):
    """The user's own DIs that wait for them: a question of the support, a closure to validate
    (with its automatic closure date). Two queries on the owner's index, at most TODO_SHOWN each
    (prepared: the home page of nearly everyone)."""
    questions = _TODO_QUESTIONS.run(scope=ticket_scope(user), owner=user.pk)
    closures = _TODO_CLOSURES.run(scope=ticket_scope(user), owner=user.pk)
    return ClientTodo(
        questions=questions[:TODO_SHOWN],
        closures=closures[:TODO_SHOWN],
        more_questions=len(questions) > TODO_SHOWN,
        more_closures=len(closures) > TODO_SHOWN,
    )


def dashboard_counts(user):
    """The establishment's DIs per status, in the workflow's order (one small query): the tiles of
    the dashboard (SPEC M2.5)."""
    counts = status_counts_for(user)
    return [{"status": value, "label": label, "count": counts.get(value, 0)} for value, label in Status.choices]


# --- The support desk (SPEC M8.1) ---------------------------------------------------------------

ALL = "toutes"
OPEN = "ouvertes"
ME = "moi"
NOBODY = "aucun"

SORTS = {
    "anciennete": ("created_at", "pk"),
    "recentes": ("-created_at", "-pk"),
    "activite": ("-last_activity_at", "-pk"),
    "attente": (F("waiting_since").asc(nulls_last=True), "pk"),
    "numero": ("number",),
    "-numero": ("-number",),
    # The nearest deadline first (SPEC M13.4); the DIs whose clock does not run follow.
    "echeance": (F("due_at").asc(nulls_last=True), "pk"),
}

# ?suivi=: who owes whom an answer (M11.1). The flags are kept by the services (support.services).
WAITING = "sans-reponse"  # the client waits for an answer of the support
ANSWERED = "repondu"  # the owner wrote after the support's last answer: the ball is the support's
AWAITING_CLIENT = "attente-client"  # the support asked the owner a question
FOLLOW_UPS = {
    WAITING: Q(waiting_since__isnull=False),
    ANSWERED: Q(client_answered=True),
    AWAITING_CLIENT: Q(awaiting_owner=True),
}


def default_team(user):
    """The support person's own team; the vendor's administrators see every team."""
    team = TEAM_OF_ROLE.get(user.role)
    return team.value if team else ALL


def desk_staff():
    """The vendor's support staff who can hold a DI (the « Support » filter and column)."""
    return User.objects.filter(role__in=(Role.SUPPORT_SOFTWARE, Role.SUPPORT_LEGAL), is_active=True)


_DESK_STAFF_NAMES = Prepared(
    lambda: desk_staff().order_by("last_name", "first_name", "pk").values_list("pk", "first_name", "last_name")
)


def desk_staff_names():
    """(pk, first name, last name) of ``desk_staff()``, by name: the desk's « Support » filter."""
    return _DESK_STAFF_NAMES.run()


def desk_tickets(user, *, team=ALL, etablissement="", support="", older_than_days=None, q="", suivi=""):
    """The DIs of the desk, every filter but the status (so that counters can share it)."""
    tickets = _of_team(tickets_for(user), team)
    if suivi:
        tickets = tickets.filter(FOLLOW_UPS[suivi])
    if etablissement:
        tickets = tickets.filter(establishment__name__fcontains=etablissement)
    if support == ME:
        tickets = tickets.filter(assignee=user)
    elif support == NOBODY:
        tickets = tickets.filter(assignee__isnull=True)
    elif support:
        tickets = tickets.filter(assignee_id=support)
    if older_than_days:
        tickets = tickets.filter(created_at__lte=timezone.now() - timedelta(days=older_than_days))
    if q:
        tickets = filter_tickets_and_messages(tickets, q)
    return tickets


def _of_team(tickets, team):
    return tickets if team == ALL else tickets.filter(team=team)


# The desk's first page when only the team, the status and the order are chosen: the page most
# visits show (prepared; every other filter, and the later pages, through the ORM).
_DESK_FIRST_PAGE = Prepared(
    lambda scope, team, status, sort, size: for_desk_list(
        filter_status(_of_team(scoped_tickets(scope), team), status), sort
    )[:size],
    shape=("team", "status", "sort", "size"),
)


def desk_first_page(user, *, team, status, sort, size):
    """The rows of ``desk_tickets(user, team=team)`` of ``status`` in the order ``sort``, the
    first ``size`` of them (a list)."""
    return _DESK_FIRST_PAGE.run(scope=ticket_scope(user), team=team, status=status, sort=sort, size=size)


def statuses_of(status):
    """The statuses a desk status filter (« ouvertes », « toutes » or one status) lists."""
    if status == OPEN:
        return list(OPEN_STATUSES)
    if status == ALL:
        return list(Status.values)
    return [status]


def _status_condition(status):
    if status == OPEN:
        return Q(status__in=OPEN_STATUSES)
    if status == ALL:
        return Q()
    return Q(status=status)


def filter_status(tickets, status, *, q=""):
    """The desk's DIs of ``status``; a DI whose number ``q`` designates is kept whatever its
    status (M11.6: « DI-2026-000123 » finds it even closed)."""
    condition = _status_condition(status)
    number = number_condition(q) if q else None
    return tickets.filter(condition | number if number is not None and status != ALL else condition)


def desk_finished_matches(tickets, status, q):
    """With the open DIs listed and a search typed: how many closed or cancelled DIs also match
    (bounded; number matches are listed anyway). ``tickets``: the desk's DIs, search applied."""
    if status != OPEN or not q:
        return None
    finished = tickets.filter(status__in=FINISHED_STATUSES)
    number = number_condition(q)
    if number is not None:
        finished = finished.exclude(number)
    return bounded_counts({"finished": finished.order_by()})["finished"]


def for_desk_list(tickets, sort):
    """The desk's list in the chosen order, reading only what its rows show (the rows' relations:
    ``attach_row_relations``, once the page is cut)."""
    return only_row_columns(tickets, with_establishment=True).order_by(*SORTS[sort])


# --- Counts that stay cheap at a million DIs ---------------------------------------------------
# The desk counts across every establishment: each count stops at COUNT_CAP (an index range read
# of at most COUNT_CAP + 1 entries) and is then shown as « plus de 10 000 ».
COUNT_CAP = 10_000


class BoundedCount(int):
    """A count that stops at a cap; ``capped`` means « more than ``label`` »."""

    def __new__(cls, value, cap):
        count = super().__new__(cls, min(value, cap))
        count.capped = value > cap
        count.label = f"{count:,}".replace(",", "\u202f")
        return count


def bounded_counts(querysets, cap=None):
    """{key: BoundedCount} for each queryset of ``querysets`` ({key: queryset}), in one query.
    Give each queryset the order of an index that serves its filter: the count then reads at
    most ``cap + 1`` entries of that index, never the table."""
    cap = cap or COUNT_CAP
    sql, params = bounded_counts_sql(querysets, cap)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return {key: BoundedCount(value, cap) for key, value in zip(querysets, row, strict=True)}


def bounded_counts_sql(querysets, cap):
    """The one query of ``bounded_counts``: (sql, params)."""
    parts, params = [], []
    for i, queryset in enumerate(querysets.values()):
        sql, query_params = queryset.values("pk")[: cap + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS bounded_{i})")  # noqa: S608 (Django-compiled SQL)
        params.extend(query_params)
    return "SELECT " + ", ".join(parts), params


class BoundedPaginator(Paginator):
    """A paginator whose total stops at ``cap`` (``capped`` says there are more): the pages past
    the cap are not offered; filters narrow the list instead."""

    def __init__(self, object_list, per_page, *, count=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        if count is not None:  # already known (the desk's counters): not counted again
            self.__dict__["count"] = count

    @cached_property
    def count(self):
        cap = COUNT_CAP
        # In the list's own order: the count reads the same index range as the pages.
        return BoundedCount(self.object_list.values("pk")[: cap + 1].count(), cap)

    @property
    def capped(self):
        return self.count.capped


class SearchPaginator(BoundedPaginator):
    """The desk's search: its matching DIs are found once. One query reads the first ``cap + 1``
    matches' primary keys in the list's order (the total), a second reads the page's 25 rows by
    primary key; a count then a page would each find every match again (docs/performance.md)."""

    def get_page(self, number):
        keys = list(self.object_list.values_list("pk", flat=True)[: COUNT_CAP + 1])
        self.__dict__["count"] = BoundedCount(len(keys), COUNT_CAP)  # count is a cached_property
        try:
            number = self.validate_number(number)
        except PageNotAnInteger:
            number = 1
        except EmptyPage:
            number = self.num_pages
        bottom = (number - 1) * self.per_page
        page_keys = keys[bottom : bottom + self.per_page]
        rows = list(self.object_list.filter(pk__in=page_keys)) if page_keys else []
        return self._get_page(rows, number, self)


def total_of_counts(counts, statuses):
    """The bounded total of some statuses' bounded counts: « more than the cap » as soon as one
    of them is, or their sum passes it."""
    return BoundedCount(sum(int(counts[s]) + counts[s].capped for s in statuses), COUNT_CAP)


def status_counts(tickets):
    """{status: count} for every status, each bounded by COUNT_CAP, in one query."""
    latest_first = ("-last_activity_at", "-pk")  # the order of the (team,) status indexes
    return bounded_counts({status: tickets.filter(status=status).order_by(*latest_first) for status in Status.values})


# The desk's five counters for a team are the same for every support person: remembered a few
# seconds, and forgotten as soon as a DI is filed or changes status through the services (so one's
# own action shows at once); a change made elsewhere (the back office) shows within DESK_COUNTS_TTL.
DESK_COUNTS_TTL = 5


DUE_COUNTS_KEY = "desk:due-counts"


def _desk_counts_key(team):
    return f"desk:status-counts:{team}"


def _shared_counts(key, count):
    """{key: BoundedCount} that ``count()`` gives, shared DESK_COUNTS_TTL seconds through the cache.
    A capped count is kept as cap + 1 so that it reads back as « more than the cap »."""
    raw = remember(key, DESK_COUNTS_TTL, lambda: {k: int(n) + n.capped for k, n in count().items()})
    return {k: BoundedCount(value, COUNT_CAP) for k, value in raw.items()}


def desk_status_counts(user, team):
    """{status: BoundedCount} of the desk's counters for ``team`` (« toutes »: every team)."""
    return _shared_counts(_desk_counts_key(team), lambda: status_counts(desk_tickets(user, team=team)))


def forget_desk_counts(team):
    """After the transaction that filed a DI of ``team`` or changed its status commits."""
    transaction.on_commit(
        lambda: forget(
            _desk_counts_key(team), _desk_counts_key(ALL), DUE_COUNTS_KEY, _work_counts_key(team), _work_counts_key(ALL)
        )
    )


def forget_work_counts(team):
    """After the transaction that changed who a DI of ``team`` waits for (no change of status)."""
    transaction.on_commit(lambda: forget(_work_counts_key(team), _work_counts_key(ALL)))


# --- Service levels on the desk (SPEC M13.4) ------------------------------------------------


def end_of_today(now=None):
    """Midnight at the end of today, in the portal's time zone."""
    local = timezone.localtime(now or timezone.now())
    return (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def due_counts_by_team(now=None):
    """Per team, the DIs due later today and the DIs already late (their clock runs and its
    deadline has passed): [{"team", "label", "today", "late"}, ...], both teams always listed. One
    query on the (team, due_at) index (only running clocks have a due date), its answer shared
    for DESK_COUNTS_TTL seconds."""

    def count(now):
        rows = (
            Ticket.objects.filter(due_at__lt=end_of_today(now))
            .values("team")
            .annotate(late=Count("pk", filter=Q(due_at__lt=now)), today=Count("pk", filter=Q(due_at__gte=now)))
            .order_by()
        )
        return {row["team"]: {"late": row["late"], "today": row["today"]} for row in rows}

    # Shared by every page that shows them for a few seconds, as the desk's counters are, and
    # forgotten with them when a DI is filed or changes status (forget_desk_counts).
    found = count(now) if now is not None else remember(DUE_COUNTS_KEY, DESK_COUNTS_TTL, lambda: count(timezone.now()))
    return [
        {
            "team": team.value,
            "label": team.label,
            "today": found.get(team.value, {}).get("today", 0),
            "late": found.get(team.value, {}).get("late", 0),
        }
        for team in Team
    ]


def late_tickets(team, now=None, limit=100):
    """The DIs of ``team`` whose deadline has passed, the latest deadline last, with what the
    e-mail to the team's lead shows; and how many there are in all."""
    now = now or timezone.now()
    late = Ticket.objects.filter(team=team, due_at__lt=now)
    rows = list(late.select_related("establishment", "assignee", "contract__product").order_by("due_at", "pk")[:limit])
    total = len(rows) if len(rows) < limit else late.count()
    return rows, total


# --- The vendor's home: their work and their team's (M11.1) -------------------------------------


@dataclass
class WorkCell:
    count: BoundedCount
    query: str  # the desk's query string that lists these DIs
    header: str  # whose DIs: « Moi », « Mon équipe (…) », a team


@dataclass
class WorkRow:
    key: str
    label: str
    help: str
    cells: list = field(default_factory=list)


@dataclass
class Worklist:
    intro: str
    columns: list  # the headers of the cells, in order
    rows: list  # WorkRow
    oldest: list  # the DIs waiting longest for an answer of the support (their establishment attached)
    oldest_query: str  # the desk's query string of all of them, the longest waiting first


# (key, label, help, the desk's filters, the condition of the count beyond the team/person filter)
WORK_ROWS = (
    (
        "to_take",
        _("A traiter"),
        _("DIs à prendre en charge"),
        {"statut": Status.TO_PROCESS, "tri": "anciennete"},
        Q(status=Status.TO_PROCESS),
    ),
    (
        "in_progress",
        _("En cours"),
        _("DIs prises en charge, en cours de traitement"),
        {"statut": Status.IN_PROGRESS, "tri": "anciennete"},
        Q(status=Status.IN_PROGRESS),
    ),
    (
        "answered",
        _("Le demandeur a répondu"),
        _("il attend la suite : c'est au support de répondre"),
        {"statut": OPEN, "suivi": ANSWERED, "tri": "attente"},
        FOLLOW_UPS[ANSWERED],
    ),
    (
        "awaiting_client",
        _("En attente du demandeur"),
        _("une question lui a été posée"),
        {"statut": OPEN, "suivi": AWAITING_CLIENT, "tri": "activite"},
        FOLLOW_UPS[AWAITING_CLIENT],
    ),
    (
        "closures",
        _("Clôtures à valider"),
        _("clôture proposée, en attente de la validation du demandeur"),
        {"statut": Status.CLOSURE_PENDING, "tri": "anciennete"},
        Q(status=Status.CLOSURE_PENDING),
    ),
)
# The rows that are one status: their team counts are the desk's counters (cached, shared).
STATUS_ROWS = {"to_take": Status.TO_PROCESS, "in_progress": Status.IN_PROGRESS, "closures": Status.CLOSURE_PENDING}
OLDEST_SHOWN = 5


def _work_columns(user):
    """(header, team, only mine) of the cells: a support person's own DIs and their team's; the
    vendor's administrators, every team and all of them."""
    team = TEAM_OF_ROLE.get(user.role)
    if team is not None:
        return [(_("Moi"), team.value, True), (_("Mon équipe"), team.value, False)]
    return [*((t.label, t.value, False) for t in Team), (_("Toutes les équipes"), ALL, False)]


def _work_intro(user):
    team = TEAM_OF_ROLE.get(user.role)
    if team is not None:
        return _(
            "Votre travail et celui de votre équipe (%(team)s) : chaque nombre ouvre le guichet filtré sur ces DIs."
        ) % {"team": team.label}
    return _("Le travail de chaque équipe : chaque nombre ouvre le guichet filtré sur ces DIs.")


def _work_counts_key(team):
    return f"desk:work-counts:{team}"


def _team_work_counts(team):
    """{row key: BoundedCount} of a team's rows that are not one status (those are the desk's
    counters), among all DIs: the same for every vendor staff, so shared for DESK_COUNTS_TTL
    seconds and forgotten when a DI of the team changes status or follow-up (support.services)."""

    def count():
        scope = _of_team(Ticket.objects.all(), team)
        return bounded_counts(
            {key: scope.filter(condition).order_by() for key, *_rest, condition in WORK_ROWS if key not in STATUS_ROWS}
        )

    return _shared_counts(_work_counts_key(team), count)


def _own_work(tickets, team, assignee):
    """{row key: queryset} of a person's own DIs for each row of their home (WORK_ROWS)."""
    own = _of_team(tickets, team).filter(assignee_id=assignee)
    return {key: own.filter(condition).order_by() for key, *_rest, condition in WORK_ROWS}


# A person's own counts on their home, in one query (prepared: its SQL composed once per team).
_OWN_WORK_COUNTS = PreparedRow(
    lambda scope, team, assignee: bounded_counts_sql(_own_work(scoped_tickets(scope), team, assignee), COUNT_CAP),
    shape=("team",),
)


# The DIs that wait longest for an answer of the support, of a team or of every team (prepared).
_OLDEST_WAITING = Prepared(
    lambda scope, team: (
        _of_team(scoped_tickets(scope).filter(FOLLOW_UPS[WAITING]), team)
        .only("number", "subject", "status", "establishment", "waiting_since", "client_answered")
        .order_by("waiting_since", "pk")[:OLDEST_SHOWN]
    ),
    shape=("team",),
)


def vendor_worklist(user):
    """The home of the vendor's staff: for each kind of work, how many DIs are theirs and their
    team's (or each team's), each a link to the desk so filtered; and the DIs that wait longest
    for an answer. The one-status team counts are the desk's counters (``desk_status_counts``,
    cached); every other count is bounded and read in one query, each on an index of its own."""
    columns = _work_columns(user)
    counts = {}
    for column, (_header, team, mine) in enumerate(columns):
        if mine:  # the person's own: one prepared query
            row = _OWN_WORK_COUNTS.run(scope=ticket_scope(user), team=team, assignee=user.pk)
            counts.update(
                {(key, column): BoundedCount(n, COUNT_CAP) for (key, *_r), n in zip(WORK_ROWS, row, strict=True)}
            )
        else:  # a team's counts are every vendor staff's: shared a few seconds
            counts.update({(key, column): n for key, n in _team_work_counts(team).items()})
    desk_counts = {team: desk_status_counts(user, team) for _h, team, mine in columns if not mine}
    rows = []
    for key, label, help_text, params, _condition in WORK_ROWS:
        row = WorkRow(key, label, help_text)
        for column, (header, team, mine) in enumerate(columns):
            count = counts.get((key, column))
            if count is None:
                count = desk_counts[team][STATUS_ROWS[key]]
            query = {"equipe": team, **params, **({"support": ME} if mine else {})}
            row.cells.append(WorkCell(count, urlencode(query), header))
        rows.append(row)
    oldest_team = default_team(user)  # a support person's team; every team for the administrators
    oldest = _OLDEST_WAITING.run(scope=ticket_scope(user), team=oldest_team)
    establishments = ROW_ESTABLISHMENTS.run(ids=sorted({t.establishment_id for t in oldest}))
    names = {e.pk: e for e in establishments}
    for ticket in oldest:
        ticket.establishment = names[ticket.establishment_id]
    oldest_query = urlencode({"equipe": oldest_team, "statut": OPEN, "suivi": WAITING, "tri": "attente"})
    return Worklist(_work_intro(user), [header for header, _t, _m in columns], rows, oldest, oldest_query)


# --- The customer's context on the desk (M11.3) -------------------------------------------------

CONTEXT_OPEN_SHOWN = 10
CONTEXT_CLOSED_SHOWN = 5


@dataclass
class CustomerContext:
    contracts: list  # the establishment's contracts, with their product (``Contract.state``)
    other_open: list  # its other open DIs, the latest activity first
    other_open_count: int
    closed_same_product: list  # its last DIs closed on the DI's product
    links: dict  # "follows", "follow_ups", "merged_into", "merged": the DIs linked to this one


# The customer's context, prepared (the desk's DI page runs these on every view).
_CONTEXT_COLUMNS = ("number", "subject", "status", "awaiting_owner", "created_at", "last_activity_at", "closed_at")
_CONTEXT_CONTRACTS = Prepared(
    lambda establishment_id: (
        Contract.objects.filter(establishment_id=establishment_id)
        .select_related("product")
        .order_by("product__name", "-start_date")
    )
)
_CONTEXT_OPEN = Prepared(
    lambda scope, establishment_id, pk, size: (
        scoped_tickets(scope)
        .filter(establishment_id=establishment_id, status__in=OPEN_STATUSES)
        .exclude(pk=pk)
        .only(*_CONTEXT_COLUMNS)
        .order_by("-last_activity_at", "-pk")[:size]
    ),
    shape=("size",),
)
_CONTEXT_CLOSED = Prepared(
    lambda scope, contract_id, pk, size: (
        scoped_tickets(scope)
        .filter(status=Status.CLOSED, contract_id=contract_id)
        .exclude(pk=pk)
        .only(*_CONTEXT_COLUMNS)
        .order_by("-last_activity_at", "-id")[:size]
    ),
    shape=("size",),
)


def establishment_contracts(ticket):
    """The contracts of the DI's establishment with their product, by product then latest start:
    the customer's context shows them and « Réorienter » offers those in force. Read once for
    the DI's page (kept on the DI object it was given)."""
    contracts = ticket.__dict__.get("_establishment_contracts")
    if contracts is None:
        contracts = _CONTEXT_CONTRACTS.run(establishment_id=ticket.establishment_id)
        ticket.__dict__["_establishment_contracts"] = contracts
    return contracts


def with_establishment_contracts(ticket):
    """``ticket`` (read without its contract: ``get_ticket_for_user(…, contract=False)``) given
    its establishment's contracts (``establishment_contracts``) and its own contract taken from
    them, with its product: one query for both, where the desk's DI page read the DI's contract
    and then every contract of its establishment."""
    contracts = establishment_contracts(ticket)
    found = next((contract for contract in contracts if contract.pk == ticket.contract_id), None)
    if found is None:  # a DI's contract is its establishment's: never expected
        found = Contract.objects.select_related("product").get(pk=ticket.contract_id)
    ticket.contract = found
    return ticket


def customer_context(user, ticket):
    """What the desk shows beside a DI: its establishment's contracts, its other open DIs, its
    last DIs closed on the same product, and the DIs linked to it (follow-ups, merges). The
    requester and the establishment are already on ``ticket`` (``get_ticket_for_user``). Five
    queries (one more for each other contract of the DI's product), each a range read of an
    index, whatever the establishment's size."""
    contracts = establishment_contracts(ticket)
    scope = ticket_scope(user)
    other_open = _CONTEXT_OPEN.run(
        scope=scope, establishment_id=ticket.establishment_id, pk=ticket.pk, size=CONTEXT_OPEN_SHOWN
    )
    counts = establishment_status_counts(ticket.establishment_id)
    open_count = sum(counts.get(s, 0) for s in OPEN_STATUSES) - (1 if ticket.is_open else 0)
    same_product = [c.pk for c in contracts if c.product_id == ticket.contract.product_id]
    closed = _latest_closed(scope, ticket.pk, same_product, CONTEXT_CLOSED_SHOWN)
    return CustomerContext(contracts, other_open, max(open_count, len(other_open)), closed, ticket_links(user, ticket))


def _latest_closed(scope, pk, contract_ids, size):
    """The last ``size`` closed DIs of the scope on these contracts (the DI ``pk`` aside), latest
    activity first: for each contract, a range read of the index (contract × status × activity) in
    its order, ``size`` entries at most, the reads put together here (a product's contracts are
    one, or a few when it was renewed). Filtered on the establishment as well, PostgreSQL took the two columns for
    independent (a contract's DIs are all its establishment's), expected a few dozen rows, and
    read every DI of the contract for the date it sorts by (2,557 blocks, 9.6 ms in the
    benchmark's data: docs/performance.md). The contracts are the establishment's: the filter on
    them is the filter on the establishment."""
    closed = [
        ticket
        for contract_id in contract_ids
        for ticket in _CONTEXT_CLOSED.run(scope=scope, contract_id=contract_id, pk=pk, size=size)
    ]
    closed.sort(key=lambda ticket: (ticket.last_activity_at, ticket.pk), reverse=True)
    return closed[:size]


def _linked(scope, pk, follows, merged_into):
    condition = Q(follows_id=pk) | Q(merged_into_id=pk)
    if follows:
        condition |= Q(pk=follows)
    if merged_into:
        condition |= Q(pk=merged_into)
    columns = ("number", "subject", "status", "follows", "merged_into")
    return scoped_tickets(scope).filter(condition).only(*columns).order_by("created_at", "pk")


_LINKED = Prepared(_linked)


def ticket_links(user, ticket):
    """The DIs linked to ``ticket``, in one query: the one it follows up and the one it was merged
    into, its follow-ups and the DIs merged into it."""
    linked = _LINKED.run(
        scope=ticket_scope(user), pk=ticket.pk, follows=ticket.follows_id, merged_into=ticket.merged_into_id
    )
    links = {"follows": None, "merged_into": None, "follow_ups": [], "merged": []}
    for other in linked:
        if other.pk == ticket.follows_id:
            links["follows"] = other
        if other.pk == ticket.merged_into_id:
            links["merged_into"] = other
        if other.follows_id == ticket.pk:
            links["follow_ups"].append(other)
        if other.merged_into_id == ticket.pk:
            links["merged"].append(other)
    return links


_SERVICE_LEVEL = Prepared(lambda pk: ServiceLevel.objects.filter(pk=pk))


def with_service_level(ticket):
    """``ticket`` with its service level read into it (the desk's sheet names it), through a
    prepared query rather than the foreign key's own (compiled on every view)."""
    if ticket.service_level_id and not Ticket.service_level.is_cached(ticket):
        ticket.service_level = _SERVICE_LEVEL.run(pk=ticket.service_level_id)[0]
    return ticket


_CANNED_REPLIES = Prepared(lambda team: CannedReply.objects.filter(team=team, is_active=True))


def canned_replies(team):
    """The « Réponses types » the desk offers on a DI of ``team``, in their order."""
    return _CANNED_REPLIES.run(team=team)


_HISTORY_COLUMNS = ("created_at", "action", "note", "from_status", "to_status")
_HISTORY_PEOPLE = ("actor", "from_user", "to_user")
_EVENTS = Prepared(
    lambda ticket_id: TicketEvent.objects.filter(ticket_id=ticket_id).values_list(
        *_HISTORY_COLUMNS,
        *(f"{person}{part}" for person in _HISTORY_PEOPLE for part in ("_id", "__first_name", "__last_name")),
    )
)


class Named(NamedTuple):
    """A person named in the history: what its row shows of them."""

    full_name: str


class HistoryEvent(NamedTuple):
    """One event of the desk's « Historique »: its columns, and its people named (or None)."""

    created_at: datetime
    action: str
    note: str
    from_status: str
    to_status: str
    actor: Named | None
    from_user: Named | None
    to_user: Named | None


def _named(pk, first_name, last_name):
    return None if pk is None else Named(full_name(first_name, last_name))


def ticket_history(ticket):
    """The DI's events, oldest first, as the desk's « Historique » lists them (who, when, what
    changed): plain rows of one query, not a model instance for each event and its three people
    (32 events: ~2 ms of the desk's DI page). The DI was read through the viewer's scope
    (``get_ticket_for_user``)."""
    return [
        HistoryEvent(*row[:5], _named(*row[5:8]), _named(*row[8:11]), _named(*row[11:14]))
        for row in _EVENTS.run(ticket_id=ticket.pk)
    ]


def survey_of(ticket):
    """The questionnaire the owner filled to validate the closure: (response, [(question, rating)]),
    or None (two queries)."""
    response = SurveyResponse.objects.filter(ticket=ticket).select_related("respondent").first()
    if response is None:
        return None
    answers = response.answers.select_related("question").order_by("question__position", "question__pk")
    return response, [(answer.question.text, answer.rating) for answer in answers]


# --- Satisfaction ----------------------------------------------------------------------------

BY_TEAM = "ticket__team"
BY_PRODUCT = "ticket__contract__product__name"


@dataclass
class SatisfactionRow:
    label: str
    responses: int
    ratings: list  # the average rating of each question, in the order of the questions (None: no answer)


def _in_period(queryset, prefix, since, until):
    if since:
        queryset = queryset.filter(**{f"{prefix}created_at__date__gte": since})
    if until:
        queryset = queryset.filter(**{f"{prefix}created_at__date__lte": until})
    return queryset


def satisfaction_questions():
    """The active questions, and any retired one still holding answers (old results stay readable)."""
    return list(SurveyQuestion.objects.filter(Q(is_active=True) | Q(answers__isnull=False)).distinct())


def satisfaction_summary(questions, *, by=None, since=None, until=None):
    """The number of questionnaires and the average rating per question, grouped by team or by
    product (``BY_TEAM``, ``BY_PRODUCT``), or all together (``by=None``). Two grouped queries."""
    group = [by] if by else []
    responses = _in_period(SurveyResponse.objects.all(), "", since, until)
    if by:
        grouped = responses.values(by).annotate(n=Count("pk")).order_by(by)
        counts = {(row[by],): row["n"] for row in grouped}
    else:
        total = responses.count()
        counts = {(): total} if total else {}
    answers = _in_period(SurveyAnswer.objects.all(), "response__", since, until)
    answer_group = [f"response__{g}" for g in group]
    averages = {}
    for row in answers.values(*answer_group, "question").annotate(avg=Avg("rating")).order_by():
        averages[(tuple(row[g] for g in answer_group), row["question"])] = row["avg"]
    rows = []
    for key, count in counts.items():
        label = (Team(key[0]).label if by == BY_TEAM else key[0]) if by else ""
        rows.append(SatisfactionRow(label, count, [averages.get((key, q.pk)) for q in questions]))
    return rows


def satisfaction_comments(*, since=None, until=None):
    """The questionnaires that carry a comment, latest first."""
    responses = SurveyResponse.objects.exclude(comment="").select_related(
        "ticket__establishment", "ticket__contract__product", "respondent"
    )
    return _in_period(responses, "", since, until).order_by("-created_at", "-pk")
