"""Live chat's part in deleting an account (``midas.accounts.deletion``): the customer's
conversations keep their timings (the chat figures count them) but lose every line, the
name, address and page."""

from __future__ import annotations

import datetime as dt

from midas.accounts.deletion import register
from midas.accounts.models import User
from midas.concierge.chat.models import ChatMessage, Conversation

ERASED = "[erased at the customer's request]"


def erase(user: User, now: dt.datetime, actor: object) -> dict[str, int]:
    conversations = Conversation.objects.filter(customer=user)
    ids = list(conversations.values_list("pk", flat=True))
    ChatMessage.objects.filter(conversation_id__in=ids).update(body=ERASED)
    Conversation.objects.filter(pk__in=ids).update(customer=None, name="", email="", page="")
    return {"conversations": len(ids)}


register("chat", erase=erase)
