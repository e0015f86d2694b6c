"""Downloading a file (SPEC M6, M10; STYLE « Files »): the right is checked at each request,
the file is streamed with safe headers, and each download is recorded."""

import uuid
from datetime import timedelta

import pytest
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone

from audit.models import Event
from downloads.models import DownloadEvent
from establishments.models import Contract
from testing.downloads import ALPHABET, end_contract, publish


def url(download_file):
    return reverse("downloads:download", args=[download_file.uuid])


def body(response):
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("persona", ["agent", "est_admin", "referent"])
def test_every_client_profile_downloads_a_file_of_an_active_contract(client, request, persona, files):
    """M6"""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url(files["indeline_new"]))
    assert response.status_code == 200
    assert body(response) == ALPHABET


@pytest.mark.parametrize("persona", ["support", "vendor_admin"])
def test_the_vendor_staff_download_any_published_file(client, request, persona, files):
    """M6 M8"""
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(files["winpaie"])).status_code == 200


def test_anonymous_is_sent_to_the_login_page(client, files):
    """M6 M1.1"""
    response = client.get(url(files["indeline_new"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not DownloadEvent.objects.exists()


def test_a_product_without_an_active_contract_is_404_even_with_the_exact_url(client, agent, files):
    """M6: est_a's Winpaie contract expired."""
    client.force_login(agent)
    response = client.get(url(files["winpaie"]))
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()
    assert not DownloadEvent.objects.exists()


def test_the_ehpad_whose_indeline_contract_expired_gets_404_on_indeline(
    client, other_agent, ehpad_indeline_expired, files
):
    """M6"""
    client.force_login(other_agent)
    assert client.get(url(files["indeline_new"])).status_code == 404
    assert client.get(url(files["juridem"])).status_code == 200


def test_another_establishment_without_the_contract_gets_404(client, other_admin, est_b, files):
    """M6 M10: an administrator of another establishment gets 404 on a download URL it has no right to."""
    Contract.objects.filter(establishment=est_b).update(is_active=False)
    client.force_login(other_admin)
    assert client.get(url(files["indeline_new"])).status_code == 404


def test_a_withdrawn_file_and_an_unknown_id_are_404(client, agent, vendor_admin, files):
    """M6"""
    client.force_login(agent)
    assert client.get(url(files["withdrawn"])).status_code == 404
    assert client.get(reverse("downloads:download", args=[uuid.uuid4()])).status_code == 404
    client.force_login(vendor_admin)
    assert client.get(url(files["withdrawn"])).status_code == 404


def test_a_copied_link_stops_working_when_the_contract_ends(client, agent, est_a, products, files):
    """M6"""
    client.force_login(agent)
    link = url(files["indeline_new"])
    assert client.get(link).status_code == 200
    end_contract(est_a, products["software"])
    assert client.get(link).status_code == 404


def test_a_copied_link_stops_working_when_the_contract_is_suspended(client, agent, est_a, products, files):
    """M6"""
    client.force_login(agent)
    link = url(files["indeline_new"])
    Contract.objects.filter(establishment=est_a, product=products["software"]).update(is_active=False)
    assert client.get(link).status_code == 404


def test_a_contract_not_yet_started_gives_no_right(client, agent, est_a, products, files):
    """M6"""
    tomorrow = timezone.localdate() + timedelta(days=1)
    Contract.objects.filter(establishment=est_a, product=products["software"]).update(start_date=tomorrow)
    client.force_login(agent)
    assert client.get(url(files["indeline_new"])).status_code == 404


def test_a_deactivated_users_live_session_is_refused_on_its_next_download(client, agent, files):
    """M6 M4.4"""
    client.force_login(agent)
    link = url(files["indeline_new"])
    assert client.get(link).status_code == 200
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert DownloadEvent.objects.count() == 1


def test_it_streams_with_safe_headers(client, agent, files):
    """M6 M10"""
    client.force_login(agent)
    response = client.get(url(files["indeline_new"]))
    assert response.streaming
    assert isinstance(response, FileResponse)
    assert response["Content-Length"] == "36"
    assert response["Content-Disposition"] == 'attachment; filename="guide.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"] == f'"{files["indeline_new"].sha256}"'


def test_a_non_ascii_name_is_sent_encoded(client, agent, products):
    """M6"""
    guide = publish(products["software"], "Guide", filename="Guide de démarrage « rapide ».pdf")
    client.force_login(agent)
    disposition = client.get(url(guide))["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "Guide%20de%20d%C3%A9marrage" in disposition


def test_it_refuses_other_methods(client, agent, files):
    """M6"""
    client.force_login(agent)
    assert client.post(url(files["indeline_new"])).status_code == 405


def test_a_missing_stored_file_is_404_not_500(client, agent, files):
    """M6 M10"""
    guide = files["indeline_new"]
    guide.file.storage.delete(guide.file.name)
    client.force_login(agent)
    assert client.get(url(guide)).status_code == 404
    assert not DownloadEvent.objects.exists()


def test_each_download_is_recorded_with_an_audit_event(client, agent, files):
    """M6"""
    guide = files["indeline_new"]
    client.force_login(agent)
    body(client.get(url(guide), REMOTE_ADDR="192.0.2.7"))
    event = DownloadEvent.objects.get()
    assert (event.user, event.user_email, event.file, event.establishment) == (
        agent,
        agent.email,
        guide,
        agent.establishment,
    )
    assert event.ip_address == "192.0.2.7"
    assert (event.first_byte, event.last_byte) == (None, None)
    assert event.file_label == "Indeline — Guide de démarrage 2026.1 (guide.pdf)"
    audit = Event.objects.get(action="download")
    assert (audit.actor, audit.establishment, audit.ip_address) == (agent, agent.establishment, "192.0.2.7")
    assert audit.data == {"file": str(guide.uuid), "product": "Indeline"}


def test_each_request_is_a_separate_record(client, agent, files):
    """M6"""
    client.force_login(agent)
    for _ in range(3):
        client.get(url(files["juridem"]))
    assert DownloadEvent.objects.filter(file=files["juridem"]).count() == 3
    assert Event.objects.filter(action="download").count() == 3


def test_the_log_keeps_its_lines_when_the_file_is_deleted(client, agent, files):
    """M6 M8.2"""
    from downloads.services import download_file_delete

    client.force_login(agent)
    client.get(url(files["juridem"]))
    download_file_delete(files["juridem"], acting_user=None)
    event = DownloadEvent.objects.get()
    assert event.file is None
    assert event.file_label.startswith("Juridem — Guide Juridem 2026")
