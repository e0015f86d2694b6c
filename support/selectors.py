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

from dataclasses import dataclass
from datetime import timedelta

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connection, transaction
from django.db.models import Avg, Case, Count, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.functional import cached_property

from accounts.models import Role, User
from core import sorting
from core.caching import forget, remember
from core.pagination import CountedPaginator, SinglePassPaginator
from establishments.models import Contract, Establishment

from .access import status_counts_for, tickets_for
from .models import OPEN_STATUSES, Status, SurveyAnswer, SurveyQuestion, SurveyResponse, Team, Ticket
from .search import filter_tickets, filter_tickets_and_messages
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


def attach_row_relations(tickets, *, with_establishment=False):
    """Give the page's DIs (a list) their contract and product, owner, person in charge and, on
    the desk, establishment: one query each, by primary key. Returns the list."""
    if not tickets:
        return tickets
    contracts = Contract.objects.filter(pk__in={t.contract_id for t in tickets}).select_related("product")
    contracts = {c.pk: c for c in contracts.only("reference", "product__name")}
    people_ids = {t.owner_id for t in tickets} | {t.assignee_id for t in tickets}
    people_ids.discard(None)
    people = {u.pk: u for u in User.objects.filter(pk__in=people_ids).only("first_name", "last_name")}
    establishments = {}
    if with_establishment:
        establishments = Establishment.objects.filter(pk__in={t.establishment_id for t in tickets}).only("name")
        establishments = {e.pk: e for e in establishments}
    for ticket in tickets:
        ticket.contract = contracts[ticket.contract_id]
        ticket.owner = people.get(ticket.owner_id)
        ticket.assignee = people.get(ticket.assignee_id)
        if with_establishment:
            ticket.establishment = establishments[ticket.establishment_id]
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


def client_tickets(user, *, status="", show_closed=False, search="", sort=CLIENT_DEFAULT_SORT):
    """The establishment's DIs as the list shows them: one status, or the open ones unless
    ``show_closed``, matching ``search``, in the order of ``sort`` (a key of CLIENT_SORTS)."""
    tickets = only_row_columns(tickets_for(user))
    if status:
        tickets = tickets.filter(status=status)
    elif not show_closed:
        # « Open » as a list of statuses, not « not final »: three index ranges to count.
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    if search:
        tickets = filter_tickets(tickets, search)
    fields = CLIENT_SORTS[sort.removeprefix("-")]
    if fields == CLIENT_SORTS["statut"]:
        tickets = tickets.annotate(status_rank=STATUS_RANK)
    return tickets.order_by(*sorting.order_by(fields, sort))


def client_ticket_page(user, page_number, *, status="", show_closed=False, search="", sort=CLIENT_DEFAULT_SORT):
    """One page of the client's list, its rows' relations attached. A search finds its matches
    once (page and total in one query); otherwise the total comes from the establishment's
    counters (no count of up to 20,000 index entries)."""
    tickets = client_tickets(user, status=status, show_closed=show_closed, search=search, sort=sort)
    if search:
        paginator = SinglePassPaginator(tickets, CLIENT_PAGE_SIZE)
    else:
        counts = status_counts_for(user)
        listed = [status] if status else (Status.values if show_closed else OPEN_STATUSES)
        paginator = CountedPaginator(tickets, CLIENT_PAGE_SIZE, count=sum(counts.get(s, 0) for s in listed))
    page = paginator.get_page(page_number)
    page.object_list = attach_row_relations(list(page.object_list))
    return page


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
    "numero": ("number",),
    "-numero": ("-number",),
    # The nearest deadline first (SPEC M13.4); the DIs whose clock does not run follow.
    "echeance": (F("due_at").asc(nulls_last=True), "pk"),
}


def default_team(user):
    """The support person's own team; the vendor's administrators see every team."""
    team = TEAM_OF_ROLE.get(user.role)
    return team.value if team else ALL


def desk_staff():
    """The vendor's support staff who can hold a DI (the « Support » filter and column)."""
    return User.objects.filter(role__in=(Role.SUPPORT_SOFTWARE, Role.SUPPORT_LEGAL), is_active=True)


def desk_tickets(user, *, team=ALL, etablissement="", support="", older_than_days=None, q=""):
    """The DIs of the desk, every filter but the status (so that counters can share it)."""
    tickets = tickets_for(user)
    if team != ALL:
        tickets = tickets.filter(team=team)
    if etablissement:
        tickets = tickets.filter(establishment__name__icontains=etablissement)
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


def statuses_of(status):
    """The statuses a desk status filter (« ouvertes », « toutes » or one status) lists."""
    if status == OPEN:
        return list(OPEN_STATUSES)
    if status == ALL:
        return list(Status.values)
    return [status]


def filter_status(tickets, status):
    if status == OPEN:
        return tickets.filter(status__in=OPEN_STATUSES)
    if status == ALL:
        return tickets
    return tickets.filter(status=status)


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
    parts, params = [], []
    for i, queryset in enumerate(querysets.values()):
        sql, query_params = queryset.values("pk")[: cap + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS bounded_{i})")  # noqa: S608 (Django-compiled SQL)
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {key: BoundedCount(value, cap) for key, value in zip(querysets, row, strict=True)}


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


def _desk_counts_key(team):
    return f"desk:status-counts:{team}"


def desk_status_counts(user, team):
    """{status: BoundedCount} of the desk's counters for ``team`` (« toutes »: every team)."""

    def count():
        counts = status_counts(desk_tickets(user, team=team))
        # A capped count is kept as cap + 1 so that it reads back as « more than the cap ».
        return {status: int(n) + n.capped for status, n in counts.items()}

    raw = remember(_desk_counts_key(team), DESK_COUNTS_TTL, count)
    return {status: BoundedCount(value, COUNT_CAP) for status, value in raw.items()}


def forget_desk_counts(team):
    """After the transaction that filed a DI of ``team`` or changed its status commits."""
    transaction.on_commit(lambda: forget(_desk_counts_key(team), _desk_counts_key(ALL)))


# --- Service levels on the desk (SPEC M13.4) ------------------------------------------------


def end_of_today(now=None):
    """Midnight at the end of today, in the portal's time zone."""
    local = timezone.localtime(now or timezone.now())
    return (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def due_counts_by_team(now=None):
    """Per team, the DIs due later today and the DIs already late (their clock runs and its
    deadline has passed): [{"team", "label", "today", "late"}, ...], both teams always listed. One
    query on the (team, due_at) index: only running clocks have a due date."""
    now = now or timezone.now()
    rows = (
        Ticket.objects.filter(due_at__lt=end_of_today(now))
        .values("team")
        .annotate(late=Count("pk", filter=Q(due_at__lt=now)), today=Count("pk", filter=Q(due_at__gte=now)))
        .order_by()
    )
    found = {row["team"]: row for row in rows}
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
