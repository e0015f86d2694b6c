"""Runs as a fleet: two gunicorn instances, a Celery worker, PostgreSQL, Redis and an S3 endpoint.

Everything listens on 127.0.0.1 and stops at the end of the test. Runs when DATABASE_URL names
PostgreSQL (CI's second pass); moto's server mode stands in for the object store.
"""

import os
import re
import time

import pytest
import requests

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
