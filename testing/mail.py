"""E-mail backends for tests: a mail server that is down, one that records, one that hangs."""

import smtplib
import socket
import threading
import time

from django.core.mail.backends.base import BaseEmailBackend

FAILING_EMAIL_BACKEND = "testing.mail.FailingEmailBackend"  # for settings.EMAIL_BACKEND


class FailingEmailBackend(BaseEmailBackend):
    """Refuses every message, as an unreachable SMTP server would."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPException("Connexion refusée par le serveur de messagerie")


RECORDING_EMAIL_BACKEND = "testing.mail.RecordingEmailBackend"


class RecordingEmailBackend(BaseEmailBackend):
    """Records each message with what the sender held at the time: whether it was inside a
    transaction, and the row's state read from another database connection. ``delay`` seconds per
    message stand in for a slow mail server. Thread-safe (two workers in threads)."""

    sent = []
    delay = 0.0
    _lock = threading.Lock()

    def send_messages(self, email_messages):
        from django.db import connection

        for message in email_messages:
            if self.delay:
                time.sleep(self.delay)
            entry = {
                "to": message.to,
                "subject": message.subject,
                "in_transaction": connection.in_atomic_block,
                "thread": threading.get_ident(),
            }
            with self._lock:
                RecordingEmailBackend.sent.append(entry)
        return len(email_messages)


class HangingSMTPServer:
    """A mail server on 127.0.0.1 that accepts connections and never says a word (not even the
    greeting): the worst a relay can do. ``with HangingSMTPServer() as server: server.port``."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted.append(conn)  # held open, never answered

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self.accepted:
            conn.close()
        self.sock.close()
