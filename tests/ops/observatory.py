"""The MDN HTTP Observatory's scoring, for responses of Django's test client.

A port of the published rules of the Observatory (github.com/mdn/mdn-http-observatory:
``src/analyzer/tests/*.js``, ``src/analyzer/cspParser.js``, ``src/grader/charts.js``,
``src/scanner/index.js``; the table is docs/scoring.md of mozilla/http-observatory): ten
tests, each giving one result with a modifier; everyone starts at 100; penalties always
count, bonuses only when the score without them is 90 or more; 100 and above is A+.

What a scan sees and the test client gives instead:

- ``auto``: the final response over https (``secure=True``), its headers and its HTML;
- ``http_route``: the URLs of the plain-http request and the redirects it followed;
- ``cors``: the response to the same request with an ``Origin`` header;
- ``cookies``: every ``Set-Cookie`` of those responses.

Not modelled: the HSTS preload list (a site is taken as not preloaded, which only withholds
a bonus), certificate checks (the test client has none: taken as valid), and a response
that sends several CSPs (one policy per response is what Midas sends; more is refused).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

SCORE_TABLE: dict[str, int] = {
    # Content Security Policy
    "csp-implemented-with-no-unsafe-default-src-none": 10,
    "csp-implemented-with-no-unsafe": 5,
    "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
    "csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
    "csp-implemented-with-unsafe-eval": -10,
    "csp-implemented-with-unsafe-inline": -20,
    "csp-implemented-with-insecure-scheme": -20,
    "csp-header-invalid": -25,
    "csp-not-implemented": -25,
    # Cookies
    "cookies-secure-with-httponly-sessions-and-samesite": 5,
    "cookies-secure-with-httponly-sessions": 0,
    "cookies-not-found": 0,
    "cookies-without-secure-flag-but-protected-by-hsts": -5,
    "cookies-session-without-secure-flag-but-protected-by-hsts": -10,
    "cookies-without-secure-flag": -20,
    "cookies-samesite-flag-invalid": -20,
    "cookies-anticsrf-without-samesite-flag": -20,
    "cookies-session-without-httponly-flag": -30,
    "cookies-session-without-secure-flag": -40,
    # Cross-origin resource sharing
    "cross-origin-resource-sharing-not-implemented": 0,
    "cross-origin-resource-sharing-implemented-with-public-access": 0,
    "cross-origin-resource-sharing-implemented-with-restricted-access": 0,
    "cross-origin-resource-sharing-implemented-with-universal-access": -50,
    # Redirection
    "redirection-all-redirects-preloaded": 0,
    "redirection-to-https": 0,
    "redirection-not-needed-no-http": 0,
    "redirection-off-host-from-http": -5,
    "redirection-not-to-https-on-initial-redirection": -10,
    "redirection-not-to-https": -20,
    "redirection-missing": -20,
    # Referrer-Policy
    "referrer-policy-private": 5,
    "referrer-policy-not-implemented": 0,
    "referrer-policy-unsafe": -5,
    "referrer-policy-header-invalid": -5,
    # Strict-Transport-Security
    "hsts-preloaded": 5,
    "hsts-implemented-max-age-at-least-six-months": 0,
    "hsts-implemented-max-age-less-than-six-months": -10,
    "hsts-not-implemented": -20,
    "hsts-header-invalid": -20,
    "hsts-not-implemented-no-https": -20,
    # Subresource integrity
    "sri-implemented-and-all-scripts-loaded-securely": 5,
    "sri-implemented-and-external-scripts-loaded-securely": 5,
    "sri-not-implemented-response-not-html": 0,
    "sri-not-implemented-but-no-scripts-loaded": 0,
    "sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
    "sri-not-implemented-but-external-scripts-loaded-securely": -5,
    "sri-implemented-but-external-scripts-not-loaded-securely": -20,
    "sri-not-implemented-and-external-scripts-not-loaded-securely": -50,
    # X-Content-Type-Options
    "x-content-type-options-nosniff": 0,
    "x-content-type-options-not-implemented": -5,
    "x-content-type-options-header-invalid": -5,
    # X-Frame-Options
    "x-frame-options-implemented-via-csp": 5,
    "x-frame-options-sameorigin-or-deny": 0,
    "x-frame-options-allow-from-origin": 0,
    "x-frame-options-not-implemented": -20,
    "x-frame-options-header-invalid": -20,
    # Cross-Origin-Resource-Policy
    "cross-origin-resource-policy-implemented-with-same-origin": 10,
    "cross-origin-resource-policy-implemented-with-same-site": 10,
    "cross-origin-resource-policy-implemented-with-cross-origin": 0,
    "cross-origin-resource-policy-not-implemented": 0,
    "cross-origin-resource-policy-header-invalid": -5,
}
GRADES = [
    (100, "A+"),
    (90, "A"),
    (85, "A-"),
    (80, "B+"),
    (70, "B"),
    (65, "B-"),
    (60, "C+"),
    (50, "C"),
    (45, "C-"),
    (40, "D+"),
    (30, "D"),
    (25, "D-"),
    (0, "F"),
]
MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90
SIX_MONTHS = 15_552_000  # the Observatory's "white lie" for 15768000
OBSERVATORY_ORIGIN = "https://http-observatory.security.mozilla.org"  # its CORS probe
HTML_TYPES = {"text/html", "application/xhtml+xml"}


@dataclass
class Response:
    """What the scorer reads of one response."""

    url: str
    status: int
    headers: dict[str, list[str]]  # lower-case names; a name may repeat (Set-Cookie)
    body: str = ""

    def first(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return list(self.headers.get(name.lower(), []))


@dataclass
class Scan:
    auto: Response  # the final response over https
    http_route: list[str] = field(default_factory=list)  # http URL, then each redirect's target
    cors: Response | None = None
    cookies: list[str] = field(default_factory=list)  # raw Set-Cookie values


@dataclass
class Result:
    test: str
    result: str
    passed: bool

    @property
    def modifier(self) -> int:
        return SCORE_TABLE[self.result]


@dataclass
class Report:
    score: int
    grade: str
    results: list[Result]

    def explain(self) -> str:
        lines = [f"score {self.score} ({self.grade})"]
        lines += [f"  [{r.modifier:+4d}] {r.test}: {r.result}" for r in self.results]
        return "\n".join(lines)


# --- the page's HTML: meta http-equiv and script tags ---------------------------------------


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.http_equiv: dict[str, list[str]] = {}
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and values.get("http-equiv") and values.get("content") is not None:
            name = str(values["http-equiv"]).lower()
            self.http_equiv.setdefault(name, []).append(str(values["content"]))
        elif tag == "script":
            self.scripts.append(values)


def parse_page(response: Response) -> PageParser:
    parser = PageParser()
    if is_html(response):
        parser.feed(response.body)
    return parser


def is_html(response: Response) -> bool:
    mime = (response.first("content-type") or "").split(";")[0].strip().lower()
    return not mime or mime in HTML_TYPES


# --- Content Security Policy ----------------------------------------------------------------

DANGEROUSLY_BROAD = {"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*"}
DANGEROUSLY_BROAD |= {"https://*.*"}
UNSAFE_INLINE = {"'unsafe-inline'", "data:"}
PASSIVE_DIRECTIVES = {"img-src", "media-src"}
NONCES_HASHES = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")
META_DISALLOWED = {"frame-ancestors", "report-uri", "sandbox"}


class InvalidPolicy(ValueError):
    pass


def parse_csp(policy: str) -> dict[str, set[str]]:
    """cspParser.js for one policy: directive -> set of lower-cased sources; a source list
    left empty is ``'none'``; a repeated directive is invalid (but report-uri/report-to)."""
    policy = re.sub(r"[\r\n]", "", policy).strip()
    if len(policy) < len("img-src") - 1:
        raise InvalidPolicy(policy)
    parsed: dict[str, set[str]] = {}
    for entry in policy.split(";"):
        words = entry.strip().split()
        if not words:
            continue
        directive, sources = words[0].lower(), [w.lower() for w in words[1:]]
        if directive in parsed:
            if directive in {"report-uri", "report-to"}:
                continue
            raise InvalidPolicy(f"duplicate directive {directive}")
        if not sources and directive.endswith("-src"):
            sources = ["'none'"]
        parsed[directive] = set(sources)
    return parsed


def csp_test(scan: Scan, page: PageParser) -> tuple[Result, dict[str, set[str]] | None]:
    response = scan.auto
    headers = [
        p.strip() for value in response.all("content-security-policy") for p in value.split(",")
    ]
    metas = [
        p.strip()
        for value in page.http_equiv.get("content-security-policy", [])
        for p in value.split(",")
    ]
    policies = [p for p in headers + metas if p]
    if len(policies) > 1:
        raise NotImplementedError("several policies on one response: not modelled")
    if not policies:
        return Result("content-security-policy", "csp-not-implemented", False), None
    try:
        csp = parse_csp(policies[0])
    except InvalidPolicy:
        return Result("content-security-policy", "csp-header-invalid", False), None
    from_header = bool(headers)
    if not from_header:
        csp = {k: v for k, v in csp.items() if k not in META_DISALLOWED}
        if not csp:
            return Result("content-security-policy", "csp-not-implemented", False), None

    star = {"*"}
    frame_ancestors = csp.get("frame-ancestors", star) if from_header else star
    object_src = set(csp.get("object-src") or csp.get("default-src") or star)
    script_src = set(csp.get("script-src") or csp.get("default-src") or star)
    style_src = set(csp.get("style-src") or csp.get("default-src") or star)
    for sources in (script_src, style_src):
        if any(s.startswith(NONCES_HASHES) for s in sources):
            sources.discard("'unsafe-inline'")

    result: str | None = None
    if any(s.startswith(NONCES_HASHES) for s in script_src) and "'strict-dynamic'" in script_src:
        for source in list(script_src):
            broad = any(source.startswith(b) for b in DANGEROUSLY_BROAD)
            if broad or source in {"'self'", "'unsafe-inline'"}:
                script_src.discard(source)
    elif "'strict-dynamic'" in script_src:
        result = "csp-header-invalid"

    active = [
        s for d, v in csp.items() if d not in PASSIVE_DIRECTIVES and d != "script-src" for s in v
    ]
    active += list(script_src)
    passive = [
        s for d in PASSIVE_DIRECTIVES for s in (csp.get(d) or csp.get("default-src") or set())
    ]
    https = urlsplit(response.url).scheme == "https"

    def first(candidate: str) -> None:
        nonlocal result
        if result is None:
            result = candidate

    if script_src & (DANGEROUSLY_BROAD | UNSAFE_INLINE) or object_src & DANGEROUSLY_BROAD:
        first("csp-implemented-with-unsafe-inline")
    if https and any(s.startswith(("http:", "ftp:")) for s in active):
        first("csp-implemented-with-insecure-scheme")
    if "'unsafe-eval'" in script_src | style_src:
        first("csp-implemented-with-unsafe-eval")
    if https and any(s.startswith(("http:", "ftp:")) for s in passive):
        first("csp-implemented-with-insecure-scheme-in-passive-content-only")
    if style_src & (DANGEROUSLY_BROAD | UNSAFE_INLINE):
        first("csp-implemented-with-unsafe-inline-in-style-src-only")
    if csp.get("default-src") == {"'none'"}:
        first("csp-implemented-with-no-unsafe-default-src-none")
    else:
        first("csp-implemented-with-no-unsafe")
    assert result is not None
    passing = {
        "csp-implemented-with-no-unsafe",
        "csp-implemented-with-no-unsafe-default-src-none",
        "csp-implemented-with-unsafe-inline-in-style-src-only",
        "csp-implemented-with-insecure-scheme-in-passive-content-only",
    }
    parsed = dict(csp)
    if not from_header:
        parsed.pop("frame-ancestors", None)
    del frame_ancestors  # kept for fidelity with the original; the XFO test reads `parsed`
    return Result("content-security-policy", result, result in passing), parsed


# --- Cookies --------------------------------------------------------------------------------


@dataclass
class Cookie:
    name: str
    secure: bool
    httponly: bool
    samesite: str | None
    deleted: bool


def parse_cookie(raw: str) -> Cookie:
    parts = [p.strip() for p in raw.split(";")]
    name = parts[0].split("=", 1)[0].strip()
    secure = httponly = deleted = False
    samesite: str | None = None
    for part in parts[1:]:
        key, _, value = part.partition("=")
        key = key.strip().lower()
        if key == "secure":
            secure = True
        elif key == "httponly":
            httponly = True
        elif key == "samesite":
            samesite = value.strip()
        elif key in {"max-age", "expires"}:
            # a deletion (Django's delete_cookie): gone from the jar, so not scored
            expired = key == "expires" and "1970" in value
            deleted = deleted or expired or (key == "max-age" and value.strip() in {"0", "-1"})
    return Cookie(name, secure, httponly, samesite, deleted)


COOKIE_GOODNESS = [
    "cookies-without-secure-flag-but-protected-by-hsts",
    "cookies-without-secure-flag",
    "cookies-session-without-secure-flag-but-protected-by-hsts",
    "cookies-samesite-flag-invalid",
    "cookies-anticsrf-without-samesite-flag",
    "cookies-session-without-httponly-flag",
    "cookies-session-without-secure-flag",
]


def only_if_worse(new: str, current: str | None, goodness: list[str]) -> str:
    if current is None:
        return new
    return new if goodness.index(new) > goodness.index(current) else current


def cookies_test(scan: Scan, hsts_passed: bool) -> Result:
    result: str | None = None
    for raw in scan.cookies:
        for part in raw.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.strip().lower() == "samesite" and value.strip().lower() not in {
                "lax",
                "strict",
                "none",
            }:
                result = only_if_worse("cookies-samesite-flag-invalid", result, COOKIE_GOODNESS)
    cookies = [c for c in map(parse_cookie, scan.cookies) if c.name and not c.deleted]
    if not cookies:
        return Result("cookies", "cookies-not-found", True)
    missing_samesite = False
    for cookie in cookies:
        key = cookie.name.lower()
        session = "login" in key or "sess" in key
        anticsrf = "csrf" in key
        if not cookie.secure and (cookie.samesite or "").lower() == "none":
            result = only_if_worse("cookies-samesite-flag-invalid", result, COOKIE_GOODNESS)
        if not cookie.secure:
            worse = (
                "cookies-without-secure-flag-but-protected-by-hsts"
                if hsts_passed
                else "cookies-without-secure-flag"
            )
            result = only_if_worse(worse, result, COOKIE_GOODNESS)
        if anticsrf and not cookie.samesite:
            result = only_if_worse(
                "cookies-anticsrf-without-samesite-flag", result, COOKIE_GOODNESS
            )
        if session and not cookie.secure:
            worse = (
                "cookies-session-without-secure-flag-but-protected-by-hsts"
                if hsts_passed
                else "cookies-session-without-secure-flag"
            )
            result = only_if_worse(worse, result, COOKIE_GOODNESS)
        if session and not cookie.httponly:
            result = only_if_worse("cookies-session-without-httponly-flag", result, COOKIE_GOODNESS)
        missing_samesite = missing_samesite or not cookie.samesite
    if result is None:
        result = (
            "cookies-secure-with-httponly-sessions"
            if missing_samesite
            else "cookies-secure-with-httponly-sessions-and-samesite"
        )
    passing = {
        "cookies-secure-with-httponly-sessions-and-samesite",
        "cookies-secure-with-httponly-sessions",
    }
    return Result("cookies", result, result in passing)


# --- CORS, redirection, Referrer-Policy, HSTS -----------------------------------------------


def cors_test(scan: Scan) -> Result:
    result = "cross-origin-resource-sharing-not-implemented"
    response = scan.cors
    acao = response.first("access-control-allow-origin") if response else None
    if response is not None and acao:
        data = acao[:256].strip().lower()
        credentials = (response.first("access-control-allow-credentials") or "").strip().lower()
        if data == "*":
            result = "cross-origin-resource-sharing-implemented-with-public-access"
        elif acao == OBSERVATORY_ORIGIN and credentials == "true":
            result = "cross-origin-resource-sharing-implemented-with-universal-access"
        else:
            result = "cross-origin-resource-sharing-implemented-with-restricted-access"
    return Result("cross-origin-resource-sharing", result, not result.endswith("universal-access"))


def redirection_test(scan: Scan) -> Result:
    route = [urlsplit(url) for url in scan.http_route]
    if not route:
        result = "redirection-not-needed-no-http"
    elif len(route) == 1:
        result = "redirection-missing"
    elif route[-1].scheme != "https":
        result = "redirection-not-to-https"
    elif route[1].scheme == "http":
        result = "redirection-not-to-https-on-initial-redirection"
    elif (
        route[0].scheme == "http"
        and route[1].scheme == "https"
        and route[0].hostname != route[1].hostname
    ):
        result = "redirection-off-host-from-http"
    else:
        result = "redirection-to-https"
    return Result(
        "redirection", result, result in {"redirection-to-https", "redirection-not-needed-no-http"}
    )


REFERRER_GOOD = ["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"]
REFERRER_BAD = ["origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade"]


def referrer_policy_test(scan: Scan, page: PageParser) -> Result:
    values = scan.auto.all("referrer-policy") + page.http_equiv.get("referrer-policy", [])
    if not values:
        return Result("referrer-policy", "referrer-policy-not-implemented", True)
    valid = [
        v.strip().lower()
        for v in ", ".join(values).split(",")
        if v.strip().lower() in REFERRER_GOOD + REFERRER_BAD
    ]
    policy = valid[-1] if valid else ""
    if policy in REFERRER_GOOD:
        result = "referrer-policy-private"
    elif policy in REFERRER_BAD:
        result = "referrer-policy-unsafe"
    else:
        result = "referrer-policy-header-invalid"
    return Result("referrer-policy", result, result == "referrer-policy-private")


def hsts_test(scan: Scan) -> Result:
    response = scan.auto
    if urlsplit(response.url).scheme != "https":
        return Result("strict-transport-security", "hsts-not-implemented-no-https", False)
    values = response.all("strict-transport-security")
    result = "hsts-not-implemented"
    if values:
        header = values[0][:1024]
        max_age: int | None = None
        try:
            if "," in header:
                raise ValueError("set twice")
            for parameter in (p.strip().lower() for p in header.split(";")):
                if parameter.startswith("max-age="):
                    max_age = int(parameter[8:128])
            if max_age is None:
                raise ValueError("no max-age")
            result = (
                "hsts-implemented-max-age-less-than-six-months"
                if max_age < SIX_MONTHS
                else "hsts-implemented-max-age-at-least-six-months"
            )
        except ValueError:
            result = "hsts-header-invalid"
    passing = {"hsts-implemented-max-age-at-least-six-months", "hsts-preloaded"}
    return Result("strict-transport-security", result, result in passing)


# --- Subresource integrity ------------------------------------------------------------------

SRI_GOODNESS = [
    "sri-implemented-and-all-scripts-loaded-securely",
    "sri-implemented-and-external-scripts-loaded-securely",
    "sri-implemented-but-external-scripts-not-loaded-securely",
    "sri-not-implemented-but-external-scripts-loaded-securely",
    "sri-not-implemented-and-external-scripts-not-loaded-securely",
    "sri-not-implemented-response-not-html",
]


def registrable_domain(host: str) -> str:
    """The site's "domain" as tldts gives it, without the public suffix list: the last two
    labels (enough for the hosts here: midas.example.com, js.stripe.com, testserver)."""
    return ".".join(host.lower().split(".")[-2:])


def sri_test(scan: Scan, page: PageParser) -> Result:
    response = scan.auto
    if not is_html(response):
        return Result("subresource-integrity", "sri-not-implemented-response-not-html", True)
    site = urlsplit(response.url)
    result: str | None = None
    foreign = False
    for script in page.scripts:
        src = script.get("src")
        if not src:
            continue
        integrity = script.get("integrity")
        relative_protocol = bool(re.match(r"^//[^/]", src))
        relative_origin = same_domain = False
        if relative_protocol:
            same_domain = True
        elif re.match(r"^https?://", src):
            same_domain = registrable_domain(urlsplit(src).hostname or "") == registrable_domain(
                site.hostname or ""
            )
        else:
            relative_origin = same_domain = True
        secure_origin = relative_origin or (same_domain and not relative_protocol)
        foreign = foreign or not secure_origin
        scheme = urlsplit(src).scheme if not relative_protocol and not relative_origin else None
        secure_scheme = scheme == "https" or (relative_origin and site.scheme == "https")
        if not secure_origin:
            if integrity and not secure_scheme:
                worse = "sri-implemented-but-external-scripts-not-loaded-securely"
            elif not integrity and secure_scheme:
                worse = "sri-not-implemented-but-external-scripts-loaded-securely"
            elif not integrity:
                worse = "sri-not-implemented-and-external-scripts-not-loaded-securely"
            else:
                continue
            result = only_if_worse(worse, result, SRI_GOODNESS)
        elif integrity and secure_scheme and result is None:
            result = "sri-implemented-and-all-scripts-loaded-securely"
    if not page.scripts:
        result = "sri-not-implemented-but-no-scripts-loaded"
    elif result is None:
        result = (
            "sri-implemented-and-external-scripts-loaded-securely"
            if foreign
            else "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"
        )
    passing = {
        "sri-implemented-and-all-scripts-loaded-securely",
        "sri-implemented-and-external-scripts-loaded-securely",
        "sri-not-implemented-response-not-html",
        "sri-not-implemented-but-all-scripts-loaded-from-secure-origin",
        "sri-not-implemented-but-no-scripts-loaded",
    }
    return Result("subresource-integrity", result, result in passing)


# --- X-Content-Type-Options, X-Frame-Options, Cross-Origin-Resource-Policy -------------------


def x_content_type_options_test(scan: Scan) -> Result:
    header = scan.auto.first("x-content-type-options")
    if header is None:
        result = "x-content-type-options-not-implemented"
    elif header[:256].strip().lower() == "nosniff":
        result = "x-content-type-options-nosniff"
    else:
        result = "x-content-type-options-header-invalid"
    return Result("x-content-type-options", result, result == "x-content-type-options-nosniff")


def x_frame_options_test(scan: Scan, csp: dict[str, set[str]] | None) -> Result:
    header = scan.auto.first("x-frame-options")
    if header:
        xfo = header[:1024].strip().lower()
        if xfo in {"deny", "sameorigin"}:
            result = "x-frame-options-sameorigin-or-deny"
        elif xfo.startswith("allow-from"):
            result = "x-frame-options-allow-from-origin"
        else:
            result = "x-frame-options-header-invalid"
    else:
        result = "x-frame-options-not-implemented"
    if csp and "frame-ancestors" in csp:
        result = "x-frame-options-implemented-via-csp"
    passing = {
        "x-frame-options-allow-from-origin",
        "x-frame-options-sameorigin-or-deny",
        "x-frame-options-implemented-via-csp",
    }
    return Result("x-frame-options", result, result in passing)


def corp_test(scan: Scan, page: PageParser) -> Result:
    header = scan.auto.first("cross-origin-resource-policy")
    metas = page.http_equiv.get("cross-origin-resource-policy", [])
    value = header if header else (metas[-1] if metas else None)
    result = "cross-origin-resource-policy-not-implemented"
    if value:
        result = {
            "same-site": "cross-origin-resource-policy-implemented-with-same-site",
            "same-origin": "cross-origin-resource-policy-implemented-with-same-origin",
            "cross-origin": "cross-origin-resource-policy-implemented-with-cross-origin",
        }.get(value[:256].strip().lower(), "cross-origin-resource-policy-header-invalid")
    return Result("cross-origin-resource-policy", result, not result.endswith("header-invalid"))


# --- the grade ------------------------------------------------------------------------------


def grade(score: int) -> str:
    score = max(score, 0)
    rounded = min(score - score % 5, 100)
    return next(letter for floor, letter in GRADES if rounded >= floor)


def score(scan: Scan) -> Report:
    page = parse_page(scan.auto)
    csp_result, csp = csp_test(scan, page)
    hsts = hsts_test(scan)
    results = [
        csp_result,
        cookies_test(scan, hsts.passed),
        cors_test(scan),
        redirection_test(scan),
        referrer_policy_test(scan, page),
        hsts,
        sri_test(scan, page),
        x_content_type_options_test(scan),
        x_frame_options_test(scan, csp),
        corp_test(scan, page),
    ]
    with_extra_credit = 100 + sum(r.modifier for r in results)
    uncurved = 100 + sum(r.modifier for r in results if r.modifier < 0)
    total = with_extra_credit if uncurved >= MINIMUM_SCORE_FOR_EXTRA_CREDIT else uncurved
    total = max(total, 0)
    return Report(total, grade(total), results)
