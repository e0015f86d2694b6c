"""E-mail backends for tests: a mail server that is down."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend

FAILING_EMAIL_BACKEND = "testing.mail.FailingEmailBackend"  # for settings.EMAIL_BACKEND


class FailingEmailBackend(BaseEmailBackend):
    """Refuses every message, as an unreachable SMTP server would."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPException("Connexion refusée par le serveur de messagerie")
