"""A real Redis server of the test's own, to stop, kill, hang and start again on the same port,
and the site's cache pointed at it (the fail-soft backend of settings.py).

    def test_something(redis_cache):
        redis_cache.server.stop()       # SIGTERM, waited for: Redis is gone
        redis_cache.server.start()      # again, on the same port, empty
        redis_cache.server.pause()      # SIGSTOP: the port accepts, nothing answers
        redis_cache.clock.advance(6)    # the breaker's clock, past its retry interval

Never the shared server on 6379: each test starts ``/usr/bin/redis-server`` on a free port,
without persistence, and stops it at the end.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.core.cache import caches

from midas.core import cache as fail_soft

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
TIMEOUT = 0.25  # the socket timeouts the tests configure (settings.py's default)
RETRY = 5.0  # the breaker's interval (settings.py's default)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.paused = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        """A plain client, to look at what reached Redis."""
        return redis.Redis(port=self.port, socket_timeout=2, socket_connect_timeout=2)

    def start(self) -> None:
        assert self.process is None, "already running"
        log = (self.directory / f"redis-{self.port}.log").open("ab")
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 10
        while True:
            try:
                if self.client().ping():
                    return
            except redis.exceptions.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        """SIGTERM and wait: the port refuses connections afterwards."""
        if self.process is None:
            return
        if self.paused:
            self.resume()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def kill(self) -> None:
        """SIGKILL: gone without a goodbye to its clients."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None
        self.paused = False

    def pause(self) -> None:
        """SIGSTOP: connections are accepted by the kernel, no command is ever answered."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)
        self.paused = False


@dataclass
class BreakerClock:
    now: float = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class CacheOnRedis:
    server: RedisServer
    clock: BreakerClock

    def breaker(self) -> fail_soft.Breaker:
        [breaker] = fail_soft.breakers()
        return breaker


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_cache(redis_server, settings, monkeypatch):
    """The default cache on ``redis_server`` as settings.py configures it with REDIS_URL; a
    breaker registry of this test's own, on a clock the test moves."""
    clock = BreakerClock()
    monkeypatch.setattr(fail_soft, "clock", clock)
    monkeypatch.setattr(fail_soft, "_breakers", {})
    settings.CACHES = {
        "default": {
            "BACKEND": "midas.core.cache.FailSoftRedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": "midas-test",
            "OPTIONS": {
                "socket_connect_timeout": TIMEOUT,
                "socket_timeout": TIMEOUT,
                "RETRY_SECONDS": RETRY,
            },
        }
    }
    yield CacheOnRedis(redis_server, clock)
    redis_server.stop()
    store = caches["default"]
    if isinstance(store, fail_soft.FailSoftRedisCache):
        store.local.clear()  # the process's store outlives the test: a later one may reuse the port
