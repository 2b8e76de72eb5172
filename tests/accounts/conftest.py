"""Accounts tests: a fast password hasher, a clean cache (rate limits live there), and a
record of the emails handed to the outbox (the ``clock`` to move is the root conftest's)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from midas.accounts import services
from midas.accounts.models import User
from tests.factories import make_customer


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SITE_URL = "https://midas.example"


@dataclass
class Sent:
    to: str
    template: str
    context: dict[str, Any]
    dedupe_key: str = ""


@dataclass
class Outbox:
    sent: list[Sent] = field(default_factory=list)

    def of(self, template: str, to: str | None = None) -> list[Sent]:
        return [m for m in self.sent if m.template == template and (to is None or m.to == to)]

    def link(self, template: str, to: str | None = None) -> str:
        """The path of the link in the last ``template`` email (to ``to``)."""
        url = self.of(template, to)[-1].context["url"]
        return re.sub(r"^https?://[^/]+", "", url)


@pytest.fixture
def outbox(monkeypatch) -> Outbox:
    """Every ``email_enqueue`` call of the accounts services, recorded, then passed on to
    the real outbox (so the templates render)."""
    box = Outbox()
    real = services.email_enqueue

    def record(*, to, template, context, attachments=(), dedupe_key=""):
        box.sent.append(Sent(to, template, dict(context), dedupe_key))
        return real(
            to=to,
            template=template,
            context=context,
            attachments=attachments,
            dedupe_key=dedupe_key,
        )

    monkeypatch.setattr(services, "email_enqueue", record)
    return box


@pytest.fixture
def customer(db) -> User:
    return make_customer()
