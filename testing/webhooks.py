"""A real HTTP receiver of webhooks on 127.0.0.1, in a thread: it records every request and
answers what the test tells it (a status, or a redirect)."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    port: int = 0
    requests: list = field(default_factory=list)
    answers: list = field(default_factory=list)  # (status, location or None), used in turn; then 200

    def url(self, path="/hooks"):
        return f"http://127.0.0.1:{self.port}{path}"


def _handler(receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            receiver.requests.append(Received(self.path, dict(self.headers.items()), self.rfile.read(length)))
            status, location = receiver.answers.pop(0) if receiver.answers else (200, None)
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def webhook_receiver(settings):
    """A receiver on 127.0.0.1 that the SSRF guard lets the webhooks reach (only 127.0.0.1/32)."""
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.WEBHOOKS_TIMEOUT = 5
    yield receiver
    server.shutdown()
    server.server_close()
