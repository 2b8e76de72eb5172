"""Whole-page cache of the public catalogue pages, for anonymous visitors only.

``@cache_for_anonymous`` wraps exactly the views that may use it (home, the listings without
dates, the asset page without a quote, the static pages, sitemap.xml). A response is stored
for ``PAGE_CACHE_SECONDS`` (60) under a key made of the catalogue versions (the contents' and
the calendars'), the Accept-Encoding
class (``br``, ``gzip`` or ``identity``: each is stored compressed once, with a strong
``ETag`` of the identity body, weakened on a compressed variant; ``If-None-Match`` answers
304), the display currency cookie and the full URL (scheme, host, path and query string).
Both versions are read from the database in one query per request and moved on by every
write that changes what these pages show (``midas.catalog.services.catalog_version_bump``
and ``calendar_version_bump``), so an edit or a reservation shows on the next request in
every worker process, whatever cache each one has; the time limit is the backstop for what
no write announces (the date turning, a crash).

Only what no visitor can tell apart is stored: a GET without a session, messages or
``Authorization`` header from an anonymous user, answered 200 without a cookie, a CSRF token,
a message, a session write, ``Cache-Control: private/no-store/no-cache`` or a ``Vary`` on
anything but ``Cookie``/``Accept-Encoding``. ``X-Cache`` says ``hit``, ``miss`` (rendered and
stored) or ``bypass`` (rendered, not stored). See docs/explanation/page-cache.md.

Each process keeps the pages it served or fetched in its own memory in front of the shared
cache (``LocalFirst``): a hit is then a dict lookup, not a cache-backend get and an unpickle.
Keyed as the shared cache is (the catalogue version is in the key), each page kept until its
own expiry (rendered + ``PAGE_CACHE_SECONDS``, stored with it, the same in every process).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import BaseCache, caches
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import quote_etag

from midas.catalog.display_prices import CODE as CURRENCY_CODE
from midas.catalog.display_prices import COOKIE as CURRENCY_COOKIE
from midas.catalog.selectors import request_page_versions
from midas.core.compression import compress_response, preferred_coding

HEADER = "X-Cache"
CACHE_ALIAS = "default"
KEY_PREFIX = "page"
VARY_ALLOWED = frozenset({"cookie", "accept-encoding"})  # what the key already accounts for
UNCACHEABLE = ("private", "no-store", "no-cache")

View = Callable[..., HttpResponseBase]
LOCAL_LIMIT = 256  # pages a process keeps in its memory (all dropped when full)
# status, headers, body and when it expires (epoch seconds); entries stored before the
# expiry was (three items) are still served, from the shared cache only
Frozen = tuple[int, list[tuple[str, str]], bytes, float]


def seconds() -> int:
    """How long a page is kept; 0 turns the cache off."""
    return int(settings.PAGE_CACHE_SECONDS)


class LocalFirst:
    """The page store: this process's memory in front of the shared cache (``CACHE_ALIAS``).

    ``get`` answers from memory while the page has not expired, else from the shared cache
    (and keeps what it found); ``set`` stores in both. Sound for the same reasons as the
    shared cache: the key holds the catalogue version read for this request, and a page
    expires at the time stored with it whichever copy serves it. Values are shared between
    threads and never changed (a hit builds a new response from them)."""

    def __init__(self, limit: int = LOCAL_LIMIT) -> None:
        self.limit = limit
        self.pages: dict[str, Frozen] = {}
        self.lock = threading.Lock()

    @staticmethod
    def shared() -> BaseCache:
        return caches[CACHE_ALIAS]

    def get(self, key: str) -> Frozen | None:
        frozen = self.pages.get(key)
        if frozen is not None and frozen[3] > time.time():
            return frozen
        frozen = self.shared().get(key)
        if frozen is not None and len(frozen) == 4:
            if frozen[3] <= time.time():
                return None
            self.keep(key, frozen)
        return frozen

    def set(self, key: str, frozen: Frozen, timeout: int) -> None:
        self.shared().set(key, frozen, timeout)
        self.keep(key, frozen)

    def keep(self, key: str, frozen: Frozen) -> None:
        with self.lock:
            if len(self.pages) >= self.limit:
                self.pages = {}
            self.pages[key] = frozen

    def clear(self) -> None:
        """Forget the pages kept in memory (the shared cache is left alone)."""
        with self.lock:
            self.pages = {}


local_first = LocalFirst()


def store() -> LocalFirst | BaseCache:
    return local_first


def anonymous(request: HttpRequest) -> bool:
    """A GET that carries nothing personal: no session or messages cookie, no credentials,
    no signed-in user (checked last: without a session cookie it costs no query)."""
    if request.method != "GET":
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


def encoding_class(request: HttpRequest) -> str:
    """``br``, ``gzip`` or ``identity``: the variant of the page this client is sent."""
    return preferred_coding(request)


def variant(request: HttpRequest) -> str:
    """What besides the URL changes a page for an anonymous visitor: the display currency
    chosen (a cookie; anything but a currency code counts as none)."""
    chosen = request.COOKIES.get(CURRENCY_COOKIE, "").upper()
    return chosen if CURRENCY_CODE.fullmatch(chosen) else "-"


def page_key(request: HttpRequest, versions: tuple[int, int]) -> str:
    """The key of a page: both versions (contents, calendars), the encoding class, the
    display currency and a digest of the full URL."""
    url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(url.encode()).hexdigest()
    version = f"{versions[0]}.{versions[1]}"
    return f"{KEY_PREFIX}:{version}:{encoding_class(request)}:{variant(request)}:{digest}"


def reusable(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether ``response`` may be replayed to any anonymous visitor of the same URL."""
    if response.status_code != 200 or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):  # a CSRF token went into the page
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    messages = getattr(request, "_messages", None)
    if messages is not None and getattr(messages, "added_new", False):
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in UNCACHEABLE):
        return False
    vary = {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}
    return vary <= VARY_ALLOWED


def freeze(response: HttpResponse, coding: str, ttl: int) -> Frozen:
    """What is stored: the page with a strong ``ETag`` of its identity body, compressed once
    here in ``coding`` (its ETag then weakened), its ``Vary`` as every answer from the cache
    sends it, so a hit replays bytes and headers and compresses nothing; and when it expires."""
    if not response.has_header("ETag"):
        response["ETag"] = quote_etag(
            hashlib.md5(response.content, usedforsecurity=False).hexdigest()
        )
    patch_vary_headers(response, ("Accept-Encoding", "Cookie"))
    compress_response(response, coding)
    return response.status_code, list(response.items()), response.content, time.time() + ttl


def thaw(frozen: Frozen) -> HttpResponse:
    status, headers, content = frozen[:3]
    response = HttpResponse(content, status=status, headers=dict(headers))
    if len(frozen) == 3:  # stored before freeze added Cookie to Vary
        patch_vary_headers(response, ("Cookie",))
    return response


def conditional(request: HttpRequest, response: HttpResponse) -> HttpResponseBase:
    """304 Not Modified when ``If-None-Match`` names the page's ETag (compared weakly, so
    the identity ETag and a compressed variant's ``W/`` one both match), else the page."""
    etag = response.get("ETag")
    if not etag or "HTTP_IF_NONE_MATCH" not in request.META:
        return response
    return get_conditional_response(request, etag=etag, response=response) or response


def label(response: HttpResponseBase, state: str) -> HttpResponseBase:
    response[HEADER] = state
    if state == "miss":  # a hit's Vary was stored with it (freeze)
        patch_vary_headers(response, ("Cookie",))  # only anonymous visitors share it
    return response


def cache_for_anonymous(
    view: View | None = None, *, unless: Callable[[HttpRequest], bool] | None = None
) -> Any:
    """Serve ``view`` from the page cache to anonymous visitors; ``unless(request)`` true
    renders afresh (a date filter, a quote). Usable bare or with ``unless=``."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            ttl = seconds()
            if ttl <= 0 or not anonymous(request) or (unless is not None and unless(request)):
                return label(view(request, *args, **kwargs), "bypass")
            # read before rendering: no page is stored under a version newer than its data
            key = page_key(request, request_page_versions(request))
            cache = store()
            frozen = cache.get(key)
            if frozen is not None:
                return label(conditional(request, thaw(frozen)), "hit")
            response = view(request, *args, **kwargs)
            render = getattr(response, "render", None)
            if callable(render):  # a TemplateResponse (the sitemap): render it now, so
                render()  # what rendering does (a CSRF token, a cookie) is seen below
            if not isinstance(response, HttpResponse) or not reusable(request, response):
                return label(response, "bypass")  # streamed, or not for everyone
            cache.set(key, freeze(response, encoding_class(request), ttl), ttl)
            return label(conditional(request, response), "miss")

        return wrapped

    return decorate(view) if view is not None else decorate
