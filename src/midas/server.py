"""The production HTTP server (gunicorn) as `midas serve` and the benchmarks run it."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger  # type: ignore[import-untyped]


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


class AccessLog(Logger):
    """gunicorn's logger, with an access line (ACCESS_LOG) that holds no query string and no
    referer, and masks the secret at the end of a verification or reset link's path: method,
    path, status and duration in the message; request_id, method, status and duration_ms as
    fields of the JSON line."""

    def access(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: dt.timedelta
    ) -> None:
        if not self.cfg.accesslog:
            return
        from midas.ops.logs.redaction import redact_path

        method = environ.get("REQUEST_METHOD", "-")
        path = redact_path(environ.get("PATH_INFO", ""))
        status = str(resp.status).split(None, 1)[0]
        duration_ms = round(request_time.total_seconds() * 1000, 1)
        request_id = next(
            (value for name, value in resp.headers if name.lower() == "x-request-id"), None
        )
        self.access_log.info(
            "%s %s %s %sms",
            method,
            path,
            status,
            duration_ms,
            extra={
                "request_id": request_id,
                "method": method,
                "status": int(status) if status.isdigit() else status,
                "duration_ms": duration_ms,
            },
        )


def logconfig(loglevel: str, accesslog: str | None) -> dict[str, Any] | None:
    """With LOG_FORMAT=json, gunicorn logs through settings.LOGGING (the same JSON lines as
    the app's); None keeps gunicorn's own plain lines."""
    from django.conf import settings

    if settings.LOG_FORMAT != "json":
        return None
    from midas.ops.logs.config import gunicorn_logconfig

    return gunicorn_logconfig(settings.LOGGING, loglevel=loglevel, accesslog=accesslog)


def server_options(
    host: str,
    port: int,
    workers: int | None = None,
    threads: int = 4,
    loglevel: str = "warning",
) -> dict[str, Any]:
    accesslog = os.environ.get("ACCESS_LOG") or None
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
        "accesslog": accesslog,
        "errorlog": "-",
        "loglevel": loglevel,
        "logger_class": AccessLog,
        "logconfig_dict": logconfig(loglevel, accesslog),
        "proc_name": "midas",
    }


def run(host: str, port: int, workers: int | None = None) -> None:
    MidasServer(server_options(host, port, workers)).run()
