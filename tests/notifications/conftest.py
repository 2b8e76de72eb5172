from __future__ import annotations

import datetime as dt
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from midas.notifications.email_url import parse_email_url

TEMPLATES = Path(__file__).parent / "templates"
SMTP_USER, SMTP_PASSWORD = "apikey", "s3cret:with@chars"


@pytest.fixture(autouse=True)
def email_settings(settings):
    """The test email templates (emails/test_message.*), a quiet mailbox, a known schedule."""
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [TEMPLATES]}]
    settings.DEFAULT_FROM_EMAIL = "Midas The Lifestyle <concierge@midas.example>"
    settings.CONCIERGE_EMAIL = "concierge@midas.example"
    settings.MAILBOX_ECHO = False
    settings.OUTBOX_MAX_ATTEMPTS = 4
    settings.OUTBOX_BACKOFF_SECONDS = 30
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 3600
    settings.OUTBOX_LEASE_SECONDS = 300
    settings.OUTBOX_BATCH = 500
    return settings


@pytest.fixture
def context() -> dict:
    return {
        "name": "Ana <Reyes> & Co",
        "reference": "MD-7K2Q",
        "rows": [("Rental", "$4,200.00"), ("Total", "$4,830.00", True)],
        "link": "https://midas.example/bookings/MD-7K2Q/?a=1&b=2",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def apply_email_url(settings, url: str) -> None:
    """Configure Django's email settings exactly as settings.py does from EMAIL_URL."""
    config = parse_email_url(url)
    settings.EMAIL_BACKEND = config.backend
    settings.EMAIL_HOST, settings.EMAIL_PORT = config.host, config.port
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = config.user, config.password
    settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL = config.use_tls, config.use_ssl
    settings.EMAIL_TIMEOUT = 5


class Recorder:
    """An aiosmtpd handler keeping every accepted message."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (SMTP_USER, SMTP_PASSWORD)
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    """A real SMTP server on loopback; ``start()``/``stop()`` it to simulate an outage."""

    port: int
    recorder: Recorder = field(default_factory=Recorder)
    controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://{SMTP_USER}:s3cret%3Awith%40chars@127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(
            self.recorder,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=authenticate,
            auth_require_tls=False,
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return [message for _, _, message in self.recorder.received]


@pytest.fixture
def smtp(settings):
    """An SMTP server, configured through EMAIL_URL, not yet started."""
    server = SmtpServer(port=free_port())
    apply_email_url(settings, server.url)
    yield server
    server.stop()


@pytest.fixture
def now() -> dt.datetime:
    return dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)
