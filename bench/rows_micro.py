"""The rows' micro-benchmark (issue 18, item 5): 25 client rows, 25 desk rows and a thread of 30
messages rendered N times each through the list pages' own template tags, on objects built in
memory (no database), the clock fixed; prints the time per page and a digest of the markup, so
that two versions of the rows can be compared on both (docs/performance.md). ``--dump`` also prints
the markup.

    DJANGO_SETTINGS_MODULE=config.settings_test .venv/bin/python -m bench.rows_micro [N]

``--against FILE``: another version of ``support/templatetags/support_rows.py`` (the f-strings of
before issue 18: ``git show 7fbd743:support/templatetags/support_rows.py > /tmp/rows_before.py``),
loaded beside the current one, its tags called directly; both timed in turn five times, and their
markup asserted equal (the old tags render one row each: joined as the list templates joined them).
"""

import hashlib
import json
import sys
import timeit
import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

import django

NOW = datetime(2026, 3, 10, 13, 0, 30, tzinfo=UTC)


def build():
    from accounts.models import Role, User
    from establishments.models import Contract, Establishment, Product
    from support.models import Attachment, Message, Status, Ticket

    est = Establishment(name="Centre Hospitalier « Les Tilleuls » & Co")
    agent = User(pk=2, first_name="Anne", last_name="D'Artois", role=Role.AGENT)
    other = User(pk=3, first_name="Paul", last_name="<Martin>", role=Role.AGENT)
    support = User(pk=9, first_name="Sam", last_name="Support", role=Role.SUPPORT_SOFTWARE)
    product = Product(name="Paie & RH")
    contract = Contract(reference="CT-2026-'01", product=product, establishment=est)
    statuses = list(Status)
    lefts = [None, timedelta(hours=-5), timedelta(minutes=40), timedelta(hours=3, minutes=20), timedelta(days=4)]
    tickets = []
    for i in range(25):
        status = statuses[i % len(statuses)]
        left = lefts[(i + i // 5) % len(lefts)]
        ticket = Ticket(
            pk=i + 1,
            number=f"DI-2026-{i + 1:06d}",
            subject=f'L\'édition des bulletins <n°{i}> bloque "tout" & plus',
            status=status,
            awaiting_owner=i % 4 == 0 and i % 5 != 2,
            created_at=NOW - timedelta(days=i * 3, hours=i),
            last_activity_at=NOW - timedelta(hours=i * 5),
            first_response_at=None if i % 2 else NOW - timedelta(days=1),
            due_at=None if left is None else NOW + left,
            service_level_id=None if i % 7 == 6 else 1,
        )
        ticket.establishment = est
        ticket.contract = contract
        ticket.owner = None if i % 5 == 1 else (agent if i % 2 else other)
        ticket.assignee = None if i % 3 == 0 else support
        tickets.append(ticket)
    messages = []
    for i in range(30):
        message = Message(
            pk=100 + i,
            kind=[Message.Kind.QUESTION, Message.Kind.INTERNAL, Message.Kind.MERGED][i % 3] if i % 2 else "message",
            body=f"Bonjour,\n\nl'écran « Paie » affiche <erreur {i}>.\nVoir https://exemple.fr/kb/{i}"
            if i % 4 == 0
            else f"Réponse n°{i} : c'est corrigé & livré.\n\nCordialement",
            created_at=NOW - timedelta(hours=60 - i),
        )
        message.author = support if i % 2 else agent
        # Its files as support.access.thread_for gives them (and as a prefetch, for older versions).
        message.files = [
            Attachment(uuid=uuid.UUID(int=i * 10 + j), original_name=f"capture d'écran {j}.png", size=1234 * (j + 1))
            for j in range(i % 3)
        ]
        message._prefetched_objects_cache = {"attachments": message.files}
        messages.append(message)
    return agent, tickets, tickets[0], messages


def against(path, n, user, tickets, ticket, thread):
    """Both versions of the tags, alternated; the minimum per page of five turns each."""
    import importlib.util

    from django.template import Context

    from support.templatetags import support_rows as current

    spec = importlib.util.spec_from_file_location("support.templatetags._rows_against", path)
    other = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(other)

    def page(module, name):
        def render():
            context = Context({"user": user, "vendor_name": "CEGAPE"})
            if name == "thread":
                return module.ticket_thread(context, ticket, thread)
            if hasattr(module, f"{name}_rows"):
                rows = getattr(module, f"{name}_rows")
                return rows(context, tickets) if name == "client_ticket" else rows(tickets)
            row = getattr(module, f"{name}_row")
            return "".join("\n    " + row(context, t) for t in tickets)

        return render

    results = {}
    for name in ("client_ticket", "desk_ticket", "thread"):
        theirs, ours = page(other, name), page(current, name)
        assert theirs() == ours(), f"{name}: the markup differs"
        times = {"against_ms": [], "current_ms": []}
        for _ in range(5):
            times["against_ms"].append(min(timeit.repeat(theirs, number=n, repeat=3)) / n * 1000)
            times["current_ms"].append(min(timeit.repeat(ours, number=n, repeat=3)) / n * 1000)
        results[name] = {key: round(min(values), 3) for key, values in times.items()} | {"same_markup": True}
    return results


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 200
    django.setup()
    from django.template import Context, engines
    from django.utils import timezone, translation

    translation.activate("fr")
    timezone.activate("Europe/Paris")
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        user, tickets, ticket, thread = build()
        engine = engines["django"].engine
        pages = {
            "client_rows": engine.from_string("{% load support_rows %}{% client_ticket_rows tickets %}"),
            "desk_rows": engine.from_string("{% load support_rows %}{% desk_ticket_rows tickets %}"),
            "thread": engine.from_string("{% load support_rows %}{% ticket_thread ticket thread %}"),
        }
        results = {}
        for name, template in pages.items():

            def render(template=template):
                context = {"user": user, "tickets": tickets, "ticket": ticket, "thread": thread}
                return template.render(Context({**context, "vendor_name": "CEGAPE"}))

            html = render()
            best = min(timeit.repeat(render, number=n, repeat=5)) / n
            results[name] = {
                "ms_per_page": round(best * 1000, 3),
                "sha256": hashlib.sha256(html.encode()).hexdigest()[:16],
            }
        if "--against" in sys.argv:
            results["against"] = against(sys.argv[sys.argv.index("--against") + 1], n, user, tickets, ticket, thread)
    print(json.dumps({"n": n, **results}, indent=1))
    if "--dump" in sys.argv:
        for name, template in pages.items():
            with mock.patch("django.utils.timezone.now", return_value=NOW):
                context = {
                    "user": user,
                    "tickets": tickets,
                    "ticket": ticket,
                    "thread": thread,
                    "vendor_name": "CEGAPE",
                }
                print(f"===== {name}\n{template.render(Context(context))}")


if __name__ == "__main__":
    main()
