"""``midas chat-stream``: uvicorn in a process of its own serves the streams; a line said in
this process reaches a browser connected there (the bus across processes: polling on SQLite,
LISTEN/NOTIFY on PostgreSQL)."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from django.db import connection

from midas.concierge.chat.services import chat_say, chat_start
from midas.concierge.chat.views.visitor import COOKIE
from tests.concierge.chat.conftest import message_ids, parse
from tests.redis_server import free_port


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    auth = settings["USER"] or "postgres"
    if settings.get("PASSWORD"):
        auth += f":{settings['PASSWORD']}"
    host = f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{settings['NAME']}"


@pytest.fixture
def stream_process(transactional_db, tmp_path) -> Iterator[int]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CHAT_POLL_SECONDS": "0.1",
        "CHAT_HEARTBEAT_SECONDS": "1",
        "DB_CONN_MAX_AGE": "0",
    }
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "midas", "chat-stream", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=(tmp_path / "stream.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((tmp_path / "stream.log").read_text()) from None
            time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=15)


def test_the_stream_process_delivers_a_line_said_in_another_process(stream_process, chat_on, staff):
    conversation, token = chat_start(name="Nina", email="nina@example.com", body="first")
    first = conversation.messages.get().pk
    client = http.client.HTTPConnection("127.0.0.1", stream_process, timeout=10)
    client.request(
        "GET",
        f"/chat/events/{conversation.pk}",
        headers={"Cookie": f"{COOKIE}={token}", "Last-Event-ID": str(first)},
    )
    response = client.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/event-stream")
    text = ""
    while "event: status" not in text:
        text += response.read1(65536).decode()
    said = chat_say(conversation=conversation, body="From another process", by=staff, staff=True)
    deadline = time.monotonic() + 10
    while said.pk not in message_ids(parse(text)):
        assert time.monotonic() < deadline, text
        text += response.read1(65536).decode()
    client.close()
    assert first not in message_ids(parse(text))
    assert "From another process" in text


def test_someone_elses_stream_is_404_there_too(stream_process, chat_on):
    conversation, _ = chat_start(name="Nina", email="nina@example.com", body="first")
    client = http.client.HTTPConnection("127.0.0.1", stream_process, timeout=10)
    client.request("GET", f"/chat/events/{conversation.pk}", headers={"Cookie": f"{COOKIE}=x"})
    response = client.getresponse()
    assert response.status == 404
    client.close()
