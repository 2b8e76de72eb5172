"""The production HTTP server (gunicorn) as `midas serve` and the benchmarks run it."""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication


def default_workers() -> int:
    return int(os.environ.get("WEB_CONCURRENCY") or max(2, (os.cpu_count() or 1) * 2))


class MidasServer(BaseApplication):
    """Gunicorn with the WSGI app loaded once in the master (preload) and forked."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key.lower(), value)

    def load(self) -> Any:
        from django.db import connections

        from midas.ops.health.migrations import MigrationsCheck
        from midas.wsgi import application

        MigrationsCheck.warm()  # once in the master: every worker forks with the answer
        connections.close_all()  # never share a connection across fork
        return application


def server_options(
    host: str, port: int, workers: int | None = None, threads: int = 4
) -> dict[str, Any]:
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers or default_workers(),
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": True,
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "max_requests": 5000,
        "max_requests_jitter": 500,
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        "accesslog": os.environ.get("ACCESS_LOG") or None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "midas",
    }


def run(host: str, port: int, workers: int | None = None) -> None:
    MidasServer(server_options(host, port, workers)).run()
