"""The bus on its three backends: a publish after the commit wakes the streams of its
conversation (and no other), in another thread as in another process; Redis restarting in
the middle of a conversation loses no message."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient

from midas.concierge.chat import bus
from midas.concierge.chat.services import chat_say, chat_start
from midas.concierge.chat.stream import Reader
from midas.concierge.chat.views.visitor import COOKIE
from tests.concierge.chat.conftest import Collector, in_thread, message_ids
from tests.redis_server import RedisServer

SHARED_REDIS = "redis://127.0.0.1:6379/0"


def _redis_up(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture(params=["poll", "redis", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request, settings):
    settings.CHAT_BUS = request.param
    settings.CHAT_POLL_SECONDS = 0.05
    if request.param == "redis":
        if not _redis_up(SHARED_REDIS):
            pytest.skip("no Redis at 127.0.0.1:6379")
        settings.CHAT_REDIS_URL = SHARED_REDIS
        settings.CHAT_BUS_PREFIX = f"test-{uuid.uuid4().hex[:8]}"  # this test's channels only
    return request.param


@pytest.mark.django_db(transaction=True)
def test_a_commit_wakes_its_conversations_listeners_only(backend):
    mine, _ = chat_start(name="Nina", email="nina@example.com", body="first")
    other, _ = chat_start(name="Otto", email="otto@example.com", body="first")
    last = mine.messages.get().pk

    async def scenario() -> tuple[bool, bool, float]:
        reader = Reader()
        async with (
            bus.subscribe(mine.pk, reader) as sub,
            bus.subscribe(other.pk, reader) as other_sub,
        ):
            hub = sub.hub
            assert hub is not None and other_sub.hub is hub  # one per event loop
            for _ in range(200):  # wait until the listening connection is up
                if hub.connected:
                    break
                await asyncio.sleep(0.01)
            assert hub.connected
            await sub.wait(last, 0.01)  # the "connected" wake-up of every stream
            await other_sub.wait(last, 0.01)
            loop = asyncio.get_running_loop()
            started = loop.time()
            waiting = asyncio.create_task(sub.wait(last, 5.0))
            other_waiting = asyncio.create_task(other_sub.wait(10**9, 0.5))
            await asyncio.sleep(0.05)
            await sync_to_async(in_thread)(chat_say, conversation=mine, body="second")
            woken = await waiting
            took = loop.time() - started
            return woken, await other_waiting, took

    woken, other_woken, took = asyncio.run(scenario())
    assert woken and took < 4.0
    assert not other_woken  # another conversation's line wakes nobody here


@pytest.mark.django_db(transaction=True)
def test_publish_never_raises_when_the_bus_is_away(settings, caplog):
    settings.CHAT_BUS = "redis"
    settings.CHAT_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    conversation, _ = chat_start(name="Nina", email="nina@example.com", body="first")
    assert conversation.messages.count() == 1
    bus.publish(conversation.pk, 1)
    assert "bus publish failed" in caplog.text


def test_auto_picks_the_backend_from_the_configuration(settings):
    settings.CHAT_BUS = "auto"
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert bus.backend() == "redis"
    settings.REDIS_URL = ""
    from django.db import connection

    assert bus.backend() == ("postgres" if connection.vendor == "postgresql" else "poll")
    settings.CHAT_BUS = "carrier-pigeon"
    with pytest.raises(ValueError, match="CHAT_BUS"):
        bus.backend()


@pytest.mark.django_db(transaction=True)
def test_redis_restarting_mid_conversation_loses_no_message(tmp_path, settings, staff, chat_on):
    server = RedisServer(tmp_path)
    server.start()
    settings.CHAT_BUS = "redis"
    settings.CHAT_REDIS_URL = server.url
    settings.CHAT_STREAM_MAX_SECONDS = 60
    settings.CHAT_HEARTBEAT_SECONDS = 15
    conversation, token = chat_start(name="Nina", email="nina@example.com", body="first")
    first = conversation.messages.get().pk

    async def say(body: str) -> int:
        message = await sync_to_async(in_thread)(
            chat_say, conversation=conversation, body=body, by=staff, staff=True
        )
        return message.pk

    async def scenario() -> tuple[list[int], list[int]]:
        client = AsyncClient()
        client.cookies[COOKIE] = token
        response = await client.get(
            f"/chat/events/{conversation.pk}", headers={"Last-Event-ID": str(first)}
        )
        collector = Collector(response.streaming_content)
        task = asyncio.create_task(collector.run())
        await collector.until(lambda events: any(e.get("event") == "status" for e in events))
        said = [await say("before the restart")]
        await collector.until(lambda events: said[-1] in message_ids(events), timeout=5)
        await asyncio.to_thread(server.stop)  # Redis gone: the publish after commit fails
        said.append(await say("while Redis is down"))
        await collector.until(lambda events: said[-1] in message_ids(events), timeout=10)
        await asyncio.to_thread(server.start)  # back, empty: the hub reconnects
        said.append(await say("after the restart"))
        events = await collector.until(lambda events: said[-1] in message_ids(events), timeout=15)
        task.cancel()
        return said, message_ids(events)

    try:
        said, received = asyncio.run(scenario())
    finally:
        server.stop()
    assert set(said) <= set(received)
    assert received == sorted(received) and len(received) == len(set(received))
    expected = list(conversation.messages.filter(id__gt=first).values_list("id", flat=True))
    assert received == expected  # every line, in order, none twice
