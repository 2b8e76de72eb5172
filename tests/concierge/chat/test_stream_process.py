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


class StreamProcess:
    """``midas chat-stream`` on a port of its own, to start, kill and start again."""

    def __init__(self, log) -> None:
        self.port = free_port()
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CHAT_POLL_SECONDS": "0.1",
            "CHAT_HEARTBEAT_SECONDS": "1",
            "DB_CONN_MAX_AGE": "0",
        }
        env.pop("REDIS_URL", None)
        command = [sys.executable, "-m", "midas", "chat-stream"]
        self.process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(self.log.read_text()) from None
                time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=15)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)
            self.process = None


@pytest.fixture
def streamer(transactional_db, tmp_path) -> Iterator[StreamProcess]:
    process = StreamProcess(tmp_path / "stream.log")
    process.start()
    yield process
    process.stop()


@pytest.fixture
def stream_process(streamer) -> int:
    return streamer.port


def open_stream(port: int, conversation_id: int, token: str, last: int):
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    client.request(
        "GET",
        f"/chat/events/{conversation_id}",
        headers={"Cookie": f"{COOKIE}={token}", "Last-Event-ID": str(last)},
    )
    response = client.getresponse()
    assert response.status == 200
    return client, response


def read_until(response, check, text: str = "", timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while not check(text):
        assert time.monotonic() < deadline, text
        chunk = response.read1(65536)
        if not chunk:
            break
        text += chunk.decode()
    return text


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


def test_the_stream_process_killed_mid_conversation_loses_no_line(streamer, chat_on, staff):
    """What a browser's EventSource does when its server dies: reconnect (to the process
    started again, or another) with the last id it saw. Every line comes, in order, once."""
    conversation, token = chat_start(name="Nina", email="nina@example.com", body="first")
    first = conversation.messages.get().pk
    client, response = open_stream(streamer.port, conversation.pk, token, first)
    text = read_until(response, lambda t: "event: status" in t)
    before = chat_say(conversation=conversation, body="before", by=staff, staff=True)
    text = read_until(response, lambda t: before.pk in message_ids(parse(t)), text)
    client.close()
    streamer.kill()  # SIGKILL: gone mid-conversation
    during = chat_say(conversation=conversation, body="while the stream process is down")
    streamer.start()
    last_seen = message_ids(parse(text))[-1]
    client, response = open_stream(streamer.port, conversation.pk, token, last_seen)
    again = read_until(response, lambda t: during.pk in message_ids(parse(t)))
    after = chat_say(conversation=conversation, body="after", by=staff, staff=True)
    again = read_until(response, lambda t: after.pk in message_ids(parse(t)), again)
    client.close()
    received = message_ids(parse(text)) + message_ids(parse(again))
    expected = list(conversation.messages.filter(id__gt=first).values_list("id", flat=True))
    assert received == expected


def test_serve_starts_the_stream_process_only_with_a_port(settings, tmp_path):
    from midas import cli
    from midas.concierge.chat.process import stop_stream_process

    settings.CHAT_STREAM_PORT = 0
    assert cli.start_chat_stream("127.0.0.1") is None  # the embedded default: WSGI serves
    settings.CHAT_STREAM_PORT = free_port()
    process = cli.start_chat_stream("127.0.0.1")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", settings.CHAT_STREAM_PORT), 0.5).close()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        assert f"--parent-pid {os.getpid()}" in " ".join(process.args)
    finally:
        assert stop_stream_process(process) is not None
    assert process.poll() is not None
