"""The database made unreachable inside one test process, the way psycopg fails when the
server is gone (tests/faults/ stops a real PostgreSQL server)."""

from __future__ import annotations

import socket

import psycopg
import pytest
from django.db import OperationalError, connection

from midas.ops.unavailable import FAILURES


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def refused() -> OperationalError:
    """What Django raises when PostgreSQL is not listening: psycopg's real error, wrapped."""
    try:
        psycopg.connect(f"host=127.0.0.1 port={closed_port()} user=x connect_timeout=2")
    except psycopg.OperationalError as exc:
        try:
            raise OperationalError(*exc.args) from exc
        except OperationalError as wrapped:
            return wrapped
    raise AssertionError("a closed port accepted a connection")


@pytest.fixture
def database_down(monkeypatch, client):
    """Every new cursor fails as if the server had gone (the test's own transaction is
    left alone once the request is over)."""
    error = refused()

    def fail(*args, **kwargs):
        raise error

    FAILURES.reset()
    # as a server would: the handler's answer, not the test client's re-raised exception
    client.raise_request_exception = False
    monkeypatch.setattr(connection, "cursor", fail)
    yield error
    monkeypatch.undo()
    FAILURES.reset()
