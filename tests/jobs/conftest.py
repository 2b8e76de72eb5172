from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings


def test_database_url() -> str:
    """A URL for the database this test session created, for child processes."""
    name = django_settings.DATABASES["default"]["NAME"]
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return urlsplit(url)._replace(path=f"/{name}").geturl()
    return f"sqlite:///{name}"


@pytest.fixture
def child_env(monkeypatch) -> dict[str, str]:
    """Environment for a `midas` child process that uses this test's database."""
    monkeypatch.setenv("DATABASE_URL", test_database_url())
    monkeypatch.setenv("EMAIL_URL", "mailbox://")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in sys.path if p))
    return dict(os.environ)
