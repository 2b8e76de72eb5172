"""EMAIL_URL → Django's email settings, and the checks on them."""

from __future__ import annotations

import pytest

from midas.config import ConfigError
from midas.notifications.checks import email_settings
from midas.notifications.email_url import parse_email_url, redact

SMTP = "django.core.mail.backends.smtp.EmailBackend"


def test_the_default_is_the_local_mailbox():
    for url in ("", "mailbox://"):
        config = parse_email_url(url)
        assert config.backend == "midas.notifications.backends.MailboxBackend"


def test_sendgrid_relay_with_starttls():
    config = parse_email_url("smtp://apikey:SG.abc-123@smtp.sendgrid.net:587?tls=1")
    assert (config.backend, config.host, config.port) == (SMTP, "smtp.sendgrid.net", 587)
    assert (config.user, config.password) == ("apikey", "SG.abc-123")
    assert config.use_tls and not config.use_ssl
    assert config.display == "smtp://apikey:***@smtp.sendgrid.net:587?tls=1"


def test_smtps_defaults_to_port_465_and_implicit_tls():
    config = parse_email_url("smtps://me:pw@mail.example.com")
    assert (config.port, config.use_ssl, config.use_tls) == (465, True, False)


def test_percent_encoded_credentials_and_options():
    config = parse_email_url("smtp://me%40corp:p%40ss%3Aword@10.0.0.5?timeout=7&ssl=true")
    assert (config.user, config.password) == ("me@corp", "p@ss:word")
    assert (config.timeout, config.use_ssl, config.port) == (7, True, 465)
    assert "p%40ss" not in config.display and "***" in config.display


def test_console_and_test_backends():
    assert parse_email_url("console://").backend.endswith("console.EmailBackend")
    assert parse_email_url("locmem://").backend.endswith("locmem.EmailBackend")


@pytest.mark.parametrize(
    "url", ["http://x", "smtp://", "smtp://host:notaport", "smtp://h?timeout=soon"]
)
def test_bad_urls_are_refused_without_echoing_secrets(url):
    with pytest.raises(ConfigError) as error:
        parse_email_url(url)
    assert "EMAIL_URL" in str(error.value)


def test_redact_hides_only_the_password():
    assert redact("smtp://u:secret@h:25") == "smtp://u:***@h:25"
    assert redact("smtp://h:25") == "smtp://h:25"


def test_checks_warn_about_local_mail_in_production_and_bad_numbers(settings):
    settings.PRODUCTION = True
    settings.EMAIL_BACKEND = "midas.notifications.backends.MailboxBackend"
    assert [m.id for m in email_settings(None)] == ["midas.W101"]
    settings.EMAIL_BACKEND = SMTP
    assert email_settings(None) == []
    settings.OUTBOX_LEASE_SECONDS = settings.EMAIL_TIMEOUT
    settings.OUTBOX_MAX_ATTEMPTS = 0
    assert [m.id for m in email_settings(None)] == ["midas.E101", "midas.E102"]
