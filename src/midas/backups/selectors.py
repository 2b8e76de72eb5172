"""Reads of the backups: for monitoring (how old the newest verified backup is, whether the
newest verification or off-site copy failed), and the listing ``midas backup list`` shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from midas.backups import offsite
from midas.backups.manifest import Manifest, all_manifests


@dataclass(frozen=True)
class VerifiedState:
    age_seconds: float | None  # since the newest passing verification; None: never verified
    failed: bool  # the newest backup's latest verification failed
    offsite_failed: bool = False  # the newest backup's latest off-site copy or check failed


def verified_state(now: dt.datetime) -> VerifiedState:
    manifests = all_manifests()  # newest first
    passed = [dt.datetime.fromisoformat(m.verified_at) for m in manifests if m.verified_at]
    age = (now - max(passed)).total_seconds() if passed else None
    return VerifiedState(
        age_seconds=age,
        failed=bool(manifests) and manifests[0].verify_failed,
        offsite_failed=bool(manifests) and manifests[0].offsite_failed,
    )


@dataclass(frozen=True)
class Listed:
    manifest: Manifest
    local: bool  # the dump is in BACKUP_DIR
    offsite: bool | None  # the dump and manifest are in S3; None: not known (not asked)


@dataclass
class Listing:
    backups: list[Listed] = field(default_factory=list)  # newest first
    offsite_problem: str = ""  # S3 could not be listed (the local backups still are)


def listing() -> Listing:
    """Every backup here and, when ``BACKUP_S3_URL`` is set, in S3 (some may be only there)."""
    local = all_manifests()
    result = Listing()
    names: set[str] | None = None
    remote: list[Manifest] = []
    if offsite.configured():
        try:
            names, remote = offsite.catalogue({m.id for m in local})
        except Exception as exc:  # say it beside the local list, which stands on its own
            result.offsite_problem = f"listing S3 failed: {offsite.describe(exc)}"
    for manifest in sorted(local + remote, key=lambda m: (m.created_at, m.id), reverse=True):
        result.backups.append(
            Listed(
                manifest=manifest,
                local=manifest.dump_path().is_file(),
                offsite=None
                if names is None
                else {manifest.dump_file, f"{manifest.id}.json"} <= names,
            )
        )
    return result
