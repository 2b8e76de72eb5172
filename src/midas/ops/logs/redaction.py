"""Take secrets out of log text: passwords, tokens, authorization headers, card numbers
(13-19 digits that pass the Luhn check), CVCs, Stripe keys and webhook secrets, passwords in
URLs (EMAIL_URL, DATABASE_URL, REDIS_URL), Slack incoming-webhook URLs."""

from __future__ import annotations

import logging
import re

MASK = "***"

SECRET_NAME = r"\w*(?:password|passwd|pwd|token|secret|authorization|api_?key|cvc|cvv|csc)\w*"  # noqa: S105
KEY_VALUE = re.compile(
    rf"""(?ix)
    (["']?{SECRET_NAME}["']?\s*[:=]\s*)          # name, then : or =
    (?:(?:bearer|basic|token)\s+)?                # an Authorization scheme
    (?:"[^"]*"|'[^']*'|[^\s"',;&}}\]]+)          # the value, quoted or bare
    """
)
STRIPE_KEY = re.compile(r"\b((?:sk|rk)_(?:live|test)_|whsec_)[A-Za-z0-9]+")
URL_PASSWORD = re.compile(r"([a-z][a-z0-9+.-]*://[^:/\s@]*:)[^@\s/]+@", re.IGNORECASE)
SLACK_WEBHOOK = re.compile(r"(https?://hooks\.slack(?:-gov)?\.com/)[^\s\"'<>]+", re.IGNORECASE)
BEARER = re.compile(r"\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
CARD_CANDIDATE = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
# Paths that end in a secret: e-mail verification and password-reset links, the launch's
# acknowledgement and invitation links; masked in any text (Django's "Not Found: <path>", a
# link in a message) and in gunicorn's access log. nginx's access log masks the same ones
# (deploy/nginx.conf.template, $midas_log_uri).
SECRET_PATH = re.compile(
    r"(/account/verify/(?!resend/)|/account/password/reset/|/launch/ack/|/launch/invite/)"
    r"[^\s?#\"'<>]+"
)


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        n = int(char)
        if index % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[card]" if 13 <= len(digits) <= 19 and luhn_valid(digits) else match.group(0)


def redact(text: str) -> str:
    text = URL_PASSWORD.sub(rf"\1{MASK}@", text)
    text = STRIPE_KEY.sub(rf"\1{MASK}", text)
    text = SLACK_WEBHOOK.sub(rf"\1{MASK}", text)
    text = BEARER.sub(rf"\1{MASK}", text)
    text = SECRET_PATH.sub(rf"\1{MASK}", text)
    text = KEY_VALUE.sub(rf"\1{MASK}", text)
    return CARD_CANDIDATE.sub(_card, text)


def redact_path(path: str) -> str:
    """``path`` without the secret at its end, if it is one of the SECRET_PATH links."""
    return SECRET_PATH.sub(rf"\1{MASK}", path)


def _redact_value(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(item) for item in value]
    return value


class RedactSecrets(logging.Filter):
    """On a handler: the message, the traceback and an audit event's fields of each record
    leave with their secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: log it as written
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        audit = getattr(record, "audit", None)
        if isinstance(audit, dict):  # midas.core.audit's fields: a reason, the details
            record.audit = _redact_value(audit)
        return True
