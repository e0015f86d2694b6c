"""nginx for the tests: a reader of the shipped configuration, and Debian's nginx run as an ordinary
process in front of the portal's processes with that very file (paths and ports substituted).

``make test`` installs Debian's nginx (``make nginx``); a test that needs it is skipped, naming the
command, where it is missing.
"""

import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "deploy" / "nginx" / "espace-clients.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


# --- Reading a configuration ------------------------------------------------------------------------


@dataclass
class Directive:
    name: str
    args: list
    children: list = field(default_factory=list)

    def all(self, name):
        return [child for child in self.children if child.name == name]

    def one(self, name):
        found = self.all(name)
        assert len(found) == 1, f"{len(found)} « {name} » in « {self.name} {' '.join(self.args)} »"
        return found[0]

    def value(self, name, default=None):
        found = self.all(name)
        return " ".join(found[-1].args) if found else default


TOKEN = re.compile(r"""#[^\n]*|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|[{};]|[^\s{};"'#]+""")


def parse(text):
    """The configuration as a tree of directives (the root's children are the top-level ones)."""
    root = Directive("(root)", [])
    stack, words = [root], []
    for token in TOKEN.findall(text):
        if token.startswith("#"):
            continue
        if token == ";":
            stack[-1].children.append(Directive(words[0], words[1:]))
            words = []
        elif token == "{":
            block = Directive(words[0], words[1:])
            stack[-1].children.append(block)
            stack.append(block)
            words = []
        elif token == "}":
            assert not words, f"unterminated directive {words}"
            stack.pop()
        else:
            words.append(token[1:-1] if token[0] in "\"'" else token)
    assert len(stack) == 1 and not words, "unbalanced configuration"
    return root


def shipped():
    return parse(SHIPPED.read_text())


def size_in_bytes(value):
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    return int(value[:-1]) * units[value[-1].lower()] if value[-1].lower() in units else int(value)


def seconds(value):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h)?", value).groups()
    return int(number) * units[unit or "s"]


# --- Running it -------------------------------------------------------------------------------------


class Nginx:
    """Debian's nginx on 127.0.0.1, with the shipped server blocks: ``listen`` ports, upstream
    servers, certificate, file and error-page paths substituted, nothing else changed."""

    def __init__(self, tmp, *, http_port, https_port, portal, uploads, objects, files_root, cert, key):
        self.tmp = Path(tmp)
        self.http_port, self.https_port = http_port, https_port
        text = SHIPPED.read_text()
        replacements = [
            (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
            (r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
            (r"server web:8000;", " ".join(f"server {address};" for address in portal)),
            (r"server uploads:8001;", f"server {uploads};"),
            (r"server objects:9000;", f"server {objects};"),
            (r"/etc/nginx/certs/fullchain.pem", str(cert)),
            (r"/etc/nginx/certs/privkey.pem", str(key)),
            (r"alias /srv/espace-clients/files/;", f"alias {files_root}/;"),
            (r"root /srv/espace-clients/app/deploy/nginx;", f"root {ROOT / 'deploy' / 'nginx'};"),
        ]
        for old, new in replacements:
            assert old in text, f"the shipped configuration no longer holds « {old} »"
            text = text.replace(old, new)
        self.site = self.tmp / "espace-clients.conf"
        self.site.write_text(text)
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
            (self.tmp / name).mkdir(exist_ok=True)
        self.conf = self.tmp / "nginx.conf"
        # As root, nginx's workers would drop to « nobody », who cannot read the test's private files.
        user = "user root;\n" if os.geteuid() == 0 else ""
        self.conf.write_text(
            f"""daemon off;
{user}worker_processes 1;
pid {self.tmp}/nginx.pid;
error_log {self.tmp}/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {self.tmp}/logs/access.log;
    log_format upstream '$request_uri $upstream_addr';
    access_log {self.tmp}/logs/upstream.log upstream;
    client_body_temp_path {self.tmp}/client_body;
    proxy_temp_path {self.tmp}/proxy;
    fastcgi_temp_path {self.tmp}/fastcgi;
    uwsgi_temp_path {self.tmp}/uwsgi;
    scgi_temp_path {self.tmp}/scgi;
    include {self.site};
}}
"""
        )
        self.proc = None

    def check(self):
        return subprocess.run(
            [NGINX, "-t", "-p", str(self.tmp), "-c", str(self.conf)], capture_output=True, text=True, check=False
        )

    def start(self):
        checked = self.check()
        assert checked.returncode == 0, checked.stderr
        self.log = open(self.tmp / "logs" / "nginx.out", "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(self.tmp), "-c", str(self.conf)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        import socket

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.https_port), timeout=1):
                    return self
            except OSError:
                assert self.proc.poll() is None, (self.tmp / "logs" / "error.log").read_text()
                time.sleep(0.1)
        raise AssertionError("nginx did not come up")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc is not None:
            self.log.close()


def self_signed_certificate(directory, names=("espaceclients.example", "fichiers.espaceclients.example")):
    """A throwaway certificate and key for the test's nginx (openssl from Debian)."""
    directory = Path(directory)
    cert, key = directory / "fullchain.pem", directory / "privkey.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={names[0]}",
            "-addext",
            "subjectAltName=" + ",".join([*(f"DNS:{n}" for n in names), "IP:127.0.0.1"]),
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key
