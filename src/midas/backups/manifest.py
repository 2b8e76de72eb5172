"""Backup manifests: one JSON file beside each dump, the only record of a backup.

``<BACKUP_DIR>/<id>.json`` describes ``<BACKUP_DIR>/<id>.<ext>``: when it was taken, by which
release, from which database vendor, the dump's sha256, the row count and a content checksum
of every table, and the sentinel token. ``verify`` adds ``verified_at`` on success; the
copy to S3 (when ``BACKUP_S3_URL`` is set) adds ``offsite_at``, or ``offsite_failed_at``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import hashlib
import json
import os
import secrets
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings


class BackupError(RuntimeError):
    """A backup, verification, restore or prune could not be done."""


@dataclasses.dataclass
class TableState:
    rows: int
    checksum: str


@dataclasses.dataclass
class Manifest:
    id: str
    created_at: str  # ISO 8601, UTC
    kind: str  # manual, daily, pre-migrate, safety
    vendor: str  # sqlite, postgresql
    dump_file: str  # name inside the backup directory
    sha256: str
    size: int
    release: dict[str, str]
    sentinel: str
    tables: dict[str, TableState]
    verified_at: str | None = None
    verify_failed_at: str | None = None  # the last verification that failed, if after a pass
    verify_problems: list[str] = dataclasses.field(default_factory=list)
    offsite_at: str | None = None  # when the dump and this manifest were copied to S3
    offsite_checked_at: str | None = None  # when a verify last found the S3 copy whole
    offsite_failed_at: str | None = None  # the last copy or check that failed, until one passes
    offsite_problem: str = ""
    format: int = 1

    @property
    def verify_failed(self) -> bool:
        """Its latest verification failed (a later pass clears it)."""
        return self.verify_failed_at is not None

    @property
    def offsite_failed(self) -> bool:
        """Its latest off-site copy or check failed (a later success clears it)."""
        return self.offsite_failed_at is not None

    @property
    def created(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.created_at)

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables.values())

    def dump_path(self, directory: Path | None = None) -> Path:
        return (directory or backup_dir()) / self.dump_file

    def manifest_path(self, directory: Path | None = None) -> Path:
        return (directory or backup_dir()) / f"{self.id}.json"

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        tables = {name: TableState(**state) for name, state in data.pop("tables").items()}
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(tables=tables, **{k: v for k, v in data.items() if k in known})

    def save(self, directory: Path | None = None) -> None:
        """Write atomically: a reader sees the old manifest or the new one, never half."""
        path = self.manifest_path(directory)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(self.to_json(), encoding="utf-8")
        tmp.chmod(0o600)
        os.replace(tmp, path)


def backup_dir() -> Path:
    path = Path(settings.BACKUP_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)  # dumps hold customer data
    return path


def new_backup_id(now: dt.datetime) -> str:
    return f"{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def valid_name(name: str) -> bool:
    """A file name inside the backup directory: never a path, never hidden."""
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")


def load(backup_id: str, directory: Path | None = None) -> Manifest:
    if not valid_name(backup_id):
        raise BackupError(f"no such backup: {backup_id!r}")
    path = (directory or backup_dir()) / f"{backup_id}.json"
    if not path.is_file():
        raise BackupError(f"no such backup: {backup_id}")
    return Manifest.from_dict(json.loads(path.read_text(encoding="utf-8")))


def all_manifests(directory: Path | None = None) -> list[Manifest]:
    """Every backup, newest first. A manifest that cannot be read is skipped, not fatal."""
    found = []
    for path in (directory or backup_dir()).glob("*.json"):
        try:
            found.append(Manifest.from_dict(json.loads(path.read_text(encoding="utf-8"))))
        except (ValueError, TypeError, KeyError):
            continue
    return sorted(found, key=lambda m: (m.created_at, m.id), reverse=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def release_info() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        info = {"version": version("midas")}
    except PackageNotFoundError:
        info = {"version": "unknown"}
    sha = os.environ.get("MIDAS_GIT_SHA", "")
    if not sha:
        try:
            done = subprocess.run(
                ["git", "rev-parse", "HEAD"],
                cwd=Path(__file__).resolve().parent,
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
            sha = done.stdout.strip() if done.returncode == 0 else ""
        except (OSError, subprocess.SubprocessError):
            sha = ""
    if sha:
        info["git_sha"] = sha
    return info


_held = threading.local()


@contextmanager
def backup_lock(directory: Path | None = None) -> Iterator[None]:
    """One backup operation at a time on this machine (create, restore, prune); re-entrant
    within a thread, so a restore can take its safety backup under the same lock."""
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    path = (directory or backup_dir()) / ".lock"
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
            fcntl.flock(fh, fcntl.LOCK_UN)
