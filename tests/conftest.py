from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import pytest
from django.test import override_settings

from midas.config import env_bool

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
# MIDAS_LAUNCH=false runs the core without the launch control plane (settings.LAUNCH_INSTALLED)
LAUNCH_INSTALLED = env_bool("MIDAS_LAUNCH", default=True)
# ...and then the launch's tests are not even collected: they import its models.
collect_ignore = [] if LAUNCH_INSTALLED else ["launch"]
# In CI every collected test must run: a skipped PostgreSQL or browser test is a failure.
STRICT = os.environ.get("CI", "").lower() in {"1", "true"} or bool(os.environ.get("MIDAS_NO_SKIPS"))


pytest_plugins = ["tests.outages"]  # the database_down fixture


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [
        f"midas: database {'PostgreSQL' if ON_POSTGRES else 'SQLite'}; "
        f"launch {'installed' if LAUNCH_INSTALLED else 'uninstalled'}; "
        f"skips {'FAIL (CI)' if STRICT else 'allowed'}"
    ]


TWILIO_LIVE = ("ACCOUNT_SID", "AUTH_TOKEN", "TO")  # TWILIO_<name>_LIVE (and TWILIO_FROM_LIVE)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "stripe_live: calls Stripe's test mode; runs only with STRIPE_TEST_SECRET_KEY"
    )
    config.addinivalue_line(
        "markers",
        "slack_live: posts to a real Slack webhook; runs only with SLACK_TEST_WEBHOOK_URL",
    )
    config.addinivalue_line(
        "markers",
        "pagerduty_live: sends events to real PagerDuty; runs only with PAGERDUTY_ROUTING_KEY_LIVE",
    )
    config.addinivalue_line(
        "markers",
        "twilio_live: sends a real SMS through Twilio; runs only with TWILIO_ACCOUNT_SID_LIVE, "
        "TWILIO_AUTH_TOKEN_LIVE and TWILIO_TO_LIVE",
    )


@pytest.hookimpl(tryfirst=True)  # the launch marker is on before `-m` selects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL-only tests are deselected (not skipped) on SQLite; CI runs them on PG.
    Tests against Stripe's test mode are deselected unless STRIPE_TEST_SECRET_KEY is set
    (Slack, PagerDuty and Twilio likewise, each with its own live variables).
    Every test under tests/launch/ is marked ``launch``; with the launch uninstalled
    (MIDAS_LAUNCH=false) those are deselected and the rest must pass without it."""
    for item in items:
        if item.nodeid.startswith("tests/launch/"):
            item.add_marker(pytest.mark.launch)
    absent = [] if ON_POSTGRES else ["postgres"]
    if not LAUNCH_INSTALLED:
        absent.append("launch")
    if not os.environ.get("STRIPE_TEST_SECRET_KEY"):
        absent.append("stripe_live")
    if not os.environ.get("SLACK_TEST_WEBHOOK_URL"):
        absent.append("slack_live")
    if not os.environ.get("PAGERDUTY_ROUTING_KEY_LIVE"):
        absent.append("pagerduty_live")
    if not all(os.environ.get(f"TWILIO_{name}_LIVE") for name in TWILIO_LIVE):
        absent.append("twilio_live")
    keep = [item for item in items if not any(m in item.keywords for m in absent)]
    dropped = [item for item in items if any(m in item.keywords for m in absent)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped in CI, which counts as a failure: {reason}"


@dataclass
class Clock:
    now: float

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The clock rate limits and sign-in lockouts read (epoch seconds), pinned:
    ``clock.advance(900)`` is 15 minutes on. Every test whose outcome depends on a rate-limit
    window takes it, so two requests never fall into two windows by chance."""
    from midas.accounts import ratelimit

    moment = Clock(now=1_800_000_000.0)
    monkeypatch.setattr(ratelimit, "clock", lambda: moment.now)
    return moment


@pytest.fixture
def now() -> dt.datetime:
    """A fixed 'now' for pricing rules: 2027-01-04 12:00 UTC (a Monday)."""
    return dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True, scope="session")
def plain_static_storage():
    """In-process tests run without collectstatic: use unhashed static names. (The hashed,
    compressed storage is exercised by tests that start the real server.)"""
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    from django.conf import settings

    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
        yield


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: rate-limit counters and cached pages from one
    test must not leak into the next."""
    from django.core.cache import cache

    from midas.api.selectors import api_memo
    from midas.catalog.selectors import memo
    from midas.web.calendar import months
    from midas.web.page_cache import local_first
    from midas.web.templatetags.midas_web import cards, fragments, queries

    cache.clear()
    memo.clear()  # catalogue reads and cards kept per version in this process
    cards.clear()
    fragments.clear()  # the header, footer and other {% kept %} blocks
    queries.clear()  # the listing's filter fields kept per query
    local_first.clear()  # the pages this process keeps in front of the cache
    api_memo.clear()  # the API's quote assets, slugs and rows kept per version
    months.clear()  # the asset pages' month grids kept per calendars' version
    yield
    cache.clear()
    memo.clear()
    cards.clear()
    fragments.clear()
    queries.clear()
    local_first.clear()
    api_memo.clear()
    months.clear()


@pytest.fixture(autouse=True)
def remembered_fresh():
    """Each test starts with every per-process remembered value (maintenance mode, feature
    flags, the launch state) at its fallback — maintenance off, the declared flag defaults,
    the launch's gate public at 100 % — remembered as a running site would remember it, so
    a request pays no query for it; never a previous test's copy. Services forget the copy
    when they change the row, and ``fresh=True`` reads reach the database."""
    from midas.core.remembered import Remembered

    Remembered.remember_fallbacks()
    yield
    Remembered.remember_fallbacks()


@pytest.fixture(autouse=True)
def own_backup_dir(settings, tmp_path):
    """Each test keeps its backups apart: a backup one test (or a job it runs) leaves in the
    var dir must not satisfy another test's "verified backup" check."""
    settings.BACKUP_DIR = tmp_path / "backups"
