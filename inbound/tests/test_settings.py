"""Off unless configured: the embedded default reads no mailbox; the settings that turn it on are
checked at start-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from inbound import mailbox, services, tasks, tokens

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "ESPACE_PRODUCTION": "1",
    "SECRET_KEY": "k" * 60,
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/espace_clients",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_URL": "smtp://127.0.0.1:25",
    "ALLOWED_HOSTS": "espaceclients.example",
}
ON = {"INBOUND_IMAP_URL": "imaps://boite:secret@imap.example:993/INBOX", "INBOUND_REPLY_ADDRESS": "support@cegape.fr"}


def settings_of(env):
    """Load config.settings (not the tests') in a fresh process with only ``env`` set."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("INBOUND_", "ESPACE_", "DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from inbound import tokens; print('on' if tokens.enabled() else 'off')",
        ],
        cwd=ROOT,
        env={**base, **env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_embedded_default_reads_no_mailbox():
    """M12.7: nothing set (as `make run`): replies by e-mail are off"""
    result = settings_of({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "off"


def test_the_mailbox_url_and_the_reply_address_turn_it_on():
    """M12.7: INBOUND_IMAP_URL and INBOUND_REPLY_ADDRESS turn it on"""
    result = settings_of(ON)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "on"


@pytest.mark.parametrize(
    "env,named",
    [
        ({"INBOUND_IMAP_URL": ON["INBOUND_IMAP_URL"]}, "INBOUND_REPLY_ADDRESS"),
        ({**ON, "INBOUND_REPLY_ADDRESS": "support+x@cegape.fr"}, "INBOUND_REPLY_ADDRESS"),
        ({**ON, "INBOUND_IMAP_URL": "pop3://boite@pop.example"}, "INBOUND_IMAP_URL"),
        ({**PRODUCTION_ENV, **ON}, "INBOUND_TOKEN_KEY"),
        ({**PRODUCTION_ENV, **ON, "INBOUND_TOKEN_KEY": "court"}, "INBOUND_TOKEN_KEY"),
    ],
    ids=["no-reply-address", "plus-in-address", "not-imap", "production-without-key", "production-short-key"],
)
def test_an_incomplete_configuration_stops_start_up_naming_the_variable(env, named):
    """M12.7: the reply address is required with the mailbox; in production, the token key of its own"""
    result = settings_of(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr


def test_production_starts_with_the_token_key_of_its_own():
    """M12.7: in production the HMAC key of the reply addresses is its own setting"""
    result = settings_of({**PRODUCTION_ENV, **ON, "INBOUND_TOKEN_KEY": "t" * 40})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "on"


def test_when_off_the_job_connects_to_nothing_and_the_command_says_so(settings, monkeypatch):
    """M12.7: off, the periodic job returns at once and `fetch_replies` explains how to turn it on"""
    assert not tokens.enabled()

    def never(*args, **kwargs):
        raise AssertionError("the mailbox was opened")

    monkeypatch.setattr(mailbox, "open_mailbox", never)
    monkeypatch.setattr(services, "open_mailbox", never)
    assert tasks.fetch_replies_task.apply().get() == {}
    with pytest.raises(CommandError, match="Les réponses par mail sont désactivées"):
        call_command("fetch_replies")
