"""Off-site copies: the dumps and manifests in S3-compatible storage (AWS S3, MinIO, R2, ...).

``BACKUP_S3_URL`` (``s3://bucket/prefix``) names where; the objects are laid out as in
``BACKUP_DIR``: ``<prefix>/<id>.<ext>`` (the dump, with its sha256 as the object's metadata)
and ``<prefix>/<id>.json`` (the manifest, written after its dump). Credentials come from
boto3's own chain (``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``, an
instance role) and never pass through Midas' settings, logs or manifests.

Plain input and output only: what to copy when, and what a failure means, is decided in
``services.py``.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from midas.backups.manifest import BackupError, Manifest, valid_name

MB = 1024 * 1024
MULTIPART_THRESHOLD = 16 * MB  # larger files go up (and down) in parts, several at a time
MULTIPART_CHUNKSIZE = 16 * MB
CONNECT_TIMEOUT = 10  # seconds
READ_TIMEOUT = 60
MAX_ATTEMPTS = 3  # botocore's "standard" retry mode: throttling, 5xx and connection errors
USERINFO = re.compile(r"(://)[^/@\s]+@")  # user:password@ in a URL an error quotes


@dataclass(frozen=True)
class Location:
    bucket: str
    prefix: str  # "" or ending in "/"

    def key(self, name: str) -> str:
        return self.prefix + name

    def url(self, name: str = "") -> str:
        return f"s3://{self.bucket}/{self.key(name)}"


@dataclass(frozen=True)
class DumpObject:
    """What S3 says about a dump object."""

    size: int
    sha256: str  # as recorded with the object at upload ("" when absent)
    server_sha256: str  # S3's own SHA-256 of a single-part upload, hex ("" when not given)

    def problems(self, manifest: Manifest) -> list[str]:
        found = []
        if self.size != manifest.size:
            found.append(f"size {self.size}, manifest says {manifest.size}")
        if self.sha256 != manifest.sha256:
            found.append("the sha256 recorded with the object differs from the manifest's")
        if self.server_sha256 and self.server_sha256 != manifest.sha256:
            found.append("S3's own sha256 of the object differs from the manifest's")
        return found


def configured() -> bool:
    return bool(settings.BACKUP_S3_URL)


def location() -> Location:
    parts = urlsplit(settings.BACKUP_S3_URL)
    if parts.scheme != "s3" or not parts.hostname or parts.query or parts.fragment:
        raise BackupError("BACKUP_S3_URL must look like s3://bucket/prefix")
    if "@" in parts.netloc:
        raise BackupError(
            "BACKUP_S3_URL must not hold credentials: use AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or an instance role)"
        )
    prefix = parts.path.strip("/")
    return Location(bucket=parts.netloc, prefix=f"{prefix}/" if prefix else "")


def errors() -> tuple[type[BaseException], ...]:
    """What a call to S3 raises when S3 (or the way to it) fails."""
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError, Boto3Error, OSError)


def describe(exc: BaseException) -> str:
    """One line saying why a call failed, with nothing secret in it."""
    from botocore.exceptions import ClientError, NoCredentialsError, PartialCredentialsError

    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        text = (
            "no usable AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
            "AWS_PROFILE, or use an instance role)"
        )
    elif isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        text = f"{error.get('Code', 'error')}: {error.get('Message', '')}".strip()
        text += f" ({exc.operation_name})"
    else:
        text = str(exc) or type(exc).__name__
    return USERINFO.sub(r"\1***@", " ".join(text.split()))[:400]


def client() -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=settings.BACKUP_S3_ENDPOINT_URL or None,
        region_name=settings.BACKUP_S3_REGION or None,
        config=Config(
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
            retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
            s3={"addressing_style": "path" if settings.BACKUP_S3_PATH_STYLE else "auto"},
        ),
    )


def _transfer() -> Any:
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(
        multipart_threshold=MULTIPART_THRESHOLD, multipart_chunksize=MULTIPART_CHUNKSIZE
    )


def _not_found(exc: BaseException) -> bool:
    from botocore.exceptions import ClientError

    return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in {
        "404",
        "NoSuchKey",
        "NotFound",
    }


def put_dump(manifest: Manifest, path: Path, s3: Any = None) -> DumpObject:
    """Upload the dump (in parts when large), its sha256 recorded with it; return what S3
    then says about it. S3 checks a SHA-256 of every request's body (``ChecksumAlgorithm``);
    a single-part upload also carries the manifest's sha256 of the whole file, which S3
    refuses the upload for if the bytes it got differ."""
    s3 = s3 or client()
    where = location()
    extra: dict[str, Any] = {
        "ChecksumAlgorithm": "SHA256",
        "Metadata": {"sha256": manifest.sha256, "backup-id": manifest.id},
        "ContentType": "application/octet-stream",
    }
    if manifest.size < MULTIPART_THRESHOLD:
        extra["ChecksumSHA256"] = base64.b64encode(bytes.fromhex(manifest.sha256)).decode()
    s3.upload_file(
        str(path), where.bucket, where.key(manifest.dump_file), ExtraArgs=extra, Config=_transfer()
    )
    found = stat_dump(manifest, s3)
    if found is None:
        raise BackupError(f"{where.url(manifest.dump_file)} is missing right after its upload")
    return found


def put_manifest(manifest: Manifest, s3: Any = None) -> None:
    where = location()
    (s3 or client()).put_object(
        Bucket=where.bucket,
        Key=where.key(f"{manifest.id}.json"),
        Body=manifest.to_json().encode(),
        ContentType="application/json",
        ChecksumAlgorithm="SHA256",
    )


def stat_dump(manifest: Manifest, s3: Any = None) -> DumpObject | None:
    """The dump object's size and checksums; None when there is no such object."""
    where = location()
    try:
        head = (s3 or client()).head_object(
            Bucket=where.bucket, Key=where.key(manifest.dump_file), ChecksumMode="ENABLED"
        )
    except errors() as exc:
        if _not_found(exc):
            return None
        raise
    server = head.get("ChecksumSHA256") or ""
    whole = server and manifest.size < MULTIPART_THRESHOLD and "-" not in server
    return DumpObject(
        size=int(head.get("ContentLength", -1)),
        sha256=(head.get("Metadata") or {}).get("sha256", ""),
        server_sha256=base64.b64decode(server).hex() if whole else "",
    )


def get_manifest(backup_id: str, s3: Any = None) -> Manifest | None:
    """The manifest kept off-site; None when there is none."""
    where = location()
    try:
        body = (s3 or client()).get_object(Bucket=where.bucket, Key=where.key(f"{backup_id}.json"))
    except errors() as exc:
        if _not_found(exc):
            return None
        raise
    try:
        manifest = Manifest.from_dict(json.loads(body["Body"].read().decode("utf-8")))
    except (ValueError, TypeError, KeyError) as exc:
        raise BackupError(f"{where.url(backup_id + '.json')} is not a readable manifest") from exc
    if manifest.id != backup_id or not (
        valid_name(manifest.dump_file) and manifest.dump_file.startswith(f"{backup_id}.")
    ):
        raise BackupError(f"{where.url(backup_id + '.json')} names another backup or file")
    return manifest


def get_dump(manifest: Manifest, target: Path, s3: Any = None) -> None:
    where = location()
    (s3 or client()).download_file(
        where.bucket, where.key(manifest.dump_file), str(target), Config=_transfer()
    )


def names(s3: Any = None) -> set[str]:
    """The names of the objects directly under the prefix."""
    where = location()
    pages = (
        (s3 or client())
        .get_paginator("list_objects_v2")
        .paginate(Bucket=where.bucket, Prefix=where.prefix, Delimiter="/")
    )
    return {item["Key"][len(where.prefix) :] for page in pages for item in page.get("Contents", [])}


def catalogue(known: set[str], s3: Any = None) -> tuple[set[str], list[Manifest]]:
    """The names under the prefix, and the manifests of the backups kept there whose ids are
    not in ``known`` (an unreadable one is skipped, as locally)."""
    s3 = s3 or client()
    found = names(s3)
    others = []
    for name in sorted(found):
        backup_id = name.removesuffix(".json")
        if name.endswith(".json") and valid_name(backup_id) and backup_id not in known:
            try:
                manifest = get_manifest(backup_id, s3)
            except BackupError:
                continue
            if manifest is not None:
                others.append(manifest)
    return found, others


def delete(manifests: list[Manifest], s3: Any = None) -> None:
    """Delete the dumps and manifests of these backups (absent objects are no error)."""
    where = location()
    keys = [where.key(n) for m in manifests for n in (m.dump_file, f"{m.id}.json")]
    s3 = s3 or client()
    for start in range(0, len(keys), 1000):  # DeleteObjects takes 1000 keys at most
        done = s3.delete_objects(
            Bucket=where.bucket,
            Delete={"Objects": [{"Key": k} for k in keys[start : start + 1000]], "Quiet": True},
        )
        failed = done.get("Errors") or []
        if failed:
            first = failed[0]
            raise BackupError(
                f"{len(failed)} objects not deleted, e.g. {first.get('Key')}: "
                f"{first.get('Code')} {first.get('Message', '')}".strip()
            )
