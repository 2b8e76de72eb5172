"""Photos in an S3-compatible bucket (django-storages), against moto's S3 server."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from midas.catalog.photos.services import photo_delete, photo_upload
from tests.backups.conftest import aws_environment, start_s3_server
from tests.catalog.photos.conftest import picture
from tests.factories import make_asset

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = start_s3_server()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    """A fresh bucket, and the photos storage on it as settings.py makes it from
    PHOTOS_S3_BUCKET / _ENDPOINT_URL / _REGION / _PATH_STYLE."""
    import boto3

    aws_environment(monkeypatch)
    name = f"midas-photos-{secrets.token_hex(4)}"
    client = boto3.session.Session().client("s3", endpoint_url=s3_endpoint, region_name="eu-west-1")
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    settings.STORAGES = {
        **settings.STORAGES,
        "photos": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_endpoint,
                "region_name": "eu-west-1",
                "addressing_style": "path",
                "custom_domain": None,
                "querystring_auth": False,
                "file_overwrite": False,
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            },
        },
    }
    return client, name


def keys(client, name: str) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=name).get("Contents", [])}


def test_photos_live_in_the_bucket_and_pages_link_to_it(client, bucket):
    s3, name = bucket
    asset = make_asset("cars", slug="chiron")
    photo = photo_upload(asset=asset, data=picture(1000, 700), alt="Chiron")
    stored = keys(s3, name)
    assert photo.original.name in stored
    assert {v["name"] for v in photo.variants} <= stored
    head = s3.head_object(Bucket=name, Key=photo.variants[0]["name"])
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    assert head["ContentType"] == "image/avif"

    html = client.get(asset.get_absolute_url()).content.decode()
    assert photo.url in html and photo.url.startswith("http://127.0.0.1:")
    assert f"/{name}/v/" in photo.url and "Signature" not in photo.url

    photo_delete(photo=photo)
    assert keys(s3, name) == set()
