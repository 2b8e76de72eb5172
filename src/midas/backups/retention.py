"""The retention policy: which backups ``prune`` keeps (a pure function, easy to test).

Like restic's ``--keep-daily/--keep-weekly/--keep-monthly``: walking from the newest backup
back, the newest backup of each of the last N distinct days is kept, likewise for the last N
ISO weeks and the last N months. A backup kept by any rule stays. The newest verified backup
always stays, whatever the policy says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from midas.backups.manifest import Manifest


@dataclass(frozen=True)
class Policy:
    daily: int = 7
    weekly: int = 4
    monthly: int = 12


def _bucket_keepers(
    newest_first: list[Manifest], count: int, bucket: Callable[[Manifest], object]
) -> set[str]:
    kept: set[str] = set()
    seen: set[object] = set()
    for manifest in newest_first:
        if len(seen) >= count:
            break
        key = bucket(manifest)
        if key not in seen:
            seen.add(key)
            kept.add(manifest.id)
    return kept


def kept_ids(manifests: Iterable[Manifest], policy: Policy) -> set[str]:
    newest_first = sorted(manifests, key=lambda m: (m.created_at, m.id), reverse=True)
    kept = _bucket_keepers(newest_first, policy.daily, lambda m: m.created.date())
    kept |= _bucket_keepers(newest_first, policy.weekly, lambda m: m.created.isocalendar()[:2])
    kept |= _bucket_keepers(
        newest_first, policy.monthly, lambda m: (m.created.year, m.created.month)
    )
    verified = [m for m in newest_first if m.verified_at]
    if verified:
        kept.add(verified[0].id)
    return kept
