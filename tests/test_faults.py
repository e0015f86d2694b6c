"""Faults lose nothing (issue 5, item 6): each test injects one — the database or the file storage
failing in the middle of a write, the mail server or the broker down, Redis down, two people acting
on the same DI at once — and checks what is left."""

import socket
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.db import IntegrityError, OperationalError, connection, connections
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts.models import Role
from audit.models import Event
from core.resilience import ServiceUnavailableMiddleware
from notifications.models import OutgoingEmail
from support import services
from support.models import Attachment, Message, Status, SurveyQuestion, Ticket, TicketCounter, TicketEvent
from support.services import TransitionRefused
from testing.clients import CommitClient
from testing.mail import FAILING_EMAIL_BACKEND
from testing.personas import PASSWORD, make_user
from testing.tickets import contract_of, file_di, pdf, propose_closure, take

WORKING_MAIL = "django.core.mail.backends.locmem.EmailBackend"
UNAVAILABLE = "Service momentanément indisponible"


def media_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def file_by_http(client, est, *files, **overrides):
    data = {
        "contract": contract_of(est, "SW").pk,
        "subject": "Les bulletins ne s'éditent plus",
        "description": "Depuis la mise à jour, l'édition reste bloquée.",
        "module": "Paie",
        "version": "2026.4",
        "environment": "production",
        "files": list(files),
        **overrides,
    }
    return client.post(reverse("support:create"), data)


def nothing_left(settings):
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists() and not Message.objects.exists()
    assert not TicketEvent.objects.exists() and not OutgoingEmail.objects.exists()
    assert media_files(settings) == []


# --- The database or the storage failing in the middle of filing a DI -----------------------


def test_a_database_outage_while_filing_answers_503_and_leaves_neither_row_nor_file(client, agent, est_a, settings):
    """M3.1 M10"""
    client.force_login(agent)
    with mock.patch("support.services._event", side_effect=OperationalError("connexion perdue")):
        response = file_by_http(client, est_a, pdf("a.pdf"), pdf("b.pdf"))
    assert response.status_code == 503 and UNAVAILABLE in response.content.decode()
    assert response["Retry-After"] == "30"
    nothing_left(settings)


def test_a_database_error_after_the_files_are_written_answers_the_french_500_page_and_leaves_nothing(
    client, agent, est_a, settings
):
    """M3.1 M10"""
    client.raise_request_exception = False
    client.force_login(agent)
    with mock.patch("support.models.TicketEvent.objects.create", side_effect=IntegrityError("contrainte")):
        response = file_by_http(client, est_a, pdf("a.pdf"), pdf("b.pdf"))
    assert response.status_code == 500 and "Erreur du serveur" in response.content.decode()
    assert "Traceback" not in response.content.decode()
    nothing_left(settings)


def test_a_storage_failing_on_the_second_file_leaves_neither_row_nor_the_first_file(client, agent, est_a, settings):
    """M3.1 M10"""
    client.raise_request_exception = False
    client.force_login(agent)
    real_save, calls = FileSystemStorage._save, []

    def flaky_save(storage, name, content):
        calls.append(name)
        if len(calls) == 2:
            raise OSError(28, "Plus de place sur le périphérique")
        return real_save(storage, name, content)

    with mock.patch.object(FileSystemStorage, "_save", flaky_save):
        response = file_by_http(client, est_a, pdf("a.pdf"), pdf("b.pdf"), pdf("c.pdf"))
    assert len(calls) == 2 and response.status_code == 500
    nothing_left(settings)


def test_a_storage_failure_on_a_message_keeps_the_di_and_loses_only_that_message(client, agent, settings):
    """M3.4 M10"""
    ticket = file_di(agent, files=[pdf("premier.pdf")])
    before = media_files(settings)
    client.raise_request_exception = False
    client.force_login(agent)
    with mock.patch.object(FileSystemStorage, "_save", side_effect=OSError(5, "Erreur d'entrée/sortie")):
        response = client.post(
            reverse("support:message", args=[ticket.number]),
            {"message-body": "Voici le journal.", "message-files": [pdf("journal.pdf")]},
        )
    assert response.status_code == 500
    assert not Message.objects.filter(ticket=ticket).exists()
    assert list(ticket.attachments.values_list("original_name", flat=True)) == ["premier.pdf"]
    assert media_files(settings) == before
    assert TicketEvent.objects.filter(ticket=ticket).count() == 1


# --- The mail server or the broker down ---------------------------------------------------------


def test_with_the_mail_server_down_a_di_filed_on_the_page_is_saved_and_its_email_goes_once_it_is_back(
    client, agent, est_a, support, settings
):
    """M9 M3.1 M11.10"""
    settings.EMAIL_BACKEND = FAILING_EMAIL_BACKEND
    client.force_login(agent)
    response = file_by_http(client, est_a, pdf())
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == reverse("support:detail", args=[ticket.number])
    assert ticket.attachments.count() == 1
    email = OutgoingEmail.objects.get(template="ticket_created")
    assert (email.status, email.attempts, email.to) == (OutgoingEmail.Status.PENDING, 1, support.email)
    assert mail.outbox == []

    # Still down at the next run: tried again, kept.
    OutgoingEmail.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    call_command("send_pending_emails", stdout=StringIO())
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.PENDING and email.attempts == 2

    # Back: the periodic job sends it, once.
    settings.EMAIL_BACKEND = WORKING_MAIL
    OutgoingEmail.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    call_command("send_pending_emails", stdout=StringIO())
    call_command("send_pending_emails", stdout=StringIO())
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT and email.attempts == 3
    # The team's e-mail and the owner's acknowledgement (M11.10), each once.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([support.email, agent.email])
    assert all(ticket.number in m.subject for m in mail.outbox)


def test_with_the_mail_server_down_the_owners_message_is_saved_and_its_email_kept(client, agent, support, settings):
    """M9 M3.4"""
    ticket = take(file_di(agent), support)
    settings.EMAIL_BACKEND = FAILING_EMAIL_BACKEND
    client.force_login(agent)
    response = client.post(reverse("support:message", args=[ticket.number]), {"message-body": "Toujours bloqué."})
    assert response.status_code == 302
    assert Message.objects.filter(ticket=ticket, body="Toujours bloqué.").exists()
    email = OutgoingEmail.objects.get(template="ticket_owner_message")
    assert email.status == OutgoingEmail.Status.PENDING and email.to == support.email


def test_with_the_broker_down_a_di_is_saved_the_page_answers_and_the_email_waits(
    client, agent, est_a, support, settings
):
    """M9 M3.1: production hands e-mails to Celery; a broker that is down must not turn the
    committed DI into an error page."""
    settings.EMAIL_DELIVERY = "celery"
    client.force_login(agent)
    with mock.patch("notifications.tasks.deliver_emails.delay", side_effect=BrokerError("Connection refused")):
        response = file_by_http(client, est_a)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    email = OutgoingEmail.objects.get(template="ticket_created")
    assert (email.status, email.attempts) == (OutgoingEmail.Status.PENDING, 0)
    call_command("send_pending_emails", stdout=StringIO())
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT and ticket.number in mail.outbox[0].subject


# --- Redis down ------------------------------------------------------------------------------------


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def redis_unreachable():
    """Production's cache (Redis) and session engine (the signed-in user read with the session),
    with Redis unreachable."""
    dead = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=dead, SESSION_ENGINE="accounts.sessions"):
        from django.core.cache import cache

        with pytest.raises(RedisConnectionError):
            cache.get("anything")
        yield


@pytest.fixture
def redis_down(db):
    with redis_unreachable():
        yield


def test_with_redis_down_the_login_page_still_answers(client, redis_down):
    """M1.1 M10"""
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200 and "Se connecter" in response.content.decode()


def test_with_redis_down_a_login_is_refused_with_a_clear_message_not_a_500(client, agent, captcha, redis_down):
    """M1.1 M10: the captcha's replay store is down, so the captcha fails closed, and says so."""
    response = client.post(
        reverse("accounts:login"), {"username": agent.email, "password": PASSWORD, "captcha": captcha()}
    )
    assert response.status_code == 200
    assert "momentanément indisponible" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not Event.objects.filter(action="login_failed").exists()  # not counted against the account


def test_with_redis_down_the_other_captcha_forms_say_so_too(client, agent, captcha, redis_down):
    """M1.2 M1.3 M10"""
    reset = client.post(reverse("accounts:password_reset"), {"email": agent.email, "captcha": captcha()})
    assert reset.status_code == 200 and "momentanément indisponible" in reset.content.decode()
    assert mail.outbox == []


def test_with_redis_down_signed_in_users_keep_working_from_the_database(client, agent):
    """M10: sessions fall back to the database; pages answer."""
    ticket = file_di(agent)
    client.force_login(agent)
    with redis_unreachable():
        for url in (
            reverse("portal:home"),
            reverse("support:list"),
            reverse("support:detail", args=[ticket.number]),
            reverse("accounts:profile"),
        ):
            assert client.get(url).status_code == 200, url
        response = client.post(reverse("support:message", args=[ticket.number]), {"message-body": "Encore là."})
    assert response.status_code == 302 and Message.objects.filter(body="Encore là.").exists()


def test_with_redis_down_a_logout_is_a_clear_503_and_the_session_is_not_left_behind(client, agent):
    """M10: a session the cache could not forget would come back with Redis: refuse instead."""
    client.force_login(agent)
    with redis_unreachable():
        response = client.post(reverse("accounts:logout"))
    assert response.status_code == 503 and UNAVAILABLE in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_with_redis_down_no_page_answers_500(client, agent, est_admin, captcha):
    """M10: not a 500 storm — every page a visitor or a user reaches answers something clear."""
    client.raise_request_exception = False
    signed_in = CommitClient()
    signed_in.raise_request_exception = False
    signed_in.force_login(est_admin)
    with redis_unreachable():
        statuses = _visit_everything(client, signed_in, agent, captcha)
    assert 500 not in statuses.values(), statuses
    assert statuses["ready"] == 503


def _visit_everything(client, signed_in, agent, captcha):
    statuses = {
        "login": client.get(reverse("accounts:login")).status_code,
        "login_post": client.post(
            reverse("accounts:login"), {"username": agent.email, "password": PASSWORD, "captcha": captcha()}
        ).status_code,
        "reset": client.get(reverse("accounts:password_reset")).status_code,
        "request": client.get(reverse("accounts:account_request")).status_code,
        "health": client.get(reverse("portal:liveness")).status_code,
        "ready": client.get(reverse("portal:readiness")).status_code,
    }
    for name in ("portal:home", "support:list", "collaborators:list", "downloads:list", "audit:journal"):
        statuses[name] = signed_in.get(reverse(name)).status_code
    return statuses


def test_the_middleware_turns_an_unreachable_service_into_the_503_page(rf):
    """M10"""
    middleware = ServiceUnavailableMiddleware(lambda request: None)
    request = rf.get("/")
    response = middleware.process_exception(request, RedisConnectionError("refused"))
    assert response.status_code == 503 and UNAVAILABLE in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert middleware.process_exception(request, ValueError("bug")) is None  # a bug stays a 500


# --- Two people acting on the same DI at once (PostgreSQL: real row locks) ----------------------

concurrent = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks (select_for_update) need PostgreSQL"
)


def race(*actions, hold=0.3):
    """Run the actions in threads, released together. The service that takes the DI's row lock
    first holds it ``hold`` seconds (inside its transaction), so the others really wait on it.
    Returns each action's result or exception."""
    barrier = threading.Barrier(len(actions))
    results = [None] * len(actions)
    real_check = services._check

    def slow_check(*args, **kwargs):
        result = real_check(*args, **kwargs)
        time.sleep(hold)
        return result

    def run(index, action):
        try:
            barrier.wait(timeout=10)
            results[index] = action()
        except Exception as exc:  # the refusal is the result
            results[index] = exc
        finally:
            connections.close_all()

    with mock.patch.object(services, "_check", slow_check):
        threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def assert_history_consistent(ticket):
    """Each status change starts where the previous one ended; the last one is the DI's status."""
    ticket.refresh_from_db()
    changes = list(ticket.events.exclude(to_status="").order_by("created_at", "pk"))
    for before, after in zip(changes, changes[1:], strict=False):
        assert after.from_status == before.to_status, (before.action, after.action)
    assert changes[-1].to_status == ticket.status


def refused(result):
    return isinstance(result, TransitionRefused)


@pytest.fixture
def questions(transactional_db):
    if not SurveyQuestion.objects.exists():
        SurveyQuestion.objects.create(text="Satisfait(e) ?", position=1)
    return list(SurveyQuestion.objects.all())


@concurrent
@pytest.mark.django_db(transaction=True)
def test_two_support_agents_taking_the_same_di_one_wins(agent, support):
    """M8.1 M10"""
    second = make_user("support2@vendor.example", None, Role.SUPPORT_SOFTWARE)
    ticket = file_di(agent)
    results = race(
        lambda: services.ticket_take(ticket, acting_user=support),
        lambda: services.ticket_take(ticket, acting_user=second),
    )
    winners = [r for r in results if isinstance(r, Ticket)]
    assert len(winners) == 1 and sum(refused(r) for r in results) == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.assignee == winners[0].assignee
    assert ticket.events.filter(action=TicketEvent.Action.TAKEN).count() == 1
    assert_history_consistent(ticket)


@concurrent
@pytest.mark.django_db(transaction=True)
def test_validating_and_refusing_the_closure_at_once_one_wins(agent, support, questions):
    """M3.5 M10 (the owner in two tabs)"""
    ticket = propose_closure(file_di(agent), support)
    results = race(
        lambda: services.ticket_validate_closure(ticket, acting_user=agent, ratings={q.pk: 5 for q in questions}),
        lambda: services.ticket_refuse_closure(ticket, acting_user=agent, body="Pas résolu."),
    )
    assert sum(refused(r) for r in results) == 1
    ticket.refresh_from_db()
    if ticket.status == Status.CLOSED:
        assert hasattr(ticket, "survey") and not ticket.messages.filter(kind=Message.Kind.CLOSURE_REFUSED).exists()
    else:
        assert ticket.status == Status.IN_PROGRESS and ticket.closure_proposed_at is None
        assert ticket.messages.filter(kind=Message.Kind.CLOSURE_REFUSED).count() == 1
        assert not hasattr(Ticket.objects.get(pk=ticket.pk), "survey")
    assert_history_consistent(ticket)


@concurrent
@pytest.mark.django_db(transaction=True)
def test_a_closure_proposed_while_the_owner_writes_stays_consistent(agent, support, questions):
    """M3.4 M3.5 M10: the owner's message lands before the proposal, or is refused after it (the DI
    is then « Clôture à valider »): never a message on a DI already waiting for validation."""
    ticket = take(file_di(agent), support)
    results = race(
        lambda: services.ticket_propose_closure(ticket, acting_user=support, body="Corrigé."),
        lambda: services.ticket_post_message(ticket, acting_user=agent, body="Une précision encore."),
    )
    ticket.refresh_from_db()
    message_posted = isinstance(results[1], Message)
    proposed = isinstance(results[0], Message)
    assert proposed  # proposing closure is allowed from « En cours » whatever came first
    if message_posted:
        order = list(ticket.events.order_by("created_at", "pk").values_list("action", flat=True))
        assert order.index(TicketEvent.Action.OWNER_MESSAGE) < order.index(TicketEvent.Action.CLOSURE_PROPOSED)
    else:
        assert refused(results[1]) and not ticket.messages.filter(kind=Message.Kind.MESSAGE).exists()
    assert ticket.status == Status.CLOSURE_PENDING
    assert_history_consistent(ticket)


@concurrent
@pytest.mark.django_db(transaction=True)
def test_a_reassignment_while_the_owner_writes_never_leaves_a_message_by_a_non_owner(agent, colleague, est_admin):
    """M3.4 M4.3 M10"""
    ticket = file_di(agent)
    results = race(
        lambda: services.ticket_reassign(ticket, acting_user=est_admin, new_owner=colleague),
        lambda: services.ticket_post_message(ticket, acting_user=agent, body="Mon dernier message."),
    )
    ticket.refresh_from_db()
    assert ticket.owner == colleague and isinstance(results[0], Ticket)
    order = list(ticket.events.order_by("created_at", "pk").values_list("action", flat=True))
    if isinstance(results[1], Message):
        assert order.index(TicketEvent.Action.OWNER_MESSAGE) < order.index(TicketEvent.Action.REASSIGNED)
    else:
        assert refused(results[1]) and TicketEvent.Action.OWNER_MESSAGE not in order
    assert Event.objects.filter(action="ticket_reassigned", target=ticket.number).count() == 1


@concurrent
@pytest.mark.django_db(transaction=True)
def test_a_cancellation_racing_a_closure_proposal_ends_cancelled_with_a_consistent_history(agent, support):
    """M3.5 M3.6 M10"""
    ticket = take(file_di(agent), support)
    race(
        lambda: services.ticket_propose_closure(ticket, acting_user=support, body="Corrigé."),
        lambda: services.ticket_cancel(ticket, acting_user=agent, reason="Plus d'actualité."),
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.CANCELLED
    assert_history_consistent(ticket)


@concurrent
@pytest.mark.django_db(transaction=True)
def test_dis_filed_at_the_same_moment_get_distinct_numbers(agent, colleague, est_admin, referent):
    """M3.1 M10"""
    results = race(*(lambda user=user: file_di(user) for user in (agent, colleague, est_admin, referent)), hold=0)
    assert all(isinstance(r, Ticket) for r in results), results
    assert len({r.number for r in results}) == 4
    assert TicketCounter.objects.get().last == 4
