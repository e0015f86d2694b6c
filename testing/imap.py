"""A real IMAP server for the tests: Debian's Dovecot (``dovecot-imapd``, installed by ``make
test``) run as an ordinary process with a throwaway configuration, on 127.0.0.1 and free ports
(plain IMAP and IMAPS with a certificate made for the run), one password for every user (each name
a mailbox of its own), mail in a temporary
folder. Mails are delivered with IMAP APPEND, as a mail server's delivery agent would.

As root, Dovecot's own unprivileged users (``dovecot``, ``dovenull``, created by the package) run
its processes and own the mail; as another user, that user runs everything.

- ``Dovecot``: start, stop, ``add_user`` (a fresh mailbox, its ``imap://`` URL);
- ``dovecot`` (session fixture): one server per test process, stopped at the end;
- ``reply_mailbox`` (fixture): a fresh mailbox of that server, with replies by e-mail turned on
  in the settings (``INBOUND_IMAP_URL``, ``INBOUND_REPLY_ADDRESS``);
- ``compose_reply``: a reply to a sent notification, as a mail client writes it.
"""

import contextlib
import getpass
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.utils import timezone
from imap_tools import MailBoxUnencrypted

REPLY_ADDRESS = "support@reponses.example"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/mail/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dovecot:
    """One Dovecot on loopback, in its own temporary folder; ``stop()`` ends it and removes it."""

    def __init__(self):
        executable = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
        if executable is None:
            raise RuntimeError("Dovecot is missing: `make test` installs it (apt-get install dovecot-imapd).")
        self.executable = executable
        # Under /tmp and readable by all: Dovecot's own users must reach the mail and the sockets.
        self.root = Path(tempfile.mkdtemp(prefix="espace-dovecot-"))
        self.root.chmod(0o755)
        self.port = free_port()
        self.tls_port = free_port()
        self.proc = None
        # One password for every user: each user name is a mailbox of its own (created on login).
        self.password = uuid.uuid4().hex

    @property
    def ca_file(self):
        return str(self.root / "cert.pem")

    def start(self):
        for name in ("run", "state", "mail"):
            (self.root / name).mkdir()
        subprocess.run(  # noqa: S603 (fixed arguments)
            [  # noqa: S607 (Debian's openssl, from the PATH)
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(self.root / "key.pem"),
                "-out",
                str(self.root / "cert.pem"),
            ],
            check=True,
            capture_output=True,
        )
        if os.geteuid() == 0:
            internal, login, mail = "dovecot", "dovenull", "dovecot"
            entry = pwd.getpwnam(mail)
            os.chown(self.root / "mail", entry.pw_uid, entry.pw_gid)
        else:
            internal = login = mail = getpass.getuser()
        group = grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name
        config = CONFIG.format(
            root=self.root,
            password=self.password,
            port=self.port,
            tls_port=self.tls_port,
            internal_user=internal,
            internal_group=group,
            login_user=login,
            mail_user=mail,
            mail_group=grp.getgrgid(pwd.getpwnam(mail).pw_gid).gr_name,
        )
        (self.root / "dovecot.conf").write_text(config)
        self.proc = subprocess.Popen(  # noqa: S603 (the installed dovecot, our configuration)
            [self.executable, "-c", str(self.root / "dovecot.conf"), "-F"],
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "stderr.log", "wb"),  # noqa: SIM115 (closed with the process)
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Dovecot stopped at start: {self.log()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                if s.recv(100).startswith(b"* OK"):
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Dovecot did not answer in 30 s: {self.log()}")

    def log(self):
        parts = []
        for name in ("stderr.log", "dovecot.log"):
            path = self.root / name
            if path.exists():
                parts.append(path.read_text(errors="replace")[-3000:])
        return "\n".join(parts)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def add_user(self):
        """A new, empty mailbox; returns (name, password)."""
        return f"boite{uuid.uuid4().hex[:12]}", self.password

    def url(self, name, password, folder="INBOX", tls=False):
        if tls:
            return f"imaps://{quote(name)}:{quote(password)}@127.0.0.1:{self.tls_port}/{folder}"
        return f"imap://{quote(name)}:{quote(password)}@127.0.0.1:{self.port}/{folder}"


class TestMailbox:
    """One user's mailbox of the test server: deliver mails, see what each folder holds."""

    __test__ = False  # not a test class for pytest

    def __init__(self, server, name, password):
        self.server, self.name, self.password = server, name, password
        self.url = server.url(name, password)

    @contextlib.contextmanager
    def connection(self):
        box = MailBoxUnencrypted("127.0.0.1", self.server.port, timeout=30)
        box.login(self.name, self.password, initial_folder=None)
        try:
            yield box
        finally:
            box.logout()

    def deliver(self, *messages):
        """IMAP APPEND each mail (bytes or EmailMessage) into the INBOX."""
        with self.connection() as box:
            for message in messages:
                raw = message if isinstance(message, bytes) else message.as_bytes()
                box.append(raw, "INBOX")

    def message_ids(self, folder):
        """The Message-IDs of the mails in ``folder`` ([] if the folder does not exist yet)."""
        with self.connection() as box:
            if not box.folder.exists(folder):
                return []
            box.folder.set(folder)
            return [
                (m.headers.get("message-id") or ("",))[0].strip()
                for m in box.fetch("ALL", headers_only=True, mark_seen=False)
            ]

    def count(self, folder):
        return len(self.message_ids(folder))


@pytest.fixture(scope="session")
def dovecot():
    server = Dovecot().start()
    yield server
    server.stop()


@pytest.fixture
def reply_mailbox(dovecot, settings):
    """A fresh mailbox; replies by e-mail on, read from it."""
    mailbox = TestMailbox(dovecot, *dovecot.add_user())
    settings.INBOUND_IMAP_URL = mailbox.url
    settings.INBOUND_REPLY_ADDRESS = REPLY_ADDRESS
    return mailbox


def compose_reply(sent, text, *, sender=None, html=None, attachments=(), headers=None, quote=True):
    """A reply to ``sent`` (a django.core.mail message of the outbox), as a mail client writes it:
    To its Reply-To, « Re: » subject, the French attribution line and the quoted original below
    the new text. ``sender`` defaults to the notification's recipient."""
    reply = EmailMessage()
    reply["From"] = sender or sent.to[0]
    reply["To"] = sent.reply_to[0] if sent.reply_to else sent.from_email
    reply["Subject"] = f"Re: {sent.subject}"
    reply["Date"] = format_datetime(timezone.now())
    reply["Message-ID"] = make_msgid(domain="client.example")
    original_id = sent.extra_headers.get("Message-ID")
    if original_id:
        reply["In-Reply-To"] = original_id
    for name, value in (headers or {}).items():
        reply[name] = value
    body = text
    if quote:
        quoted = "\n".join(f"> {line}" for line in sent.body.splitlines())
        body = f"{text}\n\nLe {timezone.localtime():%d/%m/%Y à %H:%M}, Espace Clients a écrit :\n{quoted}\n"
    reply.set_content(body)
    if html is not None:
        reply.add_alternative(html, subtype="html")
    for name, content, mimetype in attachments:
        maintype, subtype = mimetype.split("/")
        reply.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return reply
