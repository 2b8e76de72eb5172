"""The rate limiter itself: windows, Retry-After, keys, the decorator and client addresses."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from ninja import NinjaAPI, Schema
from ninja.testing import TestClient

from midas.accounts import ratelimit
from midas.accounts.ratelimit import Limit, client_ip, rate_limit
from midas.api import errors
from midas.errors import AppError, ErrorCode

LIMIT = Limit("test", limit=3, window=60)


def test_a_limit_counts_per_key_and_window(clock):
    for _ in range(3):
        LIMIT.hit("a")
    with pytest.raises(AppError) as caught:
        LIMIT.hit("a")
    assert caught.value.code == ErrorCode.RATE_LIMITED and caught.value.status == 429
    assert caught.value.retry_after == 60
    LIMIT.hit("b")  # another key is untouched
    clock.advance(45)
    with pytest.raises(AppError) as caught:
        LIMIT.hit("a")
    assert caught.value.retry_after == 15
    clock.advance(15)
    LIMIT.hit("a")
    assert LIMIT.count("a") == 1


def test_settings_may_override_or_disable_a_limit(clock, settings):
    settings.RATE_LIMITS = {"test": (1, 10)}
    LIMIT.hit("a")
    with pytest.raises(AppError) as caught:
        LIMIT.hit("a")
    assert caught.value.retry_after == 10
    settings.RATE_LIMITS_ENABLED = False
    for _ in range(10):
        LIMIT.hit("a")


def test_the_decorator_limits_a_view_by_user_or_address(clock):
    calls = []

    @rate_limit(Limit("view", limit=2, window=60), key=ratelimit.by_user)
    def view(request):
        calls.append(request)
        return "ok"

    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.9")
    assert view(request) == "ok" and view(request) == "ok"
    with pytest.raises(AppError):
        view(request)
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("remote", "forwarded", "hops", "expected"),
    [
        ("192.0.2.1", "", 0, "192.0.2.1"),
        ("10.0.0.2", "198.51.100.7", 0, "10.0.0.2"),  # no trusted proxy: header ignored
        ("10.0.0.2", "198.51.100.7", 1, "198.51.100.7"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.7", 1, "198.51.100.7"),  # a forged first entry
        ("10.0.0.2", "198.51.100.7, 10.0.0.9", 2, "198.51.100.7"),
        ("2001:db8:1:2:3:4:5:6", "", 0, "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.5", "", 0, "192.0.2.5"),
        ("", "", 0, "unknown"),
    ],
)
def test_client_ip(settings, remote, forwarded, hops, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_lockout_locks_the_pair_for_fifteen_minutes_from_the_fifth_failure(clock):
    lockout = ratelimit.Lockout()
    for _ in range(4):
        lockout.failed("ada@example.com", "192.0.2.1")
        clock.advance(60)
    lockout.check("ada@example.com", "192.0.2.1")
    lockout.failed("ada@example.com", "192.0.2.1")
    with pytest.raises(AppError) as caught:
        lockout.check("ADA@example.com", "192.0.2.1")
    assert caught.value.code == ErrorCode.ACCOUNT_LOCKED and caught.value.retry_after == 900
    lockout.check("ada@example.com", "192.0.2.2")
    lockout.check("other@example.com", "192.0.2.1")
    clock.advance(900)
    lockout.check("ada@example.com", "192.0.2.1")


class ThingIn(Schema):
    n: int


def test_the_decorator_works_on_a_ninja_operation(clock):
    api = NinjaAPI(urls_namespace="ratelimit-test")
    errors.install(api)

    @api.post("/things")
    @rate_limit(Limit("things", limit=1, window=30))
    def create(request, payload: ThingIn):
        return {"n": payload.n}

    client = TestClient(api)
    assert client.post("/things", json={"n": 1}).json() == {"n": 1}
    refused = client.post("/things", json={"n": 2})
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert refused["Retry-After"] == "30"
