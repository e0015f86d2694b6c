"""SQL queries per request of each benchmarked endpoint: ``python -m bench.queries SCALE``, run by
bench.run with the server's environment (same settings, same database). Each endpoint is
requested twice through Django's test client (the first warms the process up, as a worker that
has served before) and the queries of the second are counted. Also counts how many DIs the
benchmark's two searches match. Prints JSON on its last line.
"""

import json
import sys
from pathlib import Path


def main():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts import signed_in
    from accounts.models import User
    from bench.prepare import _marker
    from bench.run import endpoints
    from support.access import tickets_for
    from support.search import filter_tickets, filter_tickets_and_messages
    from support.selectors import COUNT_CAP

    scale = float(sys.argv[1])
    import os

    facts = _marker(os.environ["DATABASE_URL"], scale)
    clients = {}
    for persona in ("agent", "support"):
        user = User.objects.get(email=facts[persona])
        client = Client(HTTP_X_FORWARDED_PROTO="https")
        client.force_login(user)
        if facts.get("totp_key") and persona == "support":
            from django_otp.plugins.otp_totp.models import TOTPDevice

            session = client.session
            session["otp_device_id"] = TOTPDevice.objects.get(user=user).persistent_id
            session.save()
        # The login's own change of the account (last_login) leaves a 2 s tombstone on the
        # signed-in user's cached copy (accounts.signed_in): counted as a server counts after it.
        cache.delete(signed_in.key(user.pk))
        clients[persona] = (client, user)

    counts = {}
    for key, _label, persona, path, expected, _marker_text in endpoints(facts):
        client, user = clients[persona]
        if key == "create":
            contract = user.establishment.contracts.filter(product__kind="software").first()

            def post(client=client, contract=contract, path=path):
                pdf = b"%PDF-1.4\n" + b"% banc d'essai\n" * 6400 + b"%%EOF\n"
                return client.post(
                    path,
                    {
                        "contract": contract.pk,
                        "subject": "[banc d'essai] Comptage des requêtes",
                        "description": "Comptage des requêtes SQL du dépôt d'une DI.",
                        "module": "Paie",
                        "version": "2026.4",
                        "environment": "production",
                        "files": SimpleUploadedFile("capture.pdf", pdf, content_type="application/pdf"),
                    },
                )

            request = post
        else:

            def request(client=client, path=path):
                return client.get(path)

        request()
        with CaptureQueriesContext(connection) as captured:
            response = request()
        if response.status_code != expected:
            raise SystemExit(f"{key}: {response.status_code} (attendu {expected})")
        counts[key] = len(captured.captured_queries)

    agent = clients["agent"][1]
    support = clients["support"][1]
    matches = {
        "client_term": facts["search"]["client"],
        "client_dis": filter_tickets(tickets_for(agent), facts["search"]["client"]).count(),
        "desk_term": facts["search"]["desk"],
        "desk_dis_capped": filter_tickets_and_messages(tickets_for(support), facts["search"]["desk"])
        .values("pk")[: COUNT_CAP + 1]
        .count(),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM support_message WHERE search_vector @@ websearch_to_tsquery('fr_unaccent', %s)",
            [facts["search"]["desk"]],
        )
        matches["desk_messages"] = cursor.fetchone()[0]
    print(json.dumps({"queries": counts, "matches": matches}))


if __name__ == "__main__":
    main()
