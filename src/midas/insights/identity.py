"""Who a page view belongs to, privacy first (docs/explanation/insights.md).

* ``visitor``: cookieless, ``sha256(daily salt + site + IP + user agent)`` cut to 16 hex
  digits. The salt is random, one per UTC day, kept in the database until the day after and
  then deleted, so an id links one person's views within a day and never across days
  (Plausible's scheme).
* a return-visitor id only where the visitor is signed in (their user id) or agreed on the
  privacy page (the ``midas_rv`` cookie, set by an explicit POST), and never when the browser
  sends Do-Not-Track (``DNT: 1``) or Global Privacy Control (``Sec-GPC: 1``): such views are
  counted anonymously, with the daily id only.
* the device class from the user agent; bots (by user agent) are not counted at all.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
import threading
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest

RV_COOKIE = "midas_rv"
RV_MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie (RFC 6265bis)
RV_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,32}$")

BOT_PATTERN = re.compile(
    r"bot|crawl|spider|slurp|archiver|facebookexternalhit|embedly|preview|monitor|"
    r"headless|lighthouse|pingdom|uptime|curl|wget|python-|httpx|aiohttp|go-http|okhttp|"
    r"java/|libwww|scrapy|phantomjs|selenium|playwright|puppeteer|midas-",
    re.IGNORECASE,
)
TABLET_PATTERN = re.compile(r"ipad|tablet|kindle|silk|playbook|(android(?!.*mobile))", re.I)
MOBILE_PATTERN = re.compile(r"mobi|iphone|ipod|android|blackberry|opera mini|iemobile", re.I)


def is_bot(user_agent: str) -> bool:
    return not user_agent or bool(BOT_PATTERN.search(user_agent))


@functools.lru_cache(maxsize=2048)
def agent_class(user_agent: str) -> tuple[bool, str]:
    """(a bot?, device class) of a user agent, remembered: the same few agents come back."""
    return is_bot(user_agent), device_of(user_agent)


def device_of(user_agent: str) -> str:
    if TABLET_PATTERN.search(user_agent):
        return "tablet"
    if MOBILE_PATTERN.search(user_agent):
        return "mobile"
    return "desktop"


def opted_out(request: HttpRequest) -> bool:
    """Do-Not-Track or Global Privacy Control: no return-visitor id, no user id."""
    return request.META.get("HTTP_DNT") == "1" or request.META.get("HTTP_SEC_GPC") == "1"


def new_rv() -> str:
    return secrets.token_urlsafe(16)


def rv_of(request: HttpRequest) -> str:
    """The return-visitor cookie's id, when set (it is only set on the visitor's request)."""
    value = request.COOKIES.get(RV_COOKIE, "")
    return value if RV_PATTERN.match(value) else ""


def site_host() -> str:
    return urlsplit(settings.SITE_URL).netloc


class Salts:
    """The salts of the days asked, read once per process per day (one query), created by
    whichever process asks first. Only today's and yesterday's exist: yesterday's is kept one
    more day so that views buffered across midnight still get their day's id; creating a day's
    salt deletes every salt older than the day before it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._salts: dict[dt.date, bytes] = {}

    def of(self, day: dt.date) -> bytes:
        salt = self._salts.get(day)
        if salt is not None:
            return salt
        with self._lock:
            if day not in self._salts:
                if len(self._salts) >= 2:
                    self._salts.pop(min(self._salts))
                self._salts[day] = salt_for(day).encode()
            return self._salts[day]

    def forget(self) -> None:
        with self._lock:
            self._salts.clear()


def salt_for(day: dt.date) -> str:
    from midas.insights.models import DailySalt

    row = DailySalt.objects.filter(day=day).first()
    if row is not None:
        return row.salt
    try:
        with transaction.atomic():
            row = DailySalt.objects.create(day=day, salt=secrets.token_hex(32))
    except IntegrityError:  # another process made it first
        return DailySalt.objects.get(day=day).salt
    # the day before last can never be remade once this goes
    DailySalt.objects.filter(day__lt=day - dt.timedelta(days=1)).delete()
    return row.salt


SALTS = Salts()


def visitor_id(*, day: dt.date, ip: str, user_agent: str) -> str:
    digest = hashlib.sha256(
        SALTS.of(day)
        + b"|"
        + site_host().encode()
        + b"|"
        + ip.encode()
        + b"|"
        + user_agent.encode()
    )
    return digest.hexdigest()[:16]
