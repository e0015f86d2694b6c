"""The DIs and e-mails the replies answer: a DI of « Centre Hospitalier Alpha » in the hands of the
support, the support's answer e-mailed to its owner (with its reply address)."""

import pytest
from django.core import mail

from inbound import services
from support import services as support_services
from testing.tickets import file_di, take


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a function as a request or a job would: its e-mails go when its transaction commits."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


@pytest.fixture
def fetch(commit):
    """One reading of the mailbox, as the periodic job does."""

    def run(**kwargs):
        return dict(commit(services.fetch_replies, **kwargs))

    return run


@pytest.fixture
def ticket(reply_mailbox, agent, support, commit):
    """A software DI of the agent, taken in charge by the support."""
    created = commit(file_di, agent)
    return take(created, support)


@pytest.fixture
def answer(ticket, support, commit):
    """The support's answer, e-mailed to the DI's owner: the e-mail the owner replies to."""
    mail.outbox.clear()
    commit(support_services.ticket_reply, ticket, acting_user=support, body="Pouvez-vous relancer l'édition ?")
    (sent,) = mail.outbox
    mail.outbox.clear()
    return sent


@pytest.fixture
def owner_message(ticket, agent, support, commit):
    """The owner's message, e-mailed to the support in charge: the e-mail the support replies to."""
    mail.outbox.clear()
    commit(support_services.ticket_post_message, ticket, acting_user=agent, body="Toujours bloqué ce matin.")
    (sent,) = mail.outbox
    mail.outbox.clear()
    return sent
