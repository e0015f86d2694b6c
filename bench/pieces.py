"""The pieces every page runs, timed alone in one process (docs/performance.md, round four): the
page's frame (top bar and side menu), the desk's eight filters, the « Confier » list of the
benchmark's DI, the API's 25 rows and its DI of 30 messages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/espace_clients \\
        .venv/bin/python -m bench.pieces [--scale 1] [--number 300]

Production settings, the benchmark's data set of that scale (run the benchmark once) and its
Redis database; prints the best of 7 rounds of ``--number`` calls per piece, in µs. Run it on
two versions of the code, in turn, to compare a change (the machine's load moves every figure).
"""

import argparse
import json
import os
import time


def timings(agent, support, ticket, *, number=300, rounds=7):
    """{piece: µs per call, best of ``rounds``} for these accounts and this DI."""
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.template import engines
    from django.test import RequestFactory

    from api import serializers
    from support import selectors, workflow
    from support.access import thread_for
    from support.desk_forms import DeskFilterForm
    from support.forms import ReassignForm

    request = RequestFactory().get("/support/dis/")
    request.user, request.session = agent, {}
    request._messages = FallbackStorage(request)
    frame = engines["django"].from_string('{% extends "base_portal.html" %}{% block content %}{% endblock %}')
    filters = engines["django"].from_string("{% for f in fields %}{% form_field f %}{% endfor %}")
    form = DeskFilterForm({}, user=support)
    fields = [form[name] for name in ("equipe", "statut", "etablissement", "support", "age", "suivi", "q", "tri")]
    rows = selectors.client_tickets(agent, status="", show_closed=True, search="", mine=False)
    rows = selectors.attach_row_relations(list(rows[:25]))
    context = {"thread": thread_for(agent, ticket), "actions": workflow.allowed_actions(agent, ticket)}
    pieces = {
        "frame": lambda: frame.render({}, request),
        "desk_filters": lambda: filters.render({"fields": fields}),
        "colleagues": lambda: str(ReassignForm(ticket=ticket, prefix="confier")["new_owner"]),
        "api_rows": lambda: serializers.TicketRowSerializer(rows, many=True).data,
        "api_detail": lambda: serializers.TicketDetailSerializer(ticket, context=context).data,
    }
    results = {}
    for name, piece in pieces.items():
        piece()
        best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            for _ in range(number):
                piece()
            best = min(best, (time.perf_counter() - started) / number)
        results[name] = round(best * 1e6)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--number", type=int, default=300)
    args = parser.parse_args(argv)

    from bench.paths import database_url, server_env
    from bench.prepare import _marker

    facts = _marker(database_url(args.scale), args.scale)
    if facts is None:
        raise SystemExit(f"Pas de jeu de données d'échelle {args.scale} : lancez d'abord make bench.")
    os.environ.update(server_env(args.scale))
    import django

    django.setup()
    from django.utils import translation

    from accounts.models import User
    from support.access import get_ticket_for_user

    translation.activate("fr")
    agent = User.objects.select_related("establishment").get(email=facts["agent"])
    support = User.objects.get(email=facts["support"])
    ticket = get_ticket_for_user(agent, facts["detail_number"])
    print(
        json.dumps({"scale": args.scale, "µs": timings(agent, support, ticket, number=args.number)}, ensure_ascii=False)
    )


if __name__ == "__main__":
    main()
