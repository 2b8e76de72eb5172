"""Brotli and gzip for text responses (midas.core.compression): negotiated, never on a
stream, a tiny body or an already compressed type, always with Vary: Accept-Encoding."""

from __future__ import annotations

import gzip

import brotli
import pytest
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory

from midas.core.compression import CompressionMiddleware, accepted_codings

HTML = ("<p>" + "A quiet room on four wheels, delivered to your door. " * 40 + "</p>").encode()


def run(view, accept: str | None) -> HttpResponse:
    extra = {} if accept is None else {"HTTP_ACCEPT_ENCODING": accept}
    request = RequestFactory().get("/", **extra)
    return CompressionMiddleware(view)(request)


def html_view(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(HTML, content_type="text/html; charset=utf-8")
    response["ETag"] = '"abc"'
    return response


def vary(response: HttpResponse) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("gzip, deflate, br", "br"),
        ("br", "br"),
        ("gzip", "gzip"),
        ("gzip, br;q=0", "gzip"),
        ("*", "br"),
        (None, None),
        ("identity", None),
        ("gzip;q=0, br;q=0", None),
    ],
)
def test_brotli_where_the_client_asks_else_gzip_else_identity(accept, coding):
    response = run(html_view, accept)
    assert "accept-encoding" in vary(response)
    assert response.get("Content-Encoding") == coding
    if coding == "br":
        assert brotli.decompress(response.content) == HTML
    elif coding == "gzip":
        assert gzip.decompress(response.content) == HTML
    else:
        assert response.content == HTML
    if coding is not None:
        assert int(response["Content-Length"]) == len(response.content)
    # a compressed body never keeps the identity body's strong ETag
    assert response["ETag"] == ('"abc"' if coding is None else 'W/"abc"')


def test_json_is_compressed_too():
    def view(request):
        return HttpResponse(
            b'{"items": [' + b'{"a": 1},' * 200 + b"{}]}", content_type="application/json"
        )

    response = run(view, "br")
    assert response["Content-Encoding"] == "br"
    assert "accept-encoding" in vary(response)


def test_a_small_body_is_left_alone_but_still_varies():
    response = run(lambda request: HttpResponse(b"<p>ok</p>"), "gzip, br")
    assert not response.has_header("Content-Encoding")
    assert response.content == b"<p>ok</p>"
    assert "accept-encoding" in vary(response)


def test_an_already_compressed_type_is_left_alone():
    body = bytes(range(256)) * 20

    response = run(lambda request: HttpResponse(body, content_type="image/png"), "gzip, br")
    assert not response.has_header("Content-Encoding")
    assert response.content == body
    assert "accept-encoding" not in vary(response)


def test_server_sent_events_and_file_downloads_are_never_compressed(tmp_path):
    def events(request):
        return StreamingHttpResponse(
            (b"data: %d\n\n" % n for n in range(500)), content_type="text/event-stream"
        )

    response = run(events, "gzip, br")
    assert response.streaming
    assert not response.has_header("Content-Encoding")
    assert b"".join(response.streaming_content).startswith(b"data: 0\n\n")

    text = tmp_path / "list.txt"
    text.write_bytes(HTML)
    download = run(lambda request: FileResponse(text.open("rb"), as_attachment=True), "br")
    assert not download.has_header("Content-Encoding")
    assert b"".join(download.streaming_content) == HTML


def test_an_attachment_is_not_compressed():
    def view(request):
        response = HttpResponse(HTML, content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="bookings.csv"'
        return response

    assert not run(view, "gzip, br").has_header("Content-Encoding")


def test_a_page_with_a_csrf_token_gets_padded_gzip_never_brotli():
    """BREACH: a secret and reflected input in one body. Django's "Heal the BREACH" random
    gzip-header bytes, as in GZipMiddleware; Brotli has no such padding."""

    def form(request):
        token = get_token(request)
        return HttpResponse(HTML + token.encode(), content_type="text/html")

    response = run(form, "gzip, br")
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content).startswith(HTML)
    sizes = {len(run(form, "gzip").content) for _ in range(8)}
    assert len(sizes) > 1  # random padding: the length reveals nothing stable

    assert not run(form, "br").has_header("Content-Encoding")


def test_accept_encoding_parsing():
    assert accepted_codings("gzip;q=1.0, br;q=0.5") == {"gzip", "br"}
    assert accepted_codings("GZIP , BR;Q=0") == {"gzip"}
    assert accepted_codings("br;q=bad, gzip") == {"gzip"}
    assert accepted_codings("") == set()
