"""Absolute URLs on this deployment's public address (``SITE_URL``): the one builder for
links that leave the site (emails, feeds, calendars, Slack, payment return pages). Code
names a route and reverses it; it never writes a path by hand."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


def site_url() -> str:
    """``SITE_URL`` without its trailing slash."""
    return settings.SITE_URL.rstrip("/")


def site_host() -> str:
    """The host (and port) of ``SITE_URL``."""
    return urlsplit(settings.SITE_URL).netloc


def absolute_url(url: str) -> str:
    """``url`` (a path) made absolute against ``SITE_URL``; absolute URLs pass through."""
    if url.startswith(("http://", "https://")):
        return url
    if url.startswith("//"):
        return "https:" + url
    return site_url() + "/" + url.lstrip("/")


def absolute_reverse(name: str, *args: Any, fragment: str = "", **kwargs: Any) -> str:
    """The absolute URL of the route ``name`` (positional or keyword arguments)."""
    path = reverse(name, args=args or None, kwargs=kwargs or None)
    return absolute_url(path) + (f"#{fragment}" if fragment else "")


def cached_reverse(name: str, **kwargs: Any) -> str:
    """``reverse(name, kwargs=kwargs)`` worked out once per process for each route, its
    arguments, the URL configuration and the script prefix (a ``reverse`` costs ~20 µs; the
    catalogue's links ask for the same few hundred paths on every page)."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _reversed(urlconf, get_script_prefix(), name, tuple(sorted(kwargs.items())))


@lru_cache(maxsize=8192)
def _reversed(urlconf: str, prefix: str, name: str, kwargs: tuple[tuple[str, Any], ...]) -> str:
    return reverse(name, urlconf=urlconf, kwargs=dict(kwargs) or None)
