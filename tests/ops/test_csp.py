"""The Content-Security-Policy (midas.ops.csp): what it says, when Stripe and a CDN join it,
the hashes of the pages that stand alone, and that no page needs more than it allows: no
inline script, style, style attribute or event handler anywhere, in the templates' source
or in the pages rendered from them."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.template.loader import render_to_string
from django.test import Client
from django.views.defaults import server_error

from midas.notifications.delivery import deliver_due
from midas.notifications.models import MailboxMessage, OutboxMessage
from midas.ops import csp
from midas.ops.services import maintenance_disable, maintenance_enable
from tests.factories import NOW, make_asset, make_booking, make_driver, make_staff

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "midas"


def policy_of(response) -> dict[str, list[str]]:
    return {
        words[0]: words[1:]
        for words in (d.split() for d in response["Content-Security-Policy"].split(";"))
    }


@pytest.fixture
def site(settings):
    """An asset, a customer with a held booking, and its email delivered to the mailbox."""
    settings.EMAIL_BACKEND = "midas.notifications.backends.MailboxBackend"
    settings.MAILBOX_ECHO = False
    asset = make_asset("cars")
    customer = make_driver()
    booking = make_booking(customer=customer, asset=asset)
    assert deliver_due(now=NOW).sent
    return {"asset": asset, "customer": customer, "booking": booking}


# --- the policy --------------------------------------------------------------------------------


def test_the_policy_is_strict(client):
    policy = policy_of(client.get("/"))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script at all, not even by hash
    assert policy["style-src"][0] == "'self'"
    assert all(s.startswith("'sha256-") for s in policy["style-src"][1:])
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    header = " ".join(source for sources in policy.values() for source in sources)
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header
    assert "stripe" not in header  # no Stripe without its key


@pytest.mark.parametrize(
    "path", ["/", "/collection/", "/api/v1/assets", "/admin/login/", "/status", "/nope/"]
)
def test_every_response_carries_it(client, path):
    response = client.get(path)
    assert response["Content-Security-Policy"] == csp.header_value()


def test_stripe_joins_only_with_its_key(client, settings):
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_csp"
    policy = policy_of(client.get("/"))
    assert policy["script-src"] == ["'self'", "https://js.stripe.com", "https://*.js.stripe.com"]
    assert policy["frame-src"] == [
        "'self'",  # what frames fell back to (default-src) stays allowed
        "https://js.stripe.com",
        "https://*.js.stripe.com",
        "https://hooks.stripe.com",
    ]
    assert policy["connect-src"] == ["'self'", "https://api.stripe.com"]
    assert policy["form-action"] == ["'self'", "https://hooks.stripe.com"]
    settings.STRIPE_PUBLISHABLE_KEY = ""
    assert "stripe" not in client.get("/")["Content-Security-Policy"]


def test_a_static_cdn_is_allowed_for_fetches_wherever_self_is(settings):
    settings.STATIC_URL = "https://cdn.midas.example/static/"
    policy = csp.directives()
    for name in ("default-src", "script-src", "style-src", "img-src"):
        assert "https://cdn.midas.example" in policy[name], name
    for name in ("object-src", "form-action", "base-uri", "frame-ancestors"):
        assert "https://cdn.midas.example" not in policy[name], name
    settings.STATIC_URL = "/static/"
    assert "cdn" not in csp.header_value()


def test_an_empty_policy_sends_no_header(client, settings):
    settings.SECURE_CSP = {}
    assert "Content-Security-Policy" not in client.get("/").headers


def test_a_view_that_sets_its_own_policy_keeps_it(client, site):
    """The email preview's document (notifications.views.email_document)."""
    client.force_login(make_staff())
    message = MailboxMessage.objects.exclude(body_html="").first()
    response = client.get(f"/staff/mailbox/{message.pk}/html/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert response["X-Frame-Options"] == "SAMEORIGIN"  # framed by the mailbox's own page


# --- hashes of the pages that stand alone -----------------------------------------------------


def test_hashes_come_from_the_templates_own_blocks():
    source = '<style>a{b:c}</style><script>x()</script><script src="/a.js"></script>'
    source += '<script type="application/ld+json">{"@type": "Thing"}</script>'
    assert csp.inline_blocks(source) == [("style-src", "a{b:c}"), ("script-src", "x()")]
    # a data block (json_script, JSON-LD) is never run by a browser, so CSP leaves it alone
    # the example of the CSP spec (w3c.github.io/webappsec-csp, "hash-source")
    expected = "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"
    assert csp.sha256_source("alert('Hello, world.');") == expected


def test_the_listed_templates_can_all_be_hashed():
    assert csp.template_problems(django_settings.SECURE_CSP_HASHED_TEMPLATES) == []


def test_a_block_with_a_template_tag_is_left_out_not_fatal(settings, tmp_path, caplog):
    """Its hash cannot be known in advance: that page loses its inline CSS (and the log says
    why), while every other page keeps its policy and works."""
    (tmp_path / "bad.html").write_text("<style>a{color:{{ colour }}}</style>")
    (tmp_path / "good.html").write_text("<style>a{color:red}</style>")
    settings.TEMPLATES = [{**django_settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    names = ("bad.html", "good.html", "missing.html")
    assert csp.template_problems(names) == [
        "bad.html: an inline block holds a template tag",
        "missing.html: no such template",
    ]
    csp.template_hashes.cache_clear()
    try:
        with caplog.at_level("ERROR", logger="midas.ops.csp"):
            hashes = csp.template_hashes(names)
    finally:
        csp.template_hashes.cache_clear()
    assert hashes == {"style-src": (csp.sha256_source("a{color:red}"),)}
    assert "bad.html: an inline block holds a template tag" in caplog.text


def inline_style_hashes(html: str) -> set[str]:
    return {csp.sha256_source(text) for _, text in csp.inline_blocks(html)}


def test_the_standalone_pages_inline_css_is_allowed_by_hash(client, rf):
    allowed = set(csp.directives()["style-src"])
    pages = {
        "500": server_error(rf.get("/")).content.decode(),
        "status": client.get("/status").content.decode(),
        "maintenance": render_to_string("ops/maintenance.html", {"message": "Back soon"}),
    }
    for name, html in pages.items():
        found = inline_style_hashes(html)
        assert found, f"{name}: no inline style (then drop it from SECURE_CSP_HASHED_TEMPLATES)"
        assert found <= allowed, name


def test_the_admin_change_list_block_is_allowed_by_hash():
    """The one inline block of Django's admin (a change list without actions)."""
    source = (Path(__import__("django").__file__).parent / "contrib/admin/templates").joinpath(
        "admin/change_list.html"
    )
    blocks = csp.inline_blocks(source.read_text())
    assert [d for d, _ in blocks] == ["style-src"]
    assert csp.sha256_source(blocks[0][1]) in csp.directives()["style-src"]


# --- no page needs more than the policy allows --------------------------------------------------

EVENT_HANDLER = re.compile(r"""<[^>]*\son[a-z]+\s*=""", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"""<[^>]*\sstyle\s*=""", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def project_templates() -> list[Path]:
    """Every page template of Midas (emails are documents for mail clients, shown to staff
    only under a policy of their own: notifications.views.email_document)."""
    return [
        path
        for path in SRC.rglob("templates/**/*.html")
        if "/templates/emails/" not in path.as_posix()
    ]


def test_no_template_writes_inline_code_or_styles():
    hashed = set(django_settings.SECURE_CSP_HASHED_TEMPLATES)
    problems = []
    for path in project_templates():
        name = path.as_posix().split("/templates/", 1)[1]
        text = path.read_text()
        if EVENT_HANDLER.search(text):
            problems.append(f"{name}: an on...= event handler")
        if STYLE_ATTRIBUTE.search(text):
            problems.append(f"{name}: a style= attribute")
        if JAVASCRIPT_URL.search(text):
            problems.append(f"{name}: a javascript: URL")
        if csp.inline_blocks(text) and name not in hashed:
            problems.append(f"{name}: an inline <script> or <style>")
    assert not problems, "\n".join(problems)


def test_no_python_writes_a_style_attribute():
    found = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if re.search(r"""style=['"\\]""", path.read_text())
    ]
    assert not found


class Inline(HTMLParser):
    """What a browser would check in a rendered page: inline blocks, style attributes and
    event handlers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: str | None = None
        self.blocks: list[tuple[str, str]] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        values = dict(attrs)
        for name, _ in attrs:
            if name == "style" or name.startswith("on"):
                self.attributes.append(f"<{tag} {name}=...>")
        if tag == "style" or (
            tag == "script"
            and "src" not in values
            and (values.get("type") or "").lower() in csp.JS_TYPES
        ):
            self.open = tag
            self.blocks.append((f"{tag}-src", ""))

    def handle_data(self, data) -> None:
        if self.open:
            directive, text = self.blocks[-1]
            self.blocks[-1] = (directive, text + data)

    def handle_endtag(self, tag) -> None:
        if tag == self.open:
            self.open = None


def assert_within_policy(response, path: str) -> None:
    policy = policy_of(response)
    parser = Inline()
    parser.feed(response.content.decode())
    assert not parser.attributes, f"{path}: {parser.attributes}"
    for directive, text in parser.blocks:
        allowed = policy.get(directive) or policy["default-src"]
        assert csp.sha256_source(text) in allowed, f"{path}: inline {directive} {text[:60]!r}"


def test_rendered_pages_need_nothing_the_policy_refuses(client, site):
    asset, booking = site["asset"], site["booking"]
    public = [
        "/",
        "/collection/",
        "/collection/cars/",
        asset.get_absolute_url(),
        "/about/",
        "/contact/",
        "/faq/",
        "/terms/",
        "/account/login/",
        "/account/register/",
        "/account/password/reset/",
        "/status",
        "/api/v1/docs",
        "/admin/login/",
        "/no-such-page/",
    ]
    for path in public:
        response = client.get(path)
        assert response.status_code in {200, 404}, path
        assert_within_policy(response, path)

    client.force_login(site["customer"])
    for path in ("/account/", "/bookings/", f"/bookings/{booking.reference}/"):
        assert_within_policy(client.get(path), path)
    assert_within_policy(client.get(f"/bookings/{booking.reference}/pay/"), "pay")

    client.force_login(make_staff(is_superuser=True))
    outbox = OutboxMessage.objects.exclude(body_html="").first()
    mailbox = MailboxMessage.objects.exclude(body_html="").first()
    staff = [
        "/ops/",
        "/admin/",
        "/admin/bookings/booking/",
        f"/admin/bookings/booking/{booking.pk}/change/",
        "/admin/catalog/asset/",
        f"/admin/catalog/asset/{asset.pk}/change/",
        f"/admin/notifications/outboxmessage/{outbox.pk}/change/",
        f"/admin/notifications/mailboxmessage/{mailbox.pk}/change/",
        "/staff/mailbox/",
        f"/staff/mailbox/{mailbox.pk}/",
    ]
    if apps.is_installed("midas.launch"):
        staff += ["/ops/launch/"]
    for path in staff:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_within_policy(response, path)


def test_the_error_pages_need_nothing_the_policy_refuses(client, rf, settings):
    response = server_error(rf.get("/"))
    response["Content-Security-Policy"] = csp.header_value()
    assert_within_policy(response, "500")

    maintenance_enable(message="Polishing the fleet", retry_after=60)
    try:
        response = client.get("/collection/")
        assert response.status_code == 503
        assert_within_policy(response, "maintenance")
    finally:
        maintenance_disable()

    # a form posted without its CSRF token: our page, not Django's inline-styled one
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/account/login/", {"email": "a@example.com", "password": "x"})
    assert response.status_code == 403 and b"Please try that again" in response.content
    assert_within_policy(response, "403 csrf")
