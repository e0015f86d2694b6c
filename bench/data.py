"""The benchmark's data set, written with PostgreSQL's COPY into the database of the run.

At scale 1: 10,000 establishments, 100,000 client accounts, 50 vendor staff, 1,000,000 DIs over
five years in every status, about 5,000,000 messages, 200,000 attachment records (rows that
share one small stored file) and one large establishment holding 20,000 DIs. A scale factor
shrinks every volume. The set is kept: a marker table (``bench_dataset``) records the scale, the
generator version and the timings, and a later run with the same scale reuses it.

Speed: one precomputed password hash for every account; text assembled from sentence pools
(``bench.text``); rows written as COPY text; secondary indexes dropped during the load and rebuilt
after it; foreign-key triggers off during the load (``session_replication_role``); then
VACUUM ANALYZE so that the visibility map allows index-only scans, as in a database that lives.
"""

import contextlib
import hashlib
import json
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta

VERSION = 3  # 2: the DIs carry their messages' words (messages_vector); 3: service levels, surveys, reports
PASSWORD = "bench-Espace-2026"
FULL = {
    "establishments": 10_000,
    "clients": 100_000,
    "tickets": 1_000_000,
    "messages": 5_000_000,
    "attachments": 200_000,
    "large_tickets": 20_000,
    "articles": 10_000,
}
MINIMUM = {
    "establishments": 5,
    "clients": 40,
    "tickets": 300,
    "messages": 1_500,
    "attachments": 60,
    "large_tickets": 80,
    "articles": 100,
}
STAFF = {"support_software": 30, "support_legal": 15, "vendor_admin": 5}  # 50 vendor staff at every scale
YEARS = 5
DETAIL_MESSAGES = 30
DETAIL_ATTACHMENTS = 8
DOWNLOAD_SIZE = 1 << 30

AGENT_EMAIL = "agent@grand-chu.bench"
SUPPORT_EMAIL = "support@editeur.bench"
LARGE_NAME = "Centre Hospitalier Universitaire de Grandeville"

# Service levels (SPEC M13): (name, first response, resolution) in working hours; products'
# defaults; one contract in ten has no level.
LEVELS = [("Essentiel", 8, 40), ("Standard", 4, 24), ("Premium", 2, 8)]
NO_LEVEL_SHARE = 0.1
SURVEY_SHARE = 0.1  # closed DIs whose owner answered the questionnaire

PRODUCTS = [
    ("Winpaie", "software"),
    ("Indeline", "software"),
    ("Compta Publique", "software"),
    ("Hospitalis", "software"),
    ("Etat Civil Plus", "software"),
    ("Marchés Pro", "software"),
    ("Juridem", "legal"),
    ("Conseil RH", "legal"),
]
KINDS = ["hospital", "care_home", "town_hall", "intermunicipal", "other"]
KIND_LABEL = {
    "hospital": "Centre hospitalier de",
    "care_home": "EHPAD de",
    "town_hall": "Mairie de",
    "intermunicipal": "Communauté de communes de",
    "other": "Syndicat intercommunal de",
}
CITIES = [
    "Lyon", "Nantes", "Rennes", "Lille", "Dijon", "Tours", "Angers", "Reims", "Brest", "Nîmes", "Metz", "Caen",
    "Pau", "Niort", "Vannes", "Laval", "Agen", "Albi", "Auch", "Cahors", "Rodez", "Millau", "Gap", "Digne",
    "Foix", "Tarbes", "Mende", "Privas", "Valence", "Vienne", "Annecy", "Chambéry", "Belfort", "Vesoul",
    "Épinal", "Nancy", "Colmar", "Troyes", "Chartres", "Évreux", "Rouen", "Le Havre", "Amiens", "Arras",
    "Beauvais", "Laon", "Soissons", "Meaux", "Melun", "Blois", "Bourges", "Nevers", "Auxerre", "Mâcon",
]  # fmt: skip
FIRST_NAMES = [
    "Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Julie", "Sarah", "Claire", "Sophie", "Nathalie",
    "Isabelle", "Hélène", "Élodie", "Lucas", "Hugo", "Louis", "Nicolas", "Thomas", "Julien", "Antoine",
    "Mathieu", "Pierre", "François", "Olivier", "Stéphane", "Éric", "Jérôme", "Cédric", "Frédéric",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefèbvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez",
]  # fmt: skip
ATTACHMENT_NAMES = [
    ("capture-ecran.png", "image/png"),
    ("bulletin.pdf", "application/pdf"),
    ("export.csv", "text/csv"),
    ("journal.log", "text/plain"),
    ("parametrage.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
]
TOTP_KEY = "3132333435363738393031323334353637383930"  # the RFC 6238 test key
# The searches measured: words of the trade, as typed by their users (bench.queries counts the
# DIs and messages they match).
SEARCH = {"client": "attestation employeur", "desk": "erreur 1013"}
# The knowledge base's search, and the subject typed while a DI is filed (its suggestions).
KB_SEARCH = "bulletin de paie bloqué"
KB_SUBJECT = "Le bulletin de paie reste bloqué depuis la mise à jour"
SHARED_FILE = "attachments/bench/shared"
PACKAGE_FILE = "downloads/bench/package-1g.zip"
SHARED_CONTENT = b"%PDF-1.4\n% bench attachment\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sizes(scale):
    return {key: max(MINIMUM[key], round(value * scale)) for key, value in FULL.items()}


class Clock:
    """Timestamps as COPY text, fast: the date part is cached per day."""

    def __init__(self):
        self.days = {}

    def text(self, ts):
        day, seconds = divmod(int(ts), 86400)
        date_text = self.days.get(day)
        if date_text is None:
            date_text = self.days[day] = (date(1970, 1, 1) + timedelta(days=day)).isoformat()
        hours, rest = divmod(seconds, 3600)
        return f"{date_text} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}+00"


def _defaults_suffix(model, given):
    """COPY text for the model's concrete columns the generator does not give (their defaults),
    so that a column added later by a migration does not break the generator."""
    from django.db import connection

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in given:
            continue
        default = field.get_default()
        if callable(default):
            default = default()
        value = field.get_db_prep_save(default, connection)
        if value is None:
            text = r"\N"
        elif isinstance(value, bool):
            text = "t" if value else "f"
        elif isinstance(value, datetime):
            text = value.isoformat()
        else:
            text = str(value)
        columns.append(field.column)
        values.append(text)
    return columns, ("\t" + "\t".join(values)) if values else ""


class Writer:
    """COPY ... FROM STDIN in text format, fed by lines built by the generator."""

    def __init__(self, cursor, model, columns):
        extra_columns, self.suffix = _defaults_suffix(model, set(columns))
        names = ", ".join(f'"{c}"' for c in [*columns, *extra_columns])
        self.table = model._meta.db_table
        self.copy_cm = cursor.copy(f'COPY "{self.table}" ({names}) FROM STDIN')
        self.buffer = []
        self.rows = 0

    def __enter__(self):
        self.copy = self.copy_cm.__enter__()
        return self

    def row(self, line):
        self.buffer.append(line + self.suffix)
        self.rows += 1
        if len(self.buffer) >= 20_000:
            self.flush()

    def flush(self):
        if self.buffer:
            self.copy.write("\n".join(self.buffer) + "\n")
            self.buffer = []

    def __exit__(self, *exc):
        if exc[0] is None:
            self.flush()
        return self.copy_cm.__exit__(*exc)


def _secondary_indexes(cursor, tables):
    """(name, definition) of the indexes that back no constraint: dropped during the load."""
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
        """,
        [list(tables)],
    )
    return cursor.fetchall()


def download_size(scale):
    """The package is 1 GiB at scale 1; smaller runs use a smaller one (8 MiB at least)."""
    return max(8 << 20, min(DOWNLOAD_SIZE, int(DOWNLOAD_SIZE * scale)))


def write_files(scale, media_root):
    """Write the data set's files under MEDIA_ROOT (the package, the attachment every attachment
    row points to) unless they are already there; returns the package's path. Called when the
    data set is generated and when a kept data set is reused from another checkout."""
    path = media_root / PACKAGE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    package_size = download_size(scale)
    if not path.exists() or path.stat().st_size != package_size:
        block = random.Random(7).randbytes(1 << 20)
        with path.open("wb") as out:
            out.write(b"PK\x03\x04")
            for _ in range(package_size >> 20):
                out.write(block)
            out.truncate(package_size)
    shared = media_root / SHARED_FILE
    shared.parent.mkdir(parents=True, exist_ok=True)
    if not shared.exists() or shared.read_bytes() != SHARED_CONTENT:
        shared.write_bytes(SHARED_CONTENT)
    return path


ARTICLE_TITLES = [
    "{Object} {problem} : que faire ?",
    "Comment corriger {object} qui {problem}",
    "{Object} : procédure pas à pas",
    "Paramétrer le module {module}",
    "{Object} {problem} {context}",
    "Questions fréquentes sur {object}",
]


def write_articles(cursor, scale, *, products, now, log=print):
    """The knowledge base's articles of ``scale`` (10,000 at scale 1), written with COPY: titles and
    texts of the trade, most on the first product (Winpaie), one in ten a draft; their stems for the
    embedded default computed here (knowledge.search), PostgreSQL's tsvector by the column itself.
    Returns how many."""
    from knowledge.models import Article
    from knowledge.search import article_stems

    from .text import MODULES, Pools, _fill

    count = sizes(scale)["articles"]
    rng = random.Random(16)
    pools = Pools(seed=1616, size=4_000)
    clock = Clock()
    weights = [4 if index == 0 else 1 for index in range(len(products))]
    columns = [
        "id", "product_id", "title", "body", "tags", "version_from", "version_to", "status",
        "created_at", "updated_at", "title_stems", "text_stems",
    ]  # fmt: skip
    with Writer(cursor, Article, columns) as w:
        for aid in range(1, count + 1):
            title = _fill(rng.choice(ARTICLE_TITLES), rng)[:200]
            steps = "\\n".join(f"{k}. {pools.support_message()}" for k in range(1, rng.randint(3, 6)))
            body = (
                f"{pools.description()}\\n\\n## Cause\\n\\n{pools.support_message()}"
                f"\\n\\n## Solution\\n\\n{steps}\\n\\nVoir aussi le module **{rng.choice(MODULES)}**."
            )
            tags = ", ".join(rng.sample(MODULES, 3))
            title_stems, text_stems = article_stems(title, tags, body.replace("\\n", "\n"))
            ts = clock.text(now - rng.uniform(0, 3 * 365 * 86400))
            status = "draft" if aid % 10 == 0 else "published"
            version = f"{rng.randint(2021, 2026)}.{rng.randint(1, 4)}"
            w.row(
                f"{aid}\t{rng.choices(products, weights=weights)[0]}\t{title}\t{body}\t{tags}\t{version}\t\t{status}"
                f"\t{ts}\t{ts}\t{title_stems}\t{text_stems}"
            )
    cursor.execute("SELECT setval(pg_get_serial_sequence('knowledge_article', 'id'), %s)", [count])
    return count


def add_articles(scale, facts, *, log=print):
    """A kept data set generated before the knowledge base: its articles, and its facts updated."""
    from django.db import connection

    from establishments.models import Contract, Product

    started = time.monotonic()
    products = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    with connection.cursor() as cur:
        cur.execute("DELETE FROM knowledge_article")
        count = write_articles(cur.cursor, scale, products=products, now=time.time(), log=log)
        cur.execute("ANALYZE knowledge_article")
    agent_establishment = Contract.objects.filter(establishment__users__email=AGENT_EMAIL)
    facts["kb"] = _kb_facts(count, agent_establishment.filter(product_id=products[0]).values_list("pk", flat=True)[0])
    facts["timings"]["articles"] = round(time.monotonic() - started, 1)
    with connection.cursor() as cur:
        cur.execute("UPDATE bench_dataset SET facts = %s WHERE scale = %s", [json.dumps(facts), scale])
    log(f"  articles: {count} in {facts['timings']['articles']} s")
    return facts


def add_history(scale, facts, *, log=print):
    """The history of the DI the DI pages show (``DETAIL_MESSAGES`` messages): its filing, its
    taking and an event per message, at their messages' times, as the services write them. A DI
    of thirty messages has them, and the desk's DI page lists them (« Historique »). Written for a
    new data set and added to a kept one; ``facts["history"]`` counts them."""
    from django.db import connection

    from support.models import Message, Status, Ticket, TicketEvent

    ticket = Ticket.objects.get(number=facts["detail_number"])
    messages = Message.objects.filter(ticket=ticket).select_related("author").order_by("created_at", "pk")
    events = [
        (
            {"internal": "internal_note", "question": "question", "closure_proposed": "closure_proposed"}.get(
                message.kind, "replied" if message.author.is_vendor else "owner_message"
            ),
            message.author_id,
            "",
            "",
            None,
            message.created_at,
        )
        for message in messages
    ]
    rows = [("created", ticket.author_id, "", Status.TO_PROCESS, None, ticket.created_at)]
    if ticket.assignee_id:  # taken at the support's first answer
        taken_at = next((e[5] for e in events if e[0] in ("replied", "question")), ticket.created_at)
        rows.append(("taken", ticket.assignee_id, Status.TO_PROCESS, Status.IN_PROGRESS, ticket.assignee_id, taken_at))
    rows += events
    table = TicketEvent._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {table} WHERE ticket_id = %s", [ticket.pk])  # noqa: S608 (the model's own table)
        cur.executemany(
            f"INSERT INTO {table} "  # noqa: S608 (the model's own table)
            "(ticket_id, action, actor_id, from_status, to_status, to_user_id, note, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, '', %s)",
            [(ticket.pk, *row) for row in rows],
        )
        cur.execute(
            "UPDATE bench_dataset SET facts = jsonb_set(facts, '{history}', %s::jsonb) WHERE scale = %s",
            [str(len(rows)), scale],
        )
    facts["history"] = len(rows)
    log(f"  history of the detail DI: {len(rows)} events")
    return facts


def _kb_facts(count, contract_id):
    return {"articles": count, "search": KB_SEARCH, "subject": KB_SUBJECT, "contract": contract_id}


def generate(scale, *, media_root, log=print, in_transaction=False):
    """``in_transaction``: inside a test's transaction, the indexes stay (an index built in the
    transaction that follows updated rows may be unusable to it) and VACUUM becomes ANALYZE."""
    """Fill the (freshly migrated) database with the data set of ``scale``; return its facts."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from accounts.models import User
    from downloads.models import DownloadFile
    from establishments.models import Contract, Establishment, Product, ServiceLevel, department_of
    from news.models import NewsItem
    from servicelevels.calendar import calendar_for
    from support.models import (
        Attachment,
        Message,
        StatusCount,
        SurveyAnswer,
        SurveyQuestion,
        SurveyResponse,
        Ticket,
        TicketCounter,
    )

    from .text import Pools

    n = sizes(scale)
    rng = random.Random(42)
    pools = Pools()
    clock = Clock()
    timings = {}
    started = time.monotonic()
    now = time.time()
    first_ts = now - YEARS * 365 * 86400
    password = make_password(PASSWORD)  # one hash, shared by every account

    def lap(name, since):
        timings[name] = round(time.monotonic() - since, 1)
        log(f"  {name}: {timings[name]} s")
        return time.monotonic()

    tables = [
        m._meta.db_table
        for m in (
            User,
            Establishment,
            Contract,
            Product,
            ServiceLevel,
            Ticket,
            SurveyResponse,
            SurveyAnswer,
            Message,
            Attachment,
            TicketCounter,
            StatusCount,
            DownloadFile,
        )
    ]
    with connection.cursor() as cur:
        raw = cur.cursor
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("SET max_parallel_maintenance_workers = 2")
        # No FK triggers during the load (superuser only; otherwise the load is slower, not wrong).
        with contextlib.suppress(Exception):
            cur.execute("SET session_replication_role = replica")
        indexes = [] if in_transaction else _secondary_indexes(cur, tables)
        for name, _definition in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        t = time.monotonic()

        # --- Service levels, products, establishments, contracts -------------------------------
        with Writer(raw, ServiceLevel, ["id", "name", "first_response_hours", "resolution_hours"]) as w:
            for lid, (name, first, resolution) in enumerate(LEVELS, 1):
                w.row(f"{lid}\t{name}\t{first}\t{resolution}")
        level_hours = {lid: (first, resolution) for lid, (_name, first, resolution) in enumerate(LEVELS, 1)}
        with Writer(raw, Product, ["id", "name", "kind", "description", "default_service_level_id"]) as w:
            for pid, (name, kind) in enumerate(PRODUCTS, 1):
                w.row(f"{pid}\t{name}\t{kind}\t{name} : produit de démonstration du banc d'essai.\t{pid % 3 + 1}")
        software_products = [pid for pid, (_n, k) in enumerate(PRODUCTS, 1) if k == "software"]
        legal_products = [pid for pid, (_n, k) in enumerate(PRODUCTS, 1) if k == "legal"]
        est_count = n["establishments"]
        null = "\\N"
        contract_est, contract_product, contract_level, est_contracts = [], [], [], []
        est_department = [""]
        est_lines, contract_lines = [], []
        for e in range(1, est_count + 1):
            kind = "hospital" if e == 1 else KINDS[e % len(KINDS)]
            city = CITIES[e % len(CITIES)]
            name = LARGE_NAME if e == 1 else f"{KIND_LABEL[kind]} {city} n°{e}"
            postal = f"{10000 + e % 89999:05d}"
            est_department.append(department_of(postal))
            est_lines.append(
                f"{e}\t{name}\t{kind}\t{city}\t{postal}\t{est_department[e]}\t{clock.text(first_ts - 86400)}"
            )
            products = (
                [*software_products, *legal_products]
                if e == 1
                else [*rng.sample(software_products, rng.randint(1, 3)), *rng.sample(legal_products, rng.randint(0, 1))]
            )
            ids = []
            for pid in products:
                cid = len(contract_est) + 1
                contract_est.append(e)
                contract_product.append(pid)
                level = None if rng.random() < NO_LEVEL_SHARE else pid % 3 + 1
                contract_level.append(level)
                ids.append(cid)
                contract_lines.append(f"{cid}\t{e}\t{pid}\tCT-{e:05d}-{pid:02d}\t2019-01-01\t\\N\tt\t{level or null}")
            est_contracts.append(ids)
        # One COPY at a time on a connection.
        with Writer(raw, Establishment, ["id", "name", "kind", "city", "postal_code", "department", "created_at"]) as w:
            for line in est_lines:
                w.row(line)
        contract_columns = [
            "id", "establishment_id", "product_id", "reference", "start_date", "end_date", "is_active", "service_level_id"
        ]  # fmt: skip
        with Writer(raw, Contract, contract_columns) as w:
            for line in contract_lines:
                w.row(line)
        t = lap("establishments and contracts", t)

        # --- Accounts ---------------------------------------------------------------------------
        # The large establishment has its share of accounts and more; the others share the rest.
        large_users = max(20, n["clients"] // 200)
        per_est = [large_users] + [0] * (est_count - 1)
        for i in range(n["clients"] - large_users):
            per_est[1 + i % (est_count - 1)] += 1
        user_start = []
        user_columns = ["id", "password", "email", "first_name", "last_name", "establishment_id", "role", "is_active", "date_joined", "is_team_lead"]  # fmt: skip
        uid = 0
        joined = clock.text(first_ts - 86400)
        with Writer(raw, User, user_columns) as w:
            for e in range(1, est_count + 1):
                user_start.append(uid + 1)
                for k in range(per_est[e - 1]):
                    uid += 1
                    first, last = FIRST_NAMES[uid % 30], LAST_NAMES[(uid // 30) % 30]
                    role = "admin" if k == 0 else ("referent" if k % 7 == 3 else "agent")
                    email = AGENT_EMAIL if (e == 1 and k == 1) else f"u{uid}@etab{e}.bench"
                    w.row(f"{uid}\t{password}\t{email}\t{first}\t{last}\t{e}\t{role}\tt\t{joined}\tf")
            staff = {}
            for role, count in STAFF.items():
                staff[role] = []
                for k in range(count):
                    uid += 1
                    staff[role].append(uid)
                    first, last = FIRST_NAMES[(uid * 7) % 30], LAST_NAMES[(uid * 11) % 30]
                    email = SUPPORT_EMAIL if (role == "support_software" and k == 0) else f"{role}{k}@editeur.bench"
                    # The first of each support team leads it (the reports, the late DIs' e-mail).
                    lead = "t" if role != "vendor_admin" and k == 0 else "f"
                    w.row(f"{uid}\t{password}\t{email}\t{first}\t{last}\t\\N\t{role}\tt\t{joined}\t{lead}")
        agent_id = user_start[0] + 1
        t = lap("accounts", t)

        # --- DIs --------------------------------------------------------------------------------
        total = n["tickets"]
        large = n["large_tickets"]
        created = sorted(rng.uniform(first_ts, now - 600) for _ in range(total))
        others = list(range(2, est_count + 1))
        weights = [1.0 / (rank**0.7) for rank in range(1, len(others) + 1)]
        est_of = rng.choices(others, weights=weights, k=total - large) + [1] * large
        rng.shuffle(est_of)
        # The DI of the detail page: the large establishment's most recent one, in progress.
        detail_index = max(i for i, e in enumerate(est_of) if e == 1)
        t_status, t_created, t_activity, t_owner, t_assignee = [], [], [], [], []
        counters = {}
        ticket_columns = [
            "id", "number", "establishment_id", "contract_id", "team", "owner_id", "author_id", "assignee_id",
            "subject", "description", "module", "version", "environment", "status", "awaiting_owner",
            "created_at", "last_activity_at", "closure_proposed_at", "closed_at",
            "service_level_id", "first_response_at", "first_response_minutes", "first_response_due_at",
            "resolution_due_at", "clock_minutes", "due_at",
        ]  # fmt: skip
        surveyed = []  # (ticket, owner, closed at) of the closed DIs whose owner rated them
        with Writer(raw, Ticket, ticket_columns) as w:
            for i in range(total):
                tid = i + 1
                e = est_of[i]
                c_ts = created[i]
                age_days = (now - c_ts) / 86400
                r = rng.random()
                if i == detail_index:
                    status = "in_progress"
                elif age_days < 45:
                    status = (
                        "to_process" if r < 0.25 else "in_progress" if r < 0.65 else "closure_pending" if r < 0.78
                        else "closed" if r < 0.95 else "cancelled"
                    )  # fmt: skip
                else:
                    # A few old DIs stay open: the desk's « oldest first » shows them.
                    status = "in_progress" if r < 0.004 else "to_process" if r < 0.006 else "closed" if r < 0.945 else "cancelled"  # fmt: skip
                if status == "closure_pending" and age_days < 1:
                    status = "in_progress"
                cid = rng.choice(est_contracts[e - 1])
                product = contract_product[cid - 1]
                team = "software" if product in software_products else "legal"
                owner = agent_id if i == detail_index else user_start[e - 1] + rng.randrange(per_est[e - 1])
                assignee = (
                    "\\N" if status == "to_process" else str(rng.choice(staff["support_software" if team == "software" else "support_legal"]))
                )  # fmt: skip
                a_ts = min(now - 60, c_ts + rng.uniform(0, 30 * 86400))
                proposed = closed = "\\N"
                if status == "closure_pending":
                    proposed = clock.text(a_ts)
                elif status in ("closed", "cancelled"):
                    closed = clock.text(a_ts)
                year = datetime.fromtimestamp(c_ts, UTC).year
                serial = counters[year] = counters.get(year, 0) + 1
                software = team == "software"
                awaiting = "t" if status == "in_progress" and r < 0.3 else "f"
                # The service level (SPEC M13): working minutes drawn for the answered and the
                # closed DIs (the reports' figures); the due dates of the open DIs whose clock
                # runs computed by the calendar, as the services would (no pause counted).
                level = contract_level[cid - 1]
                sla = [str(level) if level else null, null, null, null, null, "0", null]
                if status != "to_process":
                    first_minutes = min(int(rng.expovariate(1 / 150)) + 5, 6000)
                    sla[1] = clock.text(min(a_ts, c_ts + first_minutes * 180))
                    sla[2] = str(first_minutes)
                    sla[5] = str(max(first_minutes, int(rng.expovariate(1 / 900)) + first_minutes))
                if level and status in ("to_process", "in_progress") and awaiting == "f":
                    first_h, resolution_h = level_hours[level]
                    cal = calendar_for(est_department[e])
                    filed = datetime.fromtimestamp(c_ts, UTC)
                    first_due = cal.add(filed, timedelta(hours=first_h))
                    resolution_due = cal.add(filed, timedelta(hours=resolution_h))
                    sla[3] = clock.text(first_due.timestamp())
                    sla[4] = clock.text(resolution_due.timestamp())
                    sla[6] = sla[3] if status == "to_process" else sla[4]
                if status == "closed" and rng.random() < SURVEY_SHARE:
                    surveyed.append((tid, owner, a_ts))
                w.row(
                    f"{tid}\tDI-{year}-{serial:06d}\t{e}\t{cid}\t{team}\t{owner}\t{owner}\t{assignee}\t"
                    f"{pools.subject()}\t{pools.description()}\t"
                    f"{'Paie' if software else ''}\t{'2026.4' if software else ''}\t{'production' if software else ''}\t"
                    f"{status}\t{awaiting}\t{clock.text(c_ts)}\t{clock.text(a_ts)}\t{proposed}\t{closed}\t"
                    + "\t".join(sla)
                )
                t_status.append(status)
                t_created.append(c_ts)
                t_activity.append(a_ts)
                t_owner.append(owner)
                t_assignee.append(int(assignee) if assignee != "\\N" else staff["support_software" if software else "support_legal"][0])  # fmt: skip
        with Writer(raw, TicketCounter, ["year", "last"]) as w:
            for year, last in sorted(counters.items()):
                w.row(f"{year}\t{last}")
        t = lap("DIs", t)

        # --- Satisfaction questionnaires of some closed DIs --------------------------------------
        questions = list(SurveyQuestion.objects.filter(is_active=True).values_list("pk", flat=True))
        with Writer(raw, SurveyResponse, ["id", "ticket_id", "respondent_id", "comment", "created_at"]) as w:
            for sid, (tid, owner, closed_ts) in enumerate(surveyed, 1):
                w.row(f"{sid}\t{tid}\t{owner}\t\t{clock.text(closed_ts)}")
        with Writer(raw, SurveyAnswer, ["id", "response_id", "question_id", "rating"]) as w:
            aid = 0
            for sid in range(1, len(surveyed) + 1):
                for question in questions:
                    aid += 1
                    w.row(f"{aid}\t{sid}\t{question}\t{rng.choices((1, 2, 3, 4, 5), (1, 2, 5, 12, 10))[0]}")
        t = lap("satisfaction questionnaires", t)

        # --- Messages and attachments ----------------------------------------------------------
        per_ticket = max(1, round(n["messages"] / total))
        message_columns = ["id", "ticket_id", "author_id", "kind", "body", "created_at"]
        attachment_every = max(1, round(n["messages"] / max(1, n["attachments"] - total // 20 - DETAIL_ATTACHMENTS)))
        mid = 0
        attachments = []  # (ticket, message or None, created_at)
        detail_attachments = []
        with Writer(raw, Message, message_columns) as w:
            for i in range(total):
                tid = i + 1
                count = DETAIL_MESSAGES if i == detail_index else rng.randint(1, 2 * per_ticket - 1)
                c_ts, a_ts = t_created[i], t_activity[i]
                step = (a_ts - c_ts) / (count + 1)
                owner, assignee = t_owner[i], t_assignee[i]
                status = t_status[i]
                if i % 20 == 0:
                    attachments.append((tid, None, c_ts))
                for k in range(count):
                    mid += 1
                    m_ts = c_ts + step * (k + 1)
                    if k % 2 == 0 and status != "to_process":
                        author, body = assignee, pools.support_message()
                        kind = "internal" if rng.random() < 0.1 else "message"
                        if k == count - 1 and status in ("closure_pending", "closed"):
                            kind = "closure_proposed"
                    else:
                        author, body, kind = owner, pools.client_message(), "message"
                    w.row(f"{mid}\t{tid}\t{author}\t{kind}\t{body}\t{clock.text(m_ts)}")
                    if i == detail_index and k % 4 == 1:
                        detail_attachments.append((tid, mid, m_ts))
                    elif mid % attachment_every == 0:
                        attachments.append((tid, mid, m_ts))
        attachments = detail_attachments + attachments
        t = lap("messages", t)
        attachment_columns = [
            "id", "uuid", "ticket_id", "message_id", "file", "original_name", "content_type", "size", "sha256", "created_at"
        ]  # fmt: skip
        digest = hashlib.sha256(SHARED_CONTENT).hexdigest()
        with Writer(raw, Attachment, attachment_columns) as w:
            for aid, (tid, message_id, a_ts) in enumerate(attachments[: n["attachments"]], 1):
                name, content_type = ATTACHMENT_NAMES[aid % len(ATTACHMENT_NAMES)]
                message_text = "\\N" if message_id is None else message_id
                w.row(
                    f"{aid}\t{uuid.UUID(int=rng.getrandbits(128), version=4)}\t{tid}\t{message_text}\t{SHARED_FILE}\t"
                    f"{name}\t{content_type}\t{len(SHARED_CONTENT)}\t{digest}\t{clock.text(a_ts)}"
                )
        attachment_count = min(len(attachments), n["attachments"])
        t = lap("attachments", t)
        article_count = write_articles(raw, scale, products=list(range(1, len(PRODUCTS) + 1)), now=now, log=log)
        t = lap("knowledge base articles", t)

        # --- The messages' words on their DI (the trigger of migration 0004 was off) --------------
        cur.execute(
            "UPDATE support_ticket t SET messages_vector = m.v FROM (SELECT ticket_id,"
            " tsvector_agg(search_vector ORDER BY created_at, id) AS v FROM support_message GROUP BY ticket_id) m"
            " WHERE t.id = m.ticket_id"
        )
        t = lap("messages' words on their DI", t)
        # The DIs per establishment and status (the trigger of migration 0006 was off too).
        cur.execute(
            "INSERT INTO support_statuscount (establishment_id, status, count)"
            " SELECT establishment_id, status, count(*) FROM support_ticket GROUP BY establishment_id, status"
        )
        t = lap("DIs per establishment and status", t)
        # Who owes an answer (the vendor's home, M11.1), as the services keep it: « A traiter » waits
        # for the support since filed; « En cours » since its last public message when the client
        # wrote it (the client answered), since filed when nobody has written yet.
        cur.execute("UPDATE support_ticket SET waiting_since = created_at WHERE status = 'to_process'")
        cur.execute(
            "UPDATE support_ticket t SET client_answered = true, waiting_since = last.created_at FROM ("
            " SELECT DISTINCT ON (m.ticket_id) m.ticket_id, m.created_at, m.author_id, t2.owner_id"
            " FROM support_message m JOIN support_ticket t2 ON t2.id = m.ticket_id"
            " WHERE t2.status = 'in_progress' AND NOT t2.awaiting_owner AND m.kind <> 'internal'"
            " ORDER BY m.ticket_id, m.created_at DESC, m.id DESC) last"
            " WHERE t.id = last.ticket_id AND last.author_id = last.owner_id"
        )
        cur.execute(
            "UPDATE support_ticket t SET waiting_since = t.created_at WHERE t.status = 'in_progress'"
            " AND NOT EXISTS (SELECT 1 FROM support_message m WHERE m.ticket_id = t.id AND m.kind <> 'internal')"
        )
        t = lap("who owes an answer", t)

        # --- Indexes back, sequences, statistics ------------------------------------------------
        cur.execute("SET session_replication_role = DEFAULT")
        for _name, definition in indexes:
            cur.execute(definition)
        t = lap("indexes", t)
        for model in (
            User,
            Establishment,
            Contract,
            Product,
            ServiceLevel,
            Ticket,
            Message,
            Attachment,
            SurveyResponse,
            SurveyAnswer,
        ):
            table = model._meta.db_table
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM \"{table}\"))")

    # --- A few rows through the ORM: news, the 1 GB package ----------------------------------------
    for k in range(3):
        NewsItem.objects.create(
            title=f"Nouvelle version {2026}.{k + 1} de Winpaie",
            body=pools.support_message(),
            in_banner=k == 0,
        )
    path = write_files(scale, media_root)
    package_size = download_size(scale)
    package = DownloadFile.objects.create(
        product_id=software_products[0],
        name="Winpaie — paquet d'installation complet",
        version="2026.4",
        description="Le paquet complet du banc d'essai.",
        file=PACKAGE_FILE,
        original_name="winpaie-2026.4-complet.zip",
        size=package_size,
        sha256="0" * 64,
        content_type="application/zip",
    )
    # The vendor's staff must use a second factor: the support persona has an authenticator app
    # whose key the benchmark knows (it types the code as its owner would).
    totp_key = None
    from django.apps import apps

    if apps.is_installed("django_otp.plugins.otp_totp"):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        totp_key = TOTP_KEY
        support_user = User.objects.get(email=SUPPORT_EMAIL)
        TOTPDevice.objects.create(user=support_user, name="Banc d'essai", key=totp_key, confirmed=True)
    t = lap("news, the package, the second factor", t)

    from django.db import connection as conn

    if not in_transaction:
        old_autocommit = conn.get_autocommit()
        conn.set_autocommit(True)
        with conn.cursor() as cur:
            cur.execute("VACUUM (ANALYZE)")
        conn.set_autocommit(old_autocommit)
    else:  # inside a transaction (the query-plan tests): statistics only
        with conn.cursor() as cur:
            cur.execute("ANALYZE")
    t = lap("vacuum analyze", t)

    # The reports' monthly figures (SPEC M13.6), computed as the nightly task would.
    from reports.services import rebuild

    months = rebuild()
    t = lap(f"report figures ({len(months)} months)", t)

    detail_number = Ticket.objects.values_list("number", flat=True).get(pk=detail_index + 1)
    facts = {
        "scale": scale,
        "version": VERSION,
        "counts": {
            "establishments": est_count,
            "client_accounts": n["clients"],
            "vendor_staff": sum(STAFF.values()),
            "tickets": total,
            "large_establishment_tickets": large,
            "messages": mid,
            "attachments": attachment_count,
            "survey_responses": len(surveyed),
        },
        "agent": AGENT_EMAIL,
        "support": SUPPORT_EMAIL,
        "password": PASSWORD,
        "detail_number": detail_number,
        "ceiling_pk": detail_index + 1,
        "totp_key": totp_key,
        "search": SEARCH,
        # The large establishment's contract on the first product (Winpaie): the suggestions' contract.
        "kb": _kb_facts(article_count, est_contracts[0][0]),
        "download_uuid": str(package.uuid),
        "download_path": str(path),
        "timings": timings,
        "seconds": round(time.monotonic() - started, 1),
    }
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS bench_dataset (scale double precision PRIMARY KEY, version int, facts jsonb, generated_at timestamptz DEFAULT now())"
        )
        cur.execute(
            "INSERT INTO bench_dataset (scale, version, facts) VALUES (%s, %s, %s)", [scale, VERSION, json.dumps(facts)]
        )
    return facts


def existing(scale):
    """The facts of the data set of ``scale`` already in the database, or None."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('bench_dataset')")
        if cur.fetchone()[0] is None:
            return None
        cur.execute("SELECT facts FROM bench_dataset WHERE scale = %s AND version = %s", [scale, VERSION])
        row = cur.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])
