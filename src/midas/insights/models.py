"""First-party analytics: raw page views and time-on-page beacons (kept
``INSIGHTS_RETENTION_DAYS``), the daily salt behind cookieless visitor ids, and the daily
rollups every metric is read from (docs/explanation/insights.md)."""

from __future__ import annotations

from django.db import models


class PageKind(models.TextChoices):
    HOME = "home", "Home"
    LISTING = "listing", "Listing"
    ASSET = "asset", "Asset"
    QUOTE = "quote", "Asset with a quote"
    CHECKOUT = "checkout", "Checkout"
    PAID = "paid", "Confirmation"
    PAGE = "page", "Other page"


class Device(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    TABLET = "tablet", "Tablet"
    DESKTOP = "desktop", "Desktop"


class DailySalt(models.Model):
    """The salt of one UTC day's visitor ids; older salts are deleted on rotation, so a
    visitor id can never be recomputed once its day is over (as Plausible does)."""

    day = models.DateField(unique=True)
    salt = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"salt of {self.day}"


class PageView(models.Model):
    """One HTML page served to a customer's browser. ``visitor`` is the day's cookieless id
    (sha256 of the day's salt, site, IP and user agent, cut to 16 hex digits); ``user_id``
    and ``rv`` (the ``midas_rv`` cookie) only when the visitor is signed in or agreed, and
    never under Do-Not-Track or Global Privacy Control."""

    at = models.DateTimeField()
    day = models.DateField()
    visitor = models.CharField(max_length=16)
    user_id = models.BigIntegerField(null=True, blank=True)
    rv = models.CharField("return-visitor id", max_length=32, blank=True)
    path = models.CharField(max_length=300)
    kind = models.CharField(max_length=8, choices=PageKind.choices)
    subject = models.CharField(max_length=80, blank=True, help_text="asset/category slug or ref")
    location = models.CharField(max_length=50, blank=True, help_text="city slug, where known")
    device = models.CharField(max_length=7, choices=Device.choices)
    referrer = models.CharField(max_length=100, blank=True, help_text="referrer host")
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["day", "visitor", "at"], name="insights_view_day_visitor"),
            models.Index(fields=["user_id"], name="insights_view_user"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.path}"


class Engagement(models.Model):
    """A beacon sent when a page is hidden or left: the time it was visible and, on the
    first one, how long it took to load. Its time (``at``, the server's) ends the session."""

    at = models.DateTimeField()
    day = models.DateField()
    visitor = models.CharField(max_length=16)
    path = models.CharField(max_length=300)
    visible_ms = models.PositiveIntegerField(default=0)
    load_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["day", "visitor", "at"], name="insights_eng_day_visitor"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.path} {self.visible_ms} ms"


class DailyStat(models.Model):
    """One UTC day's figures for one (city, category, device) slice; a session belongs to
    the slice of its first page with a known city or category, a visitor to the slice of
    their first session of the day. Rebuilt whole by ``rollup_day``."""

    day = models.DateField()
    city = models.CharField(max_length=50, blank=True)
    category = models.CharField(max_length=50, blank=True)
    device = models.CharField(max_length=7, choices=Device.choices)
    visitors = models.PositiveIntegerField(default=0)
    sessions = models.PositiveIntegerField(default=0)
    bounces = models.PositiveIntegerField(default=0)
    pageviews = models.PositiveIntegerField(default=0)
    duration_s = models.PositiveBigIntegerField(default=0, help_text="sum of session lengths")
    asset_sessions = models.PositiveIntegerField(default=0)
    quote_sessions = models.PositiveIntegerField(default=0)
    checkout_sessions = models.PositiveIntegerField(default=0)
    paid_sessions = models.PositiveIntegerField(default=0)
    load_ms_sum = models.PositiveBigIntegerField(default=0)
    loads = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "city", "category", "device"], name="insights_dailystat_slice"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.city or '-'} {self.category or '-'} {self.device}"


class DailyPage(models.Model):
    """Views, entries and exits of one path on one UTC day."""

    day = models.DateField()
    path = models.CharField(max_length=300)
    views = models.PositiveIntegerField(default=0)
    entries = models.PositiveIntegerField(default=0)
    exits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "path"], name="insights_dailypage_path")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.path}"


class DailySource(models.Model):
    """Sessions of one UTC day by where they came from: the UTM source, else the referrer's
    host, else "direct"."""

    day = models.DateField()
    source = models.CharField(max_length=100)
    medium = models.CharField(max_length=100, blank=True)
    campaign = models.CharField(max_length=100, blank=True)
    sessions = models.PositiveIntegerField(default=0)
    bounces = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "source", "medium", "campaign"], name="insights_dailysource_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.source}"


class DailyReturner(models.Model):
    """A return-visitor id (``u:<user id>`` or ``c:<midas_rv>``) seen on a UTC day: what
    "return visitors within 7 days" is counted from. Erased with the person's data."""

    day = models.DateField()
    ident = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "ident"], name="insights_dailyreturner_key")
        ]
        indexes = [models.Index(fields=["ident"], name="insights_returner_ident")]

    def __str__(self) -> str:
        return f"{self.day} {self.ident}"
