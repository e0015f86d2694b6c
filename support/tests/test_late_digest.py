"""The daily e-mail of late DIs to each team's lead (SPEC M13.4)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role
from support import services
from support.models import Ticket
from testing.personas import make_user
from testing.service_levels import give_level, make_level
from testing.tickets import contract_of, file_di


@pytest.fixture
def lead(db):
    return make_user(
        "cheffe@vendor.example", None, Role.SUPPORT_SOFTWARE, first_name="Claire", last_name="Cheffe", is_team_lead=True
    )


@pytest.fixture
def late(agent, est_a, support, django_capture_on_commit_callbacks):
    """Two late software DIs (one in the hands of Sam Support), one due tomorrow, one legal late DI."""
    level = make_level()
    give_level(contract_of(est_a, "SW"), level)
    give_level(contract_of(est_a, "JUR"), level)
    now = timezone.now()
    first = file_di(agent, subject="Bulletins introuvables")
    second = file_di(agent, subject="Export « trésorerie » bloqué")
    services.ticket_reply(second, acting_user=support, body="Nous regardons.")
    later = file_di(agent, subject="Pas encore en retard")
    legal = file_di(agent, kind="JUR", subject="Question de droit")
    Ticket.objects.filter(pk=first.pk).update(due_at=now - timedelta(hours=5))
    Ticket.objects.filter(pk=second.pk).update(due_at=now - timedelta(hours=2))
    Ticket.objects.filter(pk=later.pk).update(due_at=now + timedelta(days=1))
    Ticket.objects.filter(pk=legal.pk).update(due_at=now - timedelta(hours=1))
    mail.outbox.clear()
    return {"first": first, "second": second, "later": later, "legal": legal}


def send(django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return services.late_digest_send(**kwargs)


def test_the_team_lead_gets_the_list_of_late_dis(lead, support, late, django_capture_on_commit_callbacks):
    """M13.4: each team's lead gets one e-mail listing the team's late DIs, the most overdue first,
    with their establishment, deadline, delay and person in charge"""
    assert send(django_capture_on_commit_callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["cheffe@vendor.example"]  # not Sam, who leads nothing
    assert message.subject == "Support logiciel : 2 DIs en retard"
    body = message.body
    assert body.startswith("Bonjour Claire,")
    first, second = late["first"].number, late["second"].number
    assert first in body and second in body and body.index(first) < body.index(second)
    assert late["later"].number not in body and late["legal"].number not in body
    assert "Centre Hospitalier Alpha" in body and "Bulletins introuvables" in body
    assert "Réponse attendue avant le" in body and "Résolution attendue avant le" in body
    assert "retard : 5 h" in body and "Support : Sam Support" in body
    assert f"/guichet/dis/{first}/" in body and "/guichet/?equipe=software&tri=echeance" in body
    html = message.alternatives[0].content
    assert "Export « trésorerie » bloqué" in html and '<th scope="col"' in html


def test_a_second_run_the_same_day_sends_nothing_and_a_team_without_late_dis_gets_nothing(
    lead, late, django_capture_on_commit_callbacks
):
    """M13.4: at most one e-mail a day per lead; nothing for a team with no late DI"""
    legal_lead = make_user("juriste-chef@vendor.example", None, Role.SUPPORT_LEGAL, is_team_lead=True)
    Ticket.objects.filter(pk=late["legal"].pk).update(due_at=None)
    assert send(django_capture_on_commit_callbacks) == 1
    assert send(django_capture_on_commit_callbacks) == 0
    assert [m.to for m in mail.outbox] == [[lead.email]]
    assert legal_lead.email not in {address for m in mail.outbox for address in m.to}


def test_the_command_sends_the_digest(lead, late, capsys, django_capture_on_commit_callbacks):
    """M13.4: ``send_late_digests`` (also run every morning by Celery beat) sends the e-mails"""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_late_digests")
    assert "1 mail(s)" in capsys.readouterr().out
    assert [m.to for m in mail.outbox] == [[lead.email]]


def test_only_support_staff_lead_a_team(est_a):
    """M13.4: the team-lead flag belongs to the support staff"""
    with pytest.raises(ValidationError):
        make_user("chef@alpha.example", est_a, Role.AGENT, is_team_lead=True)


def test_a_team_s_leads_get_their_digests_written_together(lead, late, django_capture_on_commit_callbacks):
    """M13.4 M10: two leads of one team, their two e-mails' bodies in one INSERT, their rows in
    another, one job for the worker"""
    from notifications.models import OutgoingEmail

    second_lead = make_user("adjoint@vendor.example", None, Role.SUPPORT_SOFTWARE, is_team_lead=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.late_digest_send() == 2
    digests = OutgoingEmail.objects.filter(template="late_digest").select_related("body")
    assert sorted(d.to for d in digests) == sorted([lead.email, second_lead.email])
    assert len({d.body_id for d in digests}) == 2 and all("Bulletins introuvables" in d.body_text for d in digests)
    assert len(callbacks) == 1
