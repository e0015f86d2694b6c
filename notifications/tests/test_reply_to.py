"""The reply address of an e-mail (generic: any app may pass one) and its extra headers."""

import pytest
from django.core import mail

from notifications import replies
from notifications.models import OutgoingEmail
from notifications.services import email_queue, email_queue_many

pytestmark = pytest.mark.django_db


def test_each_recipient_gets_their_own_reply_address_and_the_matching_footer(
    agent, colleague, django_capture_on_commit_callbacks
):
    """M12.1: recipients with a reply address are told they may answer; the others are asked not to"""
    with django_capture_on_commit_callbacks(execute=True):
        rows = email_queue_many(
            "email_changed",
            to=[agent.email, colleague.email],
            context={"user": agent},
            reply_to={agent.email: "support+1-2-abc@reponses.example"},
        )
    assert [row.reply_to for row in rows] == ["support+1-2-abc@reponses.example", ""]
    sent = {m.to[0]: m for m in mail.outbox}
    assert sent[agent.email].reply_to == ["support+1-2-abc@reponses.example"]
    assert "Vous pouvez répondre directement à ce message" in sent[agent.email].body
    assert sent[colleague.email].reply_to == []
    assert "Merci de ne pas y répondre directement." in sent[colleague.email].body


def test_extra_headers_are_kept_and_every_email_says_it_is_automatic(agent, django_capture_on_commit_callbacks):
    """M12.4: Auto-Submitted on every e-mail (RFC 3834: responders do not answer it); headers of the caller kept"""
    with django_capture_on_commit_callbacks(execute=True):
        email_queue("email_changed", to=agent.email, context={"user": agent})
        email_queue(
            "email_changed",
            to=agent.email,
            context={"user": agent},
            headers={"Auto-Submitted": "auto-replied", "In-Reply-To": "<m1@client.example>"},
        )
    first, second = mail.outbox
    assert first.extra_headers == {"Auto-Submitted": "auto-generated"}
    assert second.extra_headers == {"Auto-Submitted": "auto-replied", "In-Reply-To": "<m1@client.example>"}
    assert "In-Reply-To: <m1@client.example>" in second.message().as_string()
    assert OutgoingEmail.objects.filter(headers__has_key="In-Reply-To").count() == 1


def test_without_a_provider_there_is_no_reply_address(agent):
    """M12.7: a provider that has no address for this object gives none"""
    assert replies.reply_address(object(), agent) == ""
