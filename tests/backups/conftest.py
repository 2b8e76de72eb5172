from __future__ import annotations

import logging
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import override_settings

# Test credentials the code under test must never write anywhere (logs, manifests, `list`).
ACCESS_KEY_ID = "AKIAMIDASTESTKEY0001"
SECRET_ACCESS_KEY = "midas-test-secret-do-not-log-7f3a9c"
SESSION_TOKEN = "midas-test-session-token-do-not-log-91b2"


@pytest.fixture
def backup_dir(tmp_path):
    """Each test keeps its backups in a directory of its own."""
    directory = tmp_path / "backups"
    with override_settings(BACKUP_DIR=directory):
        yield directory


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_s3_server() -> Any:
    """A real S3-compatible HTTP server (moto's, in a thread) on a free loopback port."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    return server


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """One S3 server for the session (each xdist worker its own); yields its endpoint URL."""
    server = start_s3_server()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class S3:
    endpoint: str
    bucket: str
    prefix: str
    client: Any

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}"

    def names(self) -> set[str]:
        listed = self.client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix + "/")
        return {item["Key"].removeprefix(self.prefix + "/") for item in listed.get("Contents", [])}


def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials in the standard variables, and no ~/.aws or instance metadata to find."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def s3_at(endpoint: str) -> S3:
    import boto3

    bucket = f"midas-backups-{secrets.token_hex(4)}"
    client = boto3.session.Session().client("s3", endpoint_url=endpoint, region_name="eu-west-1")
    client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    return S3(endpoint=endpoint, bucket=bucket, prefix="prod/db", client=client)


def offsite_settings(s3: S3) -> Any:
    return override_settings(
        BACKUP_S3_URL=f"s3://{s3.bucket}/{s3.prefix}",
        BACKUP_S3_ENDPOINT_URL=s3.endpoint,
        BACKUP_S3_REGION="eu-west-1",
        BACKUP_S3_PATH_STYLE=True,
    )


@pytest.fixture
def s3(s3_server, backup_dir, monkeypatch) -> Iterator[S3]:
    """Off-site copies on: a fresh bucket on the session's S3 server, BACKUP_S3_* at it."""
    aws_environment(monkeypatch)
    store = s3_at(s3_server)
    with offsite_settings(store):
        yield store
