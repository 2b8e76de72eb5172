"""The ``Content-Security-Policy`` every response carries (``SecurityHeadersMiddleware``).

The policy is ``settings.SECURE_CSP`` (a dict of directive -> sources, the shape of Django
6.0's setting of the same name), completed on every request with what the configuration
says the pages load:

- ``SECURE_CSP_STRIPE`` when ``STRIPE_PUBLISHABLE_KEY`` is set (the payment pages then load
  Stripe.js and its frames; without the key no page does, and the policy names no Stripe host);
- the origin of ``STATIC_URL`` when it is absolute (a CDN): allowed by every fetch directive
  (``*-src``) that allows ``'self'``;
- the sha256 hashes of the inline ``<style>`` and ``<script>`` blocks of the templates listed
  in ``SECURE_CSP_HASHED_TEMPLATES``: the pages that must stand alone (the 500 page, the
  maintenance page, the status page) and one block of Django's admin. The hashes come from
  the template files, never from a response, so only those exact texts run.

No nonce: the page cache (``midas.web.page_cache``) replays one anonymous response to many
visitors, and a nonce served twice is no nonce. A view that needs another policy sets the
header itself; the middleware leaves it alone. docs/explanation/security-headers.md.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

logger = logging.getLogger(__name__)
SELF = "'self'"
INLINE_BLOCK = re.compile(r"<(script|style)\b([^>]*)>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
SCRIPT_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
# <script> types a browser runs; any other type (application/json, application/ld+json) is a
# data block, which the browser never executes and so CSP never checks.
JS_TYPES = frozenset({"", "module", "text/javascript", "application/javascript"})

Directives = dict[str, list[str]]


def sha256_source(text: str) -> str:
    """A CSP hash source for an inline block's exact text."""
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return f"'sha256-{digest}'"


def inline_blocks(source: str) -> list[tuple[str, str]]:
    """The inline blocks of a template's source a browser would check: ``(directive, text)``
    pairs for ``<style>`` and for ``<script>`` without ``src`` and of a JavaScript type."""
    blocks = []
    for tag, attributes, text in INLINE_BLOCK.findall(source):
        if tag.lower() == "script":
            kind = SCRIPT_TYPE.search(attributes)
            if re.search(r"\bsrc\s*=", attributes, re.IGNORECASE):
                continue
            if (kind.group(1).lower() if kind else "") not in JS_TYPES:
                continue
        blocks.append((f"{tag.lower()}-src", text))
    return blocks


def template_problems(names: Iterable[str]) -> list[str]:
    """Why a listed template's blocks cannot be hashed: it does not exist, or a block holds a
    template tag (its rendered text would differ from the file's, so no hash can be known in
    advance). tests/ops/test_csp.py requires none."""
    problems = []
    for name in names:
        try:
            source = get_template(name).template.source  # type: ignore[attr-defined]
        except TemplateDoesNotExist:
            problems.append(f"{name}: no such template")
            continue
        if any("{{" in text or "{%" in text for _, text in inline_blocks(source)):
            problems.append(f"{name}: an inline block holds a template tag")
    return problems


@functools.lru_cache(maxsize=8)
def template_hashes(names: tuple[str, ...]) -> Mapping[str, tuple[str, ...]]:
    """``{"style-src": (hash, ...), "script-src": (...)}`` for the inline blocks of the named
    templates. A template whose blocks cannot be hashed is left out with an error in the log
    (once per process): its page loses its inline CSS, every other page keeps working."""
    for problem in template_problems(names):
        logger.error("SECURE_CSP_HASHED_TEMPLATES: %s; left out of the policy", problem)
    found: dict[str, list[str]] = {}
    for name in names:
        try:
            source = get_template(name).template.source  # type: ignore[attr-defined]
        except TemplateDoesNotExist:
            continue
        blocks = inline_blocks(source)
        if any("{{" in text or "{%" in text for _, text in blocks):
            continue
        for directive, text in blocks:
            found.setdefault(directive, []).append(sha256_source(text))
    return {directive: tuple(hashes) for directive, hashes in found.items()}


def static_origin(static_url: str) -> str:
    """``https://cdn.example.com`` for an absolute ``STATIC_URL``, else ``""``."""
    parts = urlsplit(static_url)
    if parts.scheme in {"http", "https"} and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return ""


def extend(directives: Directives, more: Mapping[str, Iterable[str]]) -> None:
    """Add sources to directives, keeping order and dropping repeats. A fetch directive added
    here for the first time starts from ``default-src`` (what it fell back to until now)."""
    for name, sources in more.items():
        if name not in directives:
            fallback = directives.get("default-src", []) if name.endswith("-src") else []
            directives[name] = list(fallback)
        current = directives[name]
        current.extend(source for source in sources if source not in current)


def directives() -> Directives:
    """The policy for this configuration, as directive -> sources."""
    policy: Directives = {name: list(sources) for name, sources in settings.SECURE_CSP.items()}
    if not policy:
        return policy
    if settings.STRIPE_PUBLISHABLE_KEY:
        extend(policy, settings.SECURE_CSP_STRIPE)
    origin = static_origin(settings.STATIC_URL)
    if origin:
        fetch = {name for name, sources in policy.items() if name.endswith("-src")}
        extend(policy, {name: [origin] for name in fetch if SELF in policy[name]})
    extend(policy, template_hashes(tuple(settings.SECURE_CSP_HASHED_TEMPLATES)))
    return policy


def serialize(policy: Mapping[str, Sequence[str]]) -> str:
    return "; ".join(" ".join([name, *sources]) for name, sources in policy.items())


def header_value() -> str:
    """The ``Content-Security-Policy`` header's value; ``""`` when ``SECURE_CSP`` is empty."""
    return serialize(directives())
