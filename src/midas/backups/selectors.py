"""Reads of the backups for monitoring: how old the newest verified backup is, and whether the
newest verification failed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from midas.backups.manifest import all_manifests


@dataclass(frozen=True)
class VerifiedState:
    age_seconds: float | None  # since the newest passing verification; None: never verified
    failed: bool  # the newest backup's latest verification failed


def verified_state(now: dt.datetime) -> VerifiedState:
    manifests = all_manifests()  # newest first
    passed = [dt.datetime.fromisoformat(m.verified_at) for m in manifests if m.verified_at]
    age = (now - max(passed)).total_seconds() if passed else None
    return VerifiedState(age_seconds=age, failed=bool(manifests) and manifests[0].verify_failed)
