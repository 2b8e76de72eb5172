from __future__ import annotations

import pytest

from tests.factories import NOW
from tests.pinned import PinnedNow, pin_now


@pytest.fixture
def pinned(monkeypatch) -> PinnedNow:
    """``timezone.now()`` pinned at the root conftest's ``now`` (2027-01-04 12:00 UTC)."""
    return pin_now(monkeypatch, NOW)
