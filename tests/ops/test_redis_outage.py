"""Redis stopped, killed or hung under a running site (issue 10): pages, the page cache and
bookings keep working from process memory, sign-ins are still limited (per process),
/readyz warns instead of failing, no traceback is logged, and when Redis is back the cache
goes back to it. A real redis-server of the test's own (tests/redis_server.py)."""

from __future__ import annotations

import logging
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from midas.bookings.models import Booking, BookingStatus
from midas.core.cache import serving_locally
from midas.flags import selectors as flag_selectors
from midas.ops.health.base import FAIL, PASS, WARN
from midas.web import page_cache
from tests.bookings.fixtures import booking_test_settings
from tests.bookings.test_views import VISA, book, pay
from tests.factories import PASSWORD, make_asset, make_city, make_customer, make_driver
from tests.redis_server import RETRY, CacheOnRedis, redis_cache, redis_server
from tests.test_config import read_settings

__all__ = ["booking_test_settings", "redis_cache", "redis_server"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def car():
    return make_asset("cars", make_city("washington-dc"), slug="outage-car", name="Outage Car")


@pytest.fixture
def pages(car) -> list[str]:
    return ["/", "/collection/", "/collection/cars/", car.get_absolute_url()]


@pytest.fixture
def quiet(caplog):
    """The log of the test, for "no traceback, one line per change"."""
    caplog.set_level(logging.INFO)
    return caplog


def no_traceback(caplog) -> None:
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text


def cache_warnings(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "midas.core.cache" and r.levelno == logging.WARNING
    ]


def page_keys(server) -> list[bytes]:
    return [k for k in server.client().keys("*") if b":page:" in k]


def test_settings_use_the_fail_soft_backend_with_short_timeouts(tmp_path):
    url = "redis://127.0.0.1:6399/3"
    values = read_settings(tmp_path, ["CACHES"], REDIS_URL=url, CACHE_REDIS_TIMEOUT_SECONDS="0.4")
    default = values["CACHES"]["default"]
    assert default["BACKEND"] == "midas.core.cache.FailSoftRedisCache"
    assert default["LOCATION"] == url
    assert default["OPTIONS"] == {
        "socket_connect_timeout": 0.4,
        "socket_timeout": 0.4,
        "RETRY_SECONDS": 5.0,
    }


def test_pages_answer_and_are_cached_per_process_with_redis_stopped(
    client: Client, redis_cache: CacheOnRedis, pages, quiet
):
    for url in pages:
        assert client.get(url)["X-Cache"] == "miss"
    assert page_keys(redis_cache.server)  # shared while Redis is there

    redis_cache.server.stop()
    for url in pages:  # the copies this process keeps in front of Redis (page_cache.LocalFirst)
        assert client.get(url)["X-Cache"] == "hit"
    page_cache.local_first.clear()  # a process that had not served them yet
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["X-Cache"] == "miss"  # Redis had them; this process renders once
    for url in pages:
        assert client.get(url)["X-Cache"] == "hit"  # ...then serves them from its memory
    assert serving_locally(cache)
    [warning] = cache_warnings(quiet)
    assert "serving from process memory" in warning
    no_traceback(quiet)


def test_a_booking_is_made_and_paid_with_redis_stopped(
    client: Client, redis_cache: CacheOnRedis, car, quiet
):
    customer = make_driver()
    client.force_login(customer)
    redis_cache.server.stop()
    response = book(client, car, key="outage-booking")
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("bookings:pay", args=[booking.reference])
    assert booking.customer == customer and booking.status == BookingStatus.HELD
    paid = pay(client, booking, VISA)
    assert paid["Location"] == reverse("bookings:confirmation", args=[booking.reference])
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert client.get(car.get_absolute_url()).status_code == 200
    no_traceback(quiet)


def sign_in(client: Client, ip: str, password: str = PASSWORD, email: str = "ada@example.com"):
    return client.post("/account/login/", {"email": email, "password": password}, REMOTE_ADDR=ip)


def test_sign_ins_are_still_limited_per_process_with_redis_stopped(
    redis_cache: CacheOnRedis, settings, clock, quiet
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    make_customer()
    redis_cache.server.stop()
    # the lockout: five wrong passwords lock the pair, even the right one is refused
    guesser = Client()
    for _ in range(5):
        assert sign_in(guesser, "203.0.113.7", password="guess-guess-guess").status_code == 400
    locked = sign_in(guesser, "203.0.113.7")
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    # the rate limit per address
    settings.RATE_LIMITS = {"login": (3, 300)}
    other = Client()
    for n in range(3):
        assert sign_in(other, "198.51.100.9", email=f"x{n}@example.com").status_code == 400
    assert sign_in(other, "198.51.100.9").status_code == 429
    assert sign_in(Client(), "192.0.2.44").status_code == 302  # anyone else signs in
    no_traceback(quiet)


@pytest.mark.django_db(transaction=True)
def test_readyz_warns_and_liveness_passes_with_redis_stopped(
    client: Client, redis_cache: CacheOnRedis, quiet
):
    up = client.get("/readyz").json()["checks"]["cache:responseTime"][0]
    assert up["status"] == PASS

    redis_cache.server.stop()
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] != FAIL
    [check] = body["checks"]["cache:responseTime"]
    assert check["status"] == WARN
    assert "Redis unreachable" in check["output"] and "ConnectionError" in check["output"]
    assert "process's memory" in check["output"]
    healthz = client.get("/healthz")
    assert healthz.status_code == 200 and healthz.json()["status"] == PASS
    assert len(cache_warnings(quiet)) == 1
    no_traceback(quiet)


@pytest.mark.django_db(transaction=True)
def test_back_again_pages_go_to_redis_and_readiness_passes(
    client: Client, redis_cache: CacheOnRedis, pages, quiet
):
    server = redis_cache.server
    server.stop()
    assert client.get("/").status_code == 200
    server.start()  # on the same port, empty
    assert client.get("/")["X-Cache"] == "hit"  # the breaker is still open: process memory
    assert page_keys(server) == []

    redis_cache.clock.advance(RETRY)  # the next operation tries Redis, which answers
    page_cache.local_first.clear()  # without its own copy of the page, a process asks the cache
    assert client.get("/")["X-Cache"] == "miss"  # the fallback's copy is gone with the outage
    assert not serving_locally(cache)
    assert page_keys(server)
    assert client.get("/")["X-Cache"] == "hit"
    [check] = client.get("/readyz").json()["checks"]["cache:responseTime"]
    assert check["status"] == PASS
    back = [r.getMessage() for r in quiet.records if r.name == "midas.core.cache"]
    assert len(back) == 2 and "cache available again" in back[1]
    no_traceback(quiet)


def test_a_hung_redis_costs_one_socket_timeout_and_the_breaker_opens(
    client: Client, redis_cache: CacheOnRedis, car, quiet
):
    assert client.get("/").status_code == 200  # a pooled connection to Redis
    server = redis_cache.server
    server.pause()  # SIGSTOP: Redis accepts and never answers
    try:
        started = time.monotonic()
        response = client.get(car.get_absolute_url())
        assert time.monotonic() - started < 10  # generous: with no socket timeout, never
        assert response.status_code == 200
        assert serving_locally(cache)
        assert redis_cache.breaker().reason.startswith("TimeoutError")
        assert client.get("/").status_code == 200  # open: straight to process memory
    finally:
        server.resume()
    no_traceback(quiet)


def test_metrics_say_when_the_cache_is_served_from_process_memory(
    client: Client, redis_cache: CacheOnRedis, settings
):
    settings.METRICS_TOKEN = ""

    def fallback() -> str:
        text = client.get("/metrics").content.decode()
        [line] = [s for s in text.splitlines() if s.startswith("midas_cache_fallback{")]
        return line.rsplit(" ", 1)[1]

    cache.get("warm")  # the cache exists in this process
    assert float(fallback()) == 0
    redis_cache.server.stop()
    cache.get("warm")
    assert float(fallback()) == 1
    text = client.get("/metrics").content.decode()
    assert "midas_cache_fallback_opened_total" in text


def test_flags_read_their_rows_again_while_redis_is_away(redis_cache: CacheOnRedis):
    """A flag write in another process bumps a version this one cannot see while Redis is
    away: the flags do not trust the version then, they read the rows every few seconds."""
    assert flag_selectors._shared_cache()
    loaded = flag_selectors._read()
    assert flag_selectors._still_current(loaded)
    redis_cache.server.stop()
    assert not flag_selectors._still_current(loaded)
    assert not flag_selectors._shared_cache()
    redis_cache.server.start()
    redis_cache.clock.advance(RETRY)
    assert flag_selectors.cached_version() is None  # Redis answers (and lost the version)
    assert flag_selectors._shared_cache()
