"""The production HTTP server (gunicorn) as `midas serve` and the benchmarks run it."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import uuid
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger  # type: ignore[import-untyped]
from gunicorn.workers.gthread import ThreadWorker  # type: ignore[import-untyped]


def default_workers() -> int:
    """One process per core (at least two): a worker's Python runs on one core at a time
    (the GIL), its 4 threads cover the waits, and with connections spread by
    ``BalancedThreadWorker`` a process per core serves more than two do (on 2 cores at 16
    connections: the listing with dates 1,265 req/s on 2 workers against 886-969 on 4,
    benchmarks/README.md)."""
    return int(os.environ.get("WEB_CONCURRENCY") or max(2, os.cpu_count() or 1))


class BalancedThreadWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's gthread worker that stops accepting connections while it has its share,
    so that connections arriving together spread over the workers.

    The stock worker accepts whenever the listening socket is readable, up to
    ``worker_connections`` (1,000). Clients that open their connections at once (a load
    balancer's pool, a browser, wrk) often all land on the first worker to wake, and a
    gthread worker keeps a connection where it was accepted: measured, 16 connections on
    4 workers x 4 threads ran on one worker and one core, the other three idle. Here a worker
    accepts while it holds fewer connections than twice its threads, or, past that, while
    one of its threads is free (connections kept alive between requests and those waiting
    for their first bytes hold no thread); the other workers, polling the same socket, take
    the rest. Accepting only for a free thread left late connections in the socket's queue
    while the ones already held kept the threads busy (p99 0.3-1.5 s at 16 connections on
    2 x 4); the first ``2 x threads`` are queued in the worker as the stock one does.
    ``worker_connections`` still caps the whole (``tests/test_server.py``)."""

    @property  # type: ignore[override]
    def worker_connections(self) -> int:
        # gthread's loop accepts while nr_conns < worker_connections
        idle = len(self.keepalived_conns) + len(self.pending_conns)
        threads = self.cfg.threads
        return min(self.connection_cap, max(idle + threads, 2 * threads))  # type: ignore[no-any-return]

    @worker_connections.setter
    def worker_connections(self, cap: int) -> None:
        self.connection_cap = cap


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
        if self.options.get("warm", True):
            warm_up()
        connections.close_all()  # never share a connection across fork
        gc.collect()
        gc.freeze()  # what the master made stays out of the workers' collections (fewer copies)
        return application


# The templates of the public pages, compiled in the master (the cached loader keeps them).
HOT_TEMPLATES = (
    "web/base.html",
    "web/home.html",
    "web/collection.html",
    "web/asset.html",
    "web/_card.html",
    "web/_calendar.html",
    "web/_quote.html",
    "web/_quote_result.html",
    "web/_field.html",
    "web/_nav_items.html",
    "web/about.html",
    "web/faq.html",
    "web/terms.html",
    "web/contact.html",
    "404.html",
    "500.html",
)
# Paths resolved once so that every URL module, view and API router is imported.
WARM_PATHS = ("/", "/collection/", "/api/v1/assets", "/api/v1/quotes", "/health")


def warm_up() -> None:
    """Pay in the master, once, what each forked worker would otherwise pay on its first
    request (350-435 ms measured): every URL module and view imported, the resolver's
    reverse lookups built, the API's routers and its OpenAPI document, the Stripe SDK (when
    Stripe is the payment provider), the public pages' templates compiled, the form
    widgets' templates loaded."""
    import importlib

    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template
    from django.urls import Resolver404, get_resolver, resolve, reverse

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - imports every urls module and view
    reverse("web:home")  # builds the reverse dictionaries of every namespace
    for path in WARM_PATHS:
        with contextlib.suppress(Resolver404):
            resolve(path)
    from midas.api.routes import api

    api.get_openapi_schema()
    from django.conf import settings
    from django.utils.module_loading import import_string

    if settings.PAYMENT_PROVIDER == "stripe":  # the sandbox never loads the SDK
        importlib.import_module("stripe")

    for dotted in (settings.MESSAGE_STORAGE, settings.SESSION_SERIALIZER):
        import_string(dotted)  # imported by the first request that reads a session otherwise
    importlib.import_module(settings.SESSION_ENGINE)
    for name in HOT_TEMPLATES:
        with contextlib.suppress(TemplateDoesNotExist):
            get_template(name)
    from django.forms.renderers import get_default_renderer

    read_remembered_state()
    from midas.ops.csp import header_value

    header_value()  # the policy's template hashes, computed once and kept (lru_cache)
    uuid.uuid4()  # the request id's first random bytes
    render_public_pages()
    renderer = get_default_renderer()
    for name in ("django/forms/widgets/input.html", "django/forms/widgets/select.html"):
        with contextlib.suppress(TemplateDoesNotExist):
            renderer.get_template(name)


def read_remembered_state() -> None:
    """Read, in the master, each value every request consults before its view (maintenance,
    the feature flags, and whatever an installed app remembers, such as the launch's state):
    their queries' first compilation is then paid before fork, not by each worker's first
    request (~30 ms measured). A worker still reads them again once they are a few seconds old."""
    import logging

    from django.db import DatabaseError

    from midas.core.remembered import Remembered

    for value in Remembered.everything:
        try:
            value.get(fresh=True)
        except DatabaseError:  # an unmigrated database: the workers read it themselves
            logging.getLogger(__name__).warning("warm-up: %s unreadable", value.name)


def render_public_pages() -> None:
    """Render home, a listing and an asset page once, in the master, through their views
    (not the middleware: no log line, metric or page view is counted): the ORM's query
    compilation, the per-version catalogue reads and each template node's first render are
    then paid before fork. The page cache may keep what they rendered: its keys hold the
    catalogue version, so a worker never serves it after a write. A failure (an empty
    database) only leaves the workers colder."""
    import logging

    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory
    from django.urls import resolve
    from django.utils import timezone

    from midas.catalog.models import Asset, Category

    try:
        hosts = [h for h in settings.ALLOWED_HOSTS if h and "*" not in h and not h.startswith(".")]
        factory = RequestFactory(HTTP_HOST=hosts[0] if hosts else "localhost")
        paths = ["/", "/collection/"]
        paths += [category.get_absolute_url() for category in Category.objects.all()]
        asset = Asset.objects.active().select_related("category", "home_location").first()
        if asset is not None:
            # a month ahead: the availability probes, the quote, its form and the calendar
            day = timezone.localdate() + dt.timedelta(days=30)
            dates = f"start={day:%Y-%m-%d}&end={day + dt.timedelta(days=3):%Y-%m-%d}"
            paths += [
                asset.get_absolute_url(),
                f"{asset.get_absolute_url()}?{dates.replace('&', 'T10:00&')}T10:00",
                f"{asset.category.get_absolute_url()}?city={asset.home_location.slug}&{dates}",
                f"/collection/?{dates}",
            ]
        paths.append("/api/v1/assets?limit=50")  # the API's rows, kept per catalogue version
        for path in paths:
            for accept in ("gzip, deflate, br", ""):
                request = factory.get(path, HTTP_ACCEPT_ENCODING=accept)
                request.user = AnonymousUser()
                match = request.resolver_match = resolve(path.partition("?")[0])
                match.func(request, *match.args, **match.kwargs)
    except Exception:  # a warm-up never stops the server from starting
        logging.getLogger(__name__).warning("warm-up: rendering the pages failed", exc_info=True)


def warm_worker(worker: Any) -> None:
    """gunicorn's ``post_worker_init`` hook: a freshly forked worker renders the public pages
    once, before it accepts its first connection. Forking shares the master's memory until
    a page of it is written, and Python writes to every object it touches (reference
    counts): the first request of a worker paid ~13 ms of such page copies and its database
    connection. The worker pays them here instead, while the others serve."""
    from django.db import connections

    read_remembered_state()  # the master's copies are as old as the master
    render_public_pages()
    connections.close_all()  # the request threads open their own
    pool = getattr(worker, "tpool", None)  # gthread's request threads (None: another worker)
    if pool is not None:
        connect_request_threads(pool, worker.cfg.threads)


def connect_request_threads(pool: Any, threads: int) -> None:
    """Start each of the worker's request threads now and open its database connection
    (Django's are per thread) with the first query every page request makes, the versions'
    read, which also reads the schema into the new connection: the first requests the
    worker is given then find their thread and connection ready, as the later ones do.
    Connections are kept (``DB_CONN_MAX_AGE``), so one unused for that long is opened again
    by its first request. A failure (the database away) only leaves the threads colder."""
    import logging
    import threading
    from concurrent.futures import wait

    from midas.catalog.selectors import page_versions

    # each task waits for the others, so that the pool starts a thread for every one of them
    started = threading.Barrier(threads)

    def connect() -> None:
        started.wait(timeout=10)
        page_versions()

    done, _ = wait([pool.submit(connect) for _ in range(threads)], timeout=15)
    for future in done:
        if future.exception() is not None:
            logging.getLogger(__name__).warning(
                "warm-up: a request thread could not connect: %r", future.exception()
            )
            break


def memory_guard(worker: Any, req: Any, environ: dict[str, Any], resp: Any) -> None:
    """gunicorn's post_request hook: every ``MEMORY_CHECK_EVERY`` requests, a worker whose
    resident memory passed ``WORKER_MAX_RSS_MB`` finishes its requests and exits; the master
    forks a fresh one from the warmed parent. Workers are otherwise never recycled."""
    worker.midas_requests = getattr(worker, "midas_requests", 0) + 1
    if worker.midas_requests % MEMORY_CHECK_EVERY:
        return
    limit = max_rss_mb()
    if limit and rss_mb() > limit:
        worker.log.warning("worker %s above %s MB resident: restarting it", worker.pid, limit)
        worker.alive = False


MEMORY_CHECK_EVERY = 256


def max_rss_mb() -> int:
    from django.conf import settings

    return int(settings.WORKER_MAX_RSS_MB)


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process, in MB (from /proc; 0 where there is none)."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


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
    warm: bool = True,
) -> dict[str, Any]:
    accesslog = os.environ.get("ACCESS_LOG") or None
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers or default_workers(),
        "worker_class": "midas.server.BalancedThreadWorker",
        "threads": threads,
        "preload_app": True,
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "max_requests": 0,  # never recycled: a new worker is cold and its copy-on-write
        # pages private again; the memory guard restarts one that grows (WORKER_MAX_RSS_MB)
        "post_request": memory_guard,
        "post_worker_init": warm_worker if warm else None,
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        "accesslog": accesslog,
        "errorlog": "-",
        "loglevel": loglevel,
        "logger_class": AccessLog,
        "logconfig_dict": logconfig(loglevel, accesslog),
        "proc_name": "midas",
        "warm": warm,  # not a gunicorn setting: MidasServer.load reads it
    }


def run(host: str, port: int, workers: int | None = None) -> None:
    MidasServer(server_options(host, port, workers)).run()
