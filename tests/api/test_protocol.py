"""The API's edges: unknown paths, methods, crashes, the OpenAPI schema and the docs page."""

from __future__ import annotations

import json
import logging

import pytest
from django.conf import settings
from django.test import Client, override_settings

from midas.api import selectors
from tests.api.conftest import Catalogue

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/locations": {"get"},
    "/api/v1/categories": {"get"},
    "/api/v1/assets": {"get"},
    "/api/v1/assets/{slug}": {"get"},
    "/api/v1/assets/{slug}/availability": {"get"},
    "/api/v1/quotes": {"post"},
    "/api/v1/auth/register": {"post"},
    "/api/v1/auth/token": {"post", "delete"},
    "/api/v1/me": {"get"},
}


def test_index_points_at_the_schema(client):
    response = client.get("/api/v1/")
    assert response.status_code == 200
    assert response.json()["openapi"] == "/api/v1/openapi.json"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nope",
        "/api/v1/assets/",
        "/api/v1/assets/a/b/c",
        "/api/v1/assets/%00",
        "/api/v1/assets/a%0Ab",  # a newline: the catch-all took it for no path of ours
    ],
)
def test_unknown_paths_are_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_posting_to_an_unknown_path_is_404_not_a_csrf_page():
    response = Client(enforce_csrf_checks=True).post("/api/v1/nope", {})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_quotes_need_no_csrf_token(catalogue: Catalogue):
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/quotes", "{}", content_type="application/json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_wrong_methods_are_json_405(client, catalogue: Catalogue, method):
    response = getattr(client, method)("/api/v1/assets/aventador")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response.json()["code"] == "method_not_allowed"


def test_a_crash_is_a_json_500_and_is_logged(client, monkeypatch, caplog):
    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "catalogue_assets", explode)
    with caplog.at_level(logging.ERROR, logger="midas.api"):
        response = client.get("/api/v1/assets")
    assert response.status_code == 500
    assert response.json() == {
        "code": "internal_error",
        "message": "something went wrong on our side",
    }
    assert "boom" in caplog.text


def test_openapi_schema_lists_every_path(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Midas API"
    documented = {path: set(ops) for path, ops in schema["paths"].items()}
    for path, operations in PATHS.items():  # later domains add their own paths
        assert operations <= documented.get(path, set()), path
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            assert any(code.startswith("2") for code in operation["responses"]), path
            assert operation["operationId"]
    quote = schema["paths"]["/api/v1/quotes"]["post"]
    assert quote["requestBody"]["content"]["application/json"]["schema"]
    (filters,) = schema["paths"]["/api/v1/assets"]["get"]["parameters"]  # one exploded object
    assert (filters["in"], filters["style"], filters["explode"]) == ("query", "form", True)
    assert filters["schema"]["dependentRequired"] == {"start": ["end"], "end": ["start"]}
    params = set(filters["schema"]["properties"])
    assert params == {
        "q",
        "category",
        "make",
        "subcategory",
        "guests",
        "currency",
        "city",
        "start",
        "end",
        "price_min",
        "price_max",
        "sort",
        "limit",
        "offset",
    }


def test_openapi_schema_refs_all_resolve(client):
    schema = client.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    refs = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in components, ref
    json.dumps(schema)  # serialisable as it is


def test_docs_page_never_falls_back_to_a_cdn(client):
    without_ninja = [app for app in settings.INSTALLED_APPS if app != "ninja"]
    with override_settings(INSTALLED_APPS=without_ninja):
        response = client.get("/api/v1/docs")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_docs_page_is_served_from_local_static_files(client):
    assert "ninja" in settings.INSTALLED_APPS
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "://" not in html  # no third-party host, not even the validator badge
    assert '"validatorUrl": null' in html


def test_an_oversized_body_is_a_json_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"asset": "aventador", "start": "x" * 2000, "end": "y"})
    response = client.post("/api/v1/quotes", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_too_many_query_fields_is_a_json_400(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    query = "&".join(f"f{n}=1" for n in range(20))
    response = client.get(f"/api/v1/assets?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"


# --- Bodies that are not JSON objects (issue 10) ----------------------------------------------

NOT_OBJECTS = ["[null, null]", '"x"', "3", "null", "true", "[]", '[{"reason": "x"}]']


def operations_with_a_body(client) -> list[str]:
    schema = client.get("/api/v1/openapi.json").json()
    return [
        path
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method == "post" and "requestBody" in operation
    ]


def test_a_body_that_is_not_an_object_is_refused_everywhere_and_writes_nothing(
    client, catalogue: Catalogue
):
    from midas.accounts.authentication import api_token_issue
    from midas.accounts.models import ApiToken, User
    from midas.bookings.models import Booking
    from midas.notifications.models import OutboxMessage
    from tests.factories import make_booking, make_driver

    driver = make_driver()
    booking = make_booking(customer=driver, asset=catalogue.car)
    _, secret = api_token_issue(user=driver, name="t")
    counts = {model: model.objects.count() for model in (Booking, User, ApiToken, OutboxMessage)}
    paths = operations_with_a_body(client)
    assert "/api/v1/bookings/{ref}/cancel" in paths and len(paths) >= 5
    for path in paths:
        for body in NOT_OBJECTS:
            response = client.post(
                path.replace("{ref}", booking.reference),
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {secret}",
            )
            assert response.status_code == 400, (path, body, response.content)
            assert response.json() == {
                "code": "invalid_input",
                "message": "the request body must be a JSON object ({...})",
            }, (path, body)
    booking.refresh_from_db()
    assert booking.status == "held"
    assert {model: model.objects.count() for model in counts} == counts


def test_cancel_without_a_body_still_cancels(client, catalogue: Catalogue):
    from midas.accounts.authentication import api_token_issue
    from tests.factories import make_booking, make_driver

    driver = make_driver()
    booking = make_booking(customer=driver, asset=catalogue.car)
    _, secret = api_token_issue(user=driver, name="t")
    response = client.post(
        f"/api/v1/bookings/{booking.reference}/cancel",
        "",  # no body at all
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 200, response.content
    assert response.json()["booking"]["status"] == "cancelled"
