"""The Server-Sent Events stream: resumes after Last-Event-ID, only the visitor's own
conversation, live delivery (ASGI and WSGI paths), a heartbeat, an end."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient, Client

from midas.concierge.chat.models import Conversation
from midas.concierge.chat.services import chat_close, chat_say, chat_start
from midas.concierge.chat.views.visitor import COOKIE
from tests.concierge.chat.conftest import Collector, in_thread, message_ids, parse

pytestmark = pytest.mark.usefixtures("chat_on", "quick_streams")


def anonymous(*lines: str) -> tuple[Conversation, str, list[int]]:
    conversation, token = chat_start(name="Nina", email="nina@example.com", body="first")
    ids = [conversation.messages.get().pk]
    for line in lines:
        ids.append(chat_say(conversation=conversation, body=line).pk)
    return conversation, token, ids


@pytest.mark.django_db(transaction=True)
def test_a_closed_conversation_is_replayed_after_last_event_id_and_ends():
    conversation, token, ids = anonymous("second", "third")
    chat_close(conversation=conversation)
    client = Client()
    client.cookies[COOKIE] = token
    url = f"/chat/events/{conversation.pk}"
    response = client.get(url, headers={"Last-Event-ID": str(ids[0])})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    assert response["Cache-Control"] == "no-cache, no-store"
    events = parse(b"".join(response.streaming_content).decode())
    assert events[0] == {"retry": "2000"}
    got = message_ids(events)
    assert got[:2] == ids[1:] and len(got) == 3  # second, third, the closing line
    assert events[-1] == {"event": "status", "data": '{"status":"closed"}'}
    # ?after= when there is no Last-Event-ID; Last-Event-ID wins when both come
    events = parse(b"".join(client.get(f"{url}?after={ids[1]}").streaming_content).decode())
    assert message_ids(events)[0] == ids[2]
    response = client.get(f"{url}?after=0", headers={"Last-Event-ID": str(ids[1])})
    assert message_ids(parse(b"".join(response.streaming_content).decode()))[0] == ids[2]


@pytest.mark.django_db(transaction=True)
def test_a_visitor_reaches_only_their_own_stream(staff, customer):
    mine, token, _ = anonymous()
    theirs, _, _ = anonymous()
    customers, _ = chat_start(customer=customer, body="hello")
    for conversation in (mine, theirs, customers):
        chat_close(conversation=conversation)
    client = Client()
    client.cookies[COOKIE] = token
    assert client.get(f"/chat/events/{mine.pk}").status_code == 200
    for pk in (theirs.pk, customers.pk, 999_999):
        response = client.get(f"/chat/events/{pk}")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert Client().get(f"/chat/events/{mine.pk}").status_code == 404
    client.force_login(customer)
    assert client.get(f"/chat/events/{customers.pk}").status_code == 200
    client.force_login(staff)
    assert client.get(f"/chat/events/{theirs.pk}").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_with_the_flag_off_visitors_get_nothing(staff):
    from midas.flags.services import flag_write

    conversation, token, _ = anonymous()
    chat_close(conversation=conversation)
    flag_write(key="live_chat", state="off")
    client = Client()
    client.cookies[COOKIE] = token
    assert client.get(f"/chat/events/{conversation.pk}").status_code == 404
    client.force_login(staff)  # the concierge still reads its conversations
    assert client.get(f"/chat/events/{conversation.pk}").status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("server", ["asgi", "wsgi"])
def test_a_line_reaches_an_open_stream_live(server, staff):
    conversation, token, ids = anonymous()

    async def scenario() -> list[dict[str, str]]:
        if server == "asgi":
            client = AsyncClient()
            client.cookies[COOKIE] = token
            response = await client.get(
                f"/chat/events/{conversation.pk}", headers={"Last-Event-ID": str(ids[0])}
            )
            chunks = response.streaming_content
        else:  # the WSGI path: a blocking iterator, read in a thread
            client = Client()
            client.cookies[COOKIE] = token
            response = await sync_to_async(client.get, thread_sensitive=False)(
                f"/chat/events/{conversation.pk}", headers={"Last-Event-ID": str(ids[0])}
            )
            chunks = _threaded(iter(response.streaming_content))
        assert response.status_code == 200
        collector = Collector(chunks)
        task = asyncio.create_task(collector.run())
        await collector.until(lambda events: any(e.get("event") == "status" for e in events))
        await sync_to_async(in_thread)(
            chat_say, conversation=conversation, body="Here now", by=staff, staff=True
        )
        await collector.until(lambda events: len(message_ids(events)) >= 2)
        await sync_to_async(in_thread)(chat_close, conversation=conversation)
        await asyncio.wait_for(task, 10)  # closed: the stream ends by itself
        return parse(collector.text)

    events = asyncio.run(scenario())
    bodies = [e["data"] for e in events if e.get("event") == "message"]
    assert ids[0] not in message_ids(events)
    assert "has joined" in bodies[0] and "Here now" in bodies[1]
    statuses = [e["data"] for e in events if e.get("event") == "status"]
    # the status is a snapshot read after each batch: "active" may be skipped when the close
    # lands before the stream reads it (the lines themselves are never skipped)
    assert statuses[0] == '{"status":"waiting"}' and statuses[-1] == '{"status":"closed"}'
    assert set(statuses) <= {'{"status":"waiting"}', '{"status":"active"}', '{"status":"closed"}'}


async def _threaded(iterator):
    while True:
        chunk = await sync_to_async(next, thread_sensitive=False)(iterator, None)
        if chunk is None:
            return
        yield chunk


@pytest.mark.django_db(transaction=True)
def test_a_quiet_stream_sends_heartbeats_and_ends_after_its_time(settings):
    settings.CHAT_STREAM_MAX_SECONDS = 2.5
    settings.CHAT_HEARTBEAT_SECONDS = 1
    conversation, token, ids = anonymous()
    client = Client()
    client.cookies[COOKIE] = token
    response = client.get(f"/chat/events/{conversation.pk}?after={ids[0]}")
    events = parse(b"".join(response.streaming_content).decode())  # ends by itself
    assert [e for e in events if e.get("comment") == "keep-alive"]
    assert message_ids(events) == []


@pytest.mark.django_db(transaction=True)
def test_a_wsgi_process_with_its_streams_taken_answers_what_is_new_and_ends(settings):
    """The embedded default keeps pages served: past CHAT_WSGI_STREAMS a stream is a poll."""
    from midas.concierge.chat.stream import WSGI_SLOTS

    conversation, token, ids = anonymous("second")
    client = Client()
    client.cookies[COOKIE] = token
    settings.CHAT_WSGI_STREAMS = 0
    response = client.get(f"/chat/events/{conversation.pk}?after={ids[0]}")
    events = parse(b"".join(response.streaming_content).decode())  # ends at once: open chat
    assert events[0] == {"retry": "3000"}
    assert message_ids(events) == [ids[1]]
    assert events[-1] == {"event": "status", "data": '{"status":"waiting"}'}
    settings.CHAT_WSGI_STREAMS = 1
    settings.CHAT_STREAM_MAX_SECONDS = 0.5
    response = client.get(f"/chat/events/{conversation.pk}?after={ids[1]}")
    chunks = iter(response.streaming_content)
    assert next(chunks) == b"retry: 2000\n\n"
    assert WSGI_SLOTS.open == 1  # a real stream holds the slot while it is open
    b"".join(chunks)
    assert WSGI_SLOTS.open == 0  # and gives it back at its end
