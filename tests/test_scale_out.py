"""Runs as a fleet: two gunicorn instances, a Celery worker, PostgreSQL, Redis and an S3 endpoint;
then one instance, two Celery workers and a Dovecot for the replies by e-mail.

Everything listens on 127.0.0.1 and stops at the end of the test. Runs when DATABASE_URL names
PostgreSQL (CI's second pass); moto's server mode stands in for the object store.
"""

import email
import email.policy
import os
import re
import time
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
import requests
from celery import Celery

from testing.imap import REPLY_ADDRESS, Dovecot, TestMailbox
from tools.fleet import COMPOSE, Browser, Fleet, compose_command, solve_from_page, wait_for

DATABASE_URL = os.environ.get("DATABASE_URL", "")
PDF = b"%PDF-1.4\n% scale-out test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = [
    pytest.mark.scaleout,
    pytest.mark.skipif(not DATABASE_URL.startswith("postgres"), reason="needs PostgreSQL (DATABASE_URL)"),
]


@pytest.fixture
def fleet(tmp_path):
    fleet = Fleet(tmp_path, DATABASE_URL)
    # Browsers reach the bucket by another name than the portal does (M16.1): "localhost" here.
    fleet.env["S3_PUBLIC_ENDPOINT_URL"] = f"http://localhost:{fleet.s3_port}"
    try:
        fleet.start_s3()
        fleet.manage("collectstatic", "--noinput")
        fleet.manage(*COMPOSE["services"]["migrate"]["command"][2:])
        fleet.load_demo()
        yield fleet
    finally:
        fleet.close()


def test_two_instances_a_worker_postgresql_redis_and_s3_serve_one_portal(fleet):
    """M1.1 M3.1 M3.4 M9 M10 M16.1"""
    port_a, proc_a = fleet.start_web("web-a")
    port_b, _proc_b = fleet.start_web("web-b")
    fleet.start("worker", compose_command("worker", concurrency="1", loglevel="WARNING"))
    agent = Browser()

    # Log in on A, with a captcha solved from A's page.
    page = agent.request("GET", port_a, "/connexion/")
    captcha = solve_from_page(page)
    login = {"username": "agent@ch-demo.example", "password": "demo-Espace-2026", "captcha": captcha}
    response = agent.request("POST", port_a, "/connexion/", data={**login, "csrfmiddlewaretoken": agent.csrf(page)})
    assert response.status_code == 302, response.text[:500]

    # The same session continues on B.
    home = agent.request("GET", port_b, "/")
    assert home.status_code == 200 and "Bonjour Julien" in home.text

    # The captcha solution spent on A is refused on B (shared replay store).
    other = Browser()
    page_b = other.request("GET", port_b, "/connexion/")
    replay = other.request("POST", port_b, "/connexion/", data={**login, "csrfmiddlewaretoken": other.csrf(page_b)})
    assert replay.status_code == 200 and "déjà servi" in replay.text

    # A DI filed with an attachment on B...
    form = agent.request("GET", port_b, "/support/deposer/")
    contract = re.search(r'<option value="(\d+)"[^>]*>Indeline', form.text).group(1)
    filed = agent.request(
        "POST",
        port_b,
        "/support/deposer/",
        data={
            "csrfmiddlewaretoken": agent.csrf(form),
            "contract": contract,
            "subject": "Test de montée en charge",
            "description": "Déposée sur l'instance B.",
            "module": "Paie",
            "version": "2026.4",
            "environment": "test",
        },
        files={"files": ("capture.pdf", PDF, "application/pdf")},
    )
    assert filed.status_code == 302, filed.text[:1000]
    detail_path = filed.headers["Location"]
    number = detail_path.rstrip("/").rsplit("/", 1)[-1]

    # ...is read on A, and its attachment downloaded through A (from the object store).
    detail = agent.request("GET", port_a, detail_path)
    assert detail.status_code == 200 and number in detail.text
    link = re.search(r'href="(/support/dis/[^"]+/pj/[^"]+/)"', detail.text).group(1)
    download = agent.request("GET", port_a, link)
    if download.status_code == 302:  # handed to a signed URL of the object store
        assert download.headers["Location"].startswith(fleet.env["S3_PUBLIC_ENDPOINT_URL"] + "/")
        download = requests.get(download.headers["Location"], timeout=30)
    assert download.status_code == 200 and download.content == PDF

    # The team's e-mail is sent exactly once, by the worker.
    wait_for(lambda: any(number in m for m in fleet.sent_emails()), timeout=60, what="the worker's e-mail")
    time.sleep(2)
    created = [m for m in fleet.sent_emails() if number in m and "support@cegape.example" in m]
    assert len(created) == 1

    # Stopping A mid-test loses nothing: B goes on with the same session.
    fleet.stop(proc_a)
    page = agent.request("GET", port_b, detail_path)
    assert page.status_code == 200
    posted = agent.request(
        "POST",
        port_b,
        f"{detail_path}message/",
        data={"csrfmiddlewaretoken": agent.csrf(page), "message-body": "Message envoyé après l'arrêt de A."},
    )
    assert posted.status_code == 302
    assert "Message envoyé après l" in agent.request("GET", port_b, detail_path).text


@pytest.fixture
def mail_fleet(tmp_path):
    """A fleet without the object store, replies by e-mail on, read from a Dovecot on loopback."""
    dovecot = Dovecot().start()
    user, password = dovecot.add_user()
    fleet = Fleet(tmp_path, DATABASE_URL, s3=False)
    fleet.env.update(
        {
            "INBOUND_IMAP_URL": dovecot.url(user, password),
            "INBOUND_REPLY_ADDRESS": REPLY_ADDRESS,
            "INBOUND_TOKEN_KEY": "scale-out-token-key-" + "t" * 30,
        }
    )
    fleet.mailbox = TestMailbox(dovecot, user, password)
    try:
        fleet.manage("collectstatic", "--noinput")
        fleet.manage(*COMPOSE["services"]["migrate"]["command"][2:])
        fleet.load_demo()
        yield fleet
    finally:
        fleet.close()
        dovecot.stop()


def parsed_emails(fleet, to, needle):
    """The e-mails the fleet sent to ``to`` whose text holds ``needle`` (read as bytes: 8-bit UTF-8)."""
    found = []
    for path in fleet.mail_dir.iterdir():
        for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if b"Subject:" not in raw:
                continue
            message = email.message_from_bytes(raw.lstrip(b"\n"), policy=email.policy.default)
            if message["To"] == to and needle in message.get_body(("plain",)).get_content():
                found.append(message)
    return found


def test_a_reply_by_email_is_processed_once_with_two_workers(mail_fleet):
    """M12.2 M12.4: two Celery workers read the mailbox at once: one public answer, one e-mail to the owner"""
    fleet = mail_fleet
    port, _ = fleet.start_web("web")
    for name in ("worker-a", "worker-b"):
        fleet.start(name, compose_command("worker", concurrency="1", loglevel="WARNING"))
    agent = Browser()
    page = agent.request("GET", port, "/connexion/")
    login = {"username": "agent@ch-demo.example", "password": "demo-Espace-2026", "captcha": solve_from_page(page)}
    response = agent.request("POST", port, "/connexion/", data={**login, "csrfmiddlewaretoken": agent.csrf(page)})
    assert response.status_code == 302, response.text[:500]

    # The agent files a DI; a worker e-mails the team, each member at a reply address of their own.
    form = agent.request("GET", port, "/support/deposer/")
    contract = re.search(r'<option value="(\d+)"[^>]*>Indeline', form.text).group(1)
    filed = agent.request(
        "POST",
        port,
        "/support/deposer/",
        data={
            "csrfmiddlewaretoken": agent.csrf(form),
            "contract": contract,
            "subject": "Réponse par e-mail en parallèle",
            "description": "Deux workers lisent la boîte.",
            "module": "Paie",
            "version": "2026.4",
            "environment": "test",
        },
    )
    assert filed.status_code == 302, filed.text[:1000]
    detail_path = filed.headers["Location"]
    number = detail_path.rstrip("/").rsplit("/", 1)[-1]
    wait_for(lambda: parsed_emails(fleet, "support@cegape.example", number), timeout=60, what="the team's e-mail")
    (to_team,) = parsed_emails(fleet, "support@cegape.example", number)
    assert str(to_team["Reply-To"]).startswith("support+") and "Vous pouvez répondre directement" in str(
        to_team.get_body(("plain",)).get_content()
    )

    # The support answers from their mail client; four readings are queued at once for two workers.
    reply = EmailMessage()
    reply["From"] = "support@cegape.example"
    reply["To"] = str(to_team["Reply-To"])
    reply["Subject"] = f"Re: {to_team['Subject']}"
    reply["Message-ID"] = make_msgid(domain="cegape.example")
    reply.set_content(
        "Réponse du support par e-mail, une seule fois.\n\nLe lundi, Espace Clients a écrit :\n> citation\n"
    )
    fleet.mailbox.deliver(reply)
    broker = Celery(broker=fleet.env["REDIS_URL"])
    for _ in range(4):
        broker.send_task("inbound.fetch_replies")

    text = "Réponse du support par e-mail, une seule fois."
    wait_for(lambda: parsed_emails(fleet, "agent@ch-demo.example", text), timeout=90, what="the owner's e-mail")
    time.sleep(3)  # the other readings end
    page = agent.request("GET", port, detail_path)
    assert page.status_code == 200 and page.text.count("Réponse du support par e-mail, une seule fois.") == 1
    assert "citation" not in page.text
    assert len(parsed_emails(fleet, "agent@ch-demo.example", text)) == 1
    assert fleet.mailbox.message_ids("Traites") == [reply["Message-ID"]] and fleet.mailbox.count("INBOX") == 0
