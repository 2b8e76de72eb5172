"""The privacy policy (what is kept, for how long, who processes it, the customer's rights)
linked from every page's footer and from registration; the terms page with its version."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

PRIVACY = "/privacy/"


def test_the_privacy_policy_says_what_for_how_long_who_and_the_rights(client, settings):
    settings.INSIGHTS_RETENTION_DAYS = 61
    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY = 9, 5
    settings.BACKUP_KEEP_MONTHLY = 13
    settings.DEPOSIT_RELEASE_DAYS = 3
    response = client.get(PRIVACY)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="page-title">Privacy policy</h1>' in html
    for stored in ("Your account:", "Your bookings:", "Your payments:", "Your conversations:"):
        assert stored in html
    assert "support tickets" in html and "live chats" in html and "Your visits" in html
    # who processes it
    assert "Stripe" in html and "Our e-mail provider" in html and "Our hosting provider" in html
    assert "Twilio" in html and "not sent to any messaging service" in html
    # for how long: the settings that exist
    assert "Individual page views:</strong> 61 days" in html
    assert "9 days (daily), 5 weeks (weekly) and 13 months (monthly)" in html
    assert "released 3 days after the return" in html
    # the rights, and deletion
    assert 'id="rights"' in html and "Complain" in html and "A copy of everything" in html
    assert 'href="/account/delete/"' in html


def test_the_e_mail_provider_is_named_when_it_is_sendgrid(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "smtp.sendgrid.net"
    assert "Our e-mail provider</strong> (SendGrid)" in client.get(PRIVACY).content.decode()


def test_every_page_and_registration_link_to_the_privacy_policy(client):
    home = client.get("/").content.decode()
    assert f'<a href="{PRIVACY}">Privacy policy</a>' in home
    register = client.get("/account/register/").content.decode()
    assert f'<a href="{PRIVACY}">privacy policy</a>' in register


def test_the_terms_page_shows_the_version_customers_accept(client, settings):
    settings.TERMS_VERSION = "2027-02-01"
    html = client.get("/terms/").content.decode()
    assert "Version 2027-02-01. You accept this version when you book" in html
    assert "Pieces without one hold nothing." in html
