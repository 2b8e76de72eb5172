"""Reads of the launch's feature flags: every flag with its state for the console and the
CLI, the states a snapshot keeps, and the newest good snapshot (the one a rollback
restores)."""

from __future__ import annotations

from dataclasses import dataclass

from midas.flags.models import Flag, FlagState
from midas.flags.registry import REGISTRY
from midas.launch.models import FlagSnapshot


@dataclass(frozen=True)
class FlagRow:
    key: str
    description: str
    state: str
    percent: int
    known: bool  # declared in code
    row: Flag | None  # None: never changed, the default applies

    @property
    def state_label(self) -> str:
        label = FlagState(self.state).label
        return f"{label} ({self.percent}%)" if self.state == FlagState.PERCENT else label


def flags_list() -> list[FlagRow]:
    """Every flag, declared or added as a row, from the database (for the console/CLI)."""
    rows = {f.key: f for f in Flag.objects.select_related("changed_by")}
    out = []
    for key in sorted(set(REGISTRY) | set(rows)):
        spec, row = REGISTRY.get(key), rows.get(key)
        out.append(
            FlagRow(
                key=key,
                description=(row.description if row and row.description else "")
                or (spec.description if spec else ""),
                state=row.state if row else spec.default,
                percent=row.percent if row else spec.percent,
                known=spec is not None,
                row=row,
            )
        )
    return out


def current_states() -> dict[str, dict[str, object]]:
    return {f.key: {"state": f.state, "percent": f.percent} for f in flags_list()}


def last_good_snapshot() -> FlagSnapshot | None:
    return FlagSnapshot.objects.filter(good=True).first()
