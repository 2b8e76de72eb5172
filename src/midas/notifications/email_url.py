"""``EMAIL_URL`` → Django's email settings. Read by settings.py, so no Django imports here.

    mailbox://                                stored in the local mailbox and printed (default)
    console://                                printed only
    smtp://user:pass@host:587?tls=1           SMTP with STARTTLS (port 587 by default)
    smtps://user:pass@host:465                SMTP over TLS (port 465 by default)
    locmem://  dummy://                       Django's test backends

SendGrid's relay is ``smtp://apikey:<API key>@smtp.sendgrid.net:587?tls=1``. Query options:
``tls=1``, ``ssl=1``, ``timeout=<seconds>`` (default 30). User and password are
percent-decoded, so a password with ``@`` or ``:`` is written ``%40`` / ``%3A``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from midas.config import ConfigError

BACKENDS = {
    "mailbox": "midas.notifications.backends.MailboxBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class EmailConfig:
    backend: str
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False
    timeout: int = 30
    display: str = ""  # the URL with its password hidden, safe to log


def parse_email_url(url: str) -> EmailConfig:
    parts = urlsplit(url.strip() or "mailbox://")
    scheme = parts.scheme.lower()
    if scheme not in BACKENDS:
        raise ConfigError(
            f"EMAIL_URL scheme must be one of {', '.join(sorted(BACKENDS))}, got {scheme!r}"
        )
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    try:
        timeout = int(query.get("timeout", "30"))
        port = parts.port
    except ValueError as exc:
        raise ConfigError("EMAIL_URL has a port or timeout that is not a number") from exc
    display = redact(url)
    if scheme not in {"smtp", "smtps"}:
        return EmailConfig(backend=BACKENDS[scheme], timeout=timeout, display=display)
    if not parts.hostname:
        raise ConfigError("EMAIL_URL needs a host, e.g. smtp://user:pass@smtp.example.com:587")
    use_ssl = scheme == "smtps" or query.get("ssl", "").lower() in TRUE
    use_tls = not use_ssl and query.get("tls", "").lower() in TRUE
    return EmailConfig(
        backend=BACKENDS[scheme],
        host=parts.hostname,
        port=port or (465 if use_ssl else 587),
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=use_tls,
        use_ssl=use_ssl,
        timeout=timeout,
        display=display,
    )


def redact(url: str) -> str:
    """The URL with any password replaced by ``***``."""
    parts = urlsplit(url.strip())
    if parts.password is None:
        return url.strip()
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return parts._replace(netloc=f"{user}:***@{hostport}").geturl()
