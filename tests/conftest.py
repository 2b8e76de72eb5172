from __future__ import annotations

import datetime as dt
import os

import pytest
from django.db import connection

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@pytest.fixture
def now() -> dt.datetime:
    """A fixed 'now' for pricing rules: 2027-01-04 12:00 UTC (a Monday)."""
    return dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def vendor() -> str:
    return connection.vendor
