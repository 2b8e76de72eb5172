"""Compressed HTML and JSON: Brotli where the client asks for it, else gzip.

``CompressionMiddleware`` compresses a response once every view and middleware below it is
done, and only when all of these hold:

- the client accepts ``br`` or ``gzip`` (``Accept-Encoding``, ``;q=0`` refuses a coding);
- the response is not streamed (the chat's server-sent events, file downloads, the
  mailbox's attachments: ``StreamingHttpResponse``/``FileResponse`` are never touched), is not
  an attachment (``Content-Disposition: attachment``) and has no ``Content-Encoding`` yet
  (the page cache stores its pages already compressed, once per page, see
  ``midas.web.page_cache``);
- its type is text: HTML, JSON, plain text, CSS, JavaScript, XML, SVG (images, PDFs and
  archives are already compressed);
- its body is at least ``MIN_SIZE`` bytes, and the compressed body is smaller.

Every compressible type gets ``Vary: Accept-Encoding``, compressed or not, so a shared cache
keeps the variants apart. A strong ``ETag`` is weakened (``W/"…"``) on a compressed body,
as Django's GZipMiddleware does: the bytes differ from the identity body's, the meaning does
not, and ``If-None-Match`` compares weakly.

BREACH: a response that carries a CSRF token (``get_token()`` was called while making it)
is gzip-compressed with Django's own mitigation, random bytes in the gzip header
("Heal the BREACH", the same as ``GZipMiddleware``), and never with Brotli, which has no such
padding. See docs/explanation/compression.md.
"""

from __future__ import annotations

import functools
import gzip
from collections.abc import Callable

import brotli
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string

MIN_SIZE = 512  # below this, the headers cost more than compression saves
GZIP_LEVEL = 6
BROTLI_QUALITY = 5  # ~gzip's speed, 10-20 % smaller; 11 is ~100x slower
COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/manifest+json",
    "application/problem+json",
    "image/svg+xml",
)
CODINGS = ("br", "gzip")  # the order we prefer, when the client accepts both


@functools.lru_cache(maxsize=64)  # browsers send a handful of distinct headers
def accepted_codings(header: str) -> frozenset[str]:
    """The content codings an ``Accept-Encoding`` header accepts (``q=0`` refuses one)."""
    accepted: set[str] = set()
    for part in header.lower().split(","):
        name, _, params = part.strip().partition(";")
        name = name.strip()
        if not name:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            accepted.add(name)
    if "*" in accepted:
        accepted.update(CODINGS)
    return frozenset(accepted)


def preferred_coding(request: HttpRequest) -> str:
    """``br``, ``gzip`` or ``identity``: what to send this client."""
    accepted = accepted_codings(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    return next((coding for coding in CODINGS if coding in accepted), "identity")


def compress(body: bytes, coding: str, *, pad: bool = False) -> bytes:
    """``body`` in ``coding``; ``pad`` adds Django's random gzip-header bytes (BREACH)."""
    if coding == "br":
        return bytes(brotli.compress(body, quality=BROTLI_QUALITY))
    if coding == "gzip":
        if pad:
            return compress_string(body, max_random_bytes=100)
        return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
    return body


def compressible_type(response: HttpResponseBase) -> bool:
    content_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
    return content_type.startswith(COMPRESSIBLE)


def weaken_etag(response: HttpResponseBase) -> None:
    etag = response.get("ETag")
    if etag and etag.startswith('"'):
        response.headers["ETag"] = "W/" + etag


def compress_response(response: HttpResponseBase, coding: str, *, pad: bool = False) -> bool:
    """Compress a non-streamed response in place if it is worth it; whether it was."""
    if coding == "identity" or response.streaming or response.has_header("Content-Encoding"):
        return False
    body: bytes = response.content  # type: ignore[attr-defined]
    if len(body) < MIN_SIZE or not compressible_type(response):
        return False
    if "attachment" in response.get("Content-Disposition", "").lower():
        return False
    compressed = compress(body, coding, pad=pad)
    if len(compressed) >= len(body):
        return False
    response.content = compressed  # type: ignore[attr-defined]
    response.headers["Content-Length"] = str(len(compressed))
    response.headers["Content-Encoding"] = coding
    weaken_etag(response)
    return True


class CompressionMiddleware:
    """Brotli or gzip for text responses (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.streaming or not compressible_type(response):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        coding = preferred_coding(request)
        if coding == "identity":
            return response
        token_in_page = bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))
        if token_in_page:
            if "gzip" not in accepted_codings(request.META.get("HTTP_ACCEPT_ENCODING", "")):
                return response
            coding = "gzip"
        compress_response(response, coding, pad=token_in_page)
        return response
