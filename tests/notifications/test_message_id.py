"""Message-IDs stay unique whatever the state of the ``random`` module (issue 10: the API's
contract test found two sign-ups in the same 10 ms given one id, and a 500)."""

from __future__ import annotations

import random

from midas.notifications.services import message_id


def test_message_ids_do_not_repeat_when_random_is_reseeded():
    ids = set()
    for _ in range(50):
        random.seed(1)  # as Hypothesis does before each example
        ids.add(message_id("midas.example"))
    assert len(ids) == 50
    assert all(i.startswith("<") and i.endswith("@midas.example>") for i in ids)
