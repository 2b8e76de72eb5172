"""Typed readers for environment variables, and the paths Midas keeps its local state in.

Settings are read through these helpers so every variable has one parser, one default and
one place it is documented (docs/configuration.md).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    """A setting is missing or malformed."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    chosen = env_optional_bool(name)
    return default if chosen is None else chosen


def env_optional_bool(name: str) -> bool | None:
    """A tri-state boolean: ``None`` when the variable is unset or empty (the code decides)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_fx_rates(name: str, default: str = "") -> dict[str, str]:
    """Exchange rates into one currency: ``CODE=rate`` pairs, comma-separated, e.g.
    ``AED=0.2723,EUR=1.08`` (1 AED = 0.2723 of the other). Codes are upper-cased; a rate is
    kept as its decimal text (exact), and must be a positive number."""
    from decimal import Decimal, InvalidOperation

    raw = os.environ.get(name)
    text = default if raw is None or raw.strip() == "" else raw
    rates: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        code, _, rate = item.partition("=")
        code, rate = code.strip().upper(), rate.strip()
        try:
            valid = len(code) == 3 and code.isalpha() and Decimal(rate) > 0
        except InvalidOperation:
            valid = False
        if not valid:
            raise ConfigError(f"{name} must be CODE=rate pairs (AED=0.2723,...), got {item!r}")
        rates[code] = rate
    return rates


def env_rate_limits(name: str) -> dict[str, tuple[int, int]]:
    """Per-scope rate limit overrides: ``scope=limit/seconds`` pairs, comma-separated, e.g.
    ``login=20/60,booking_create=5/60``. Unset or empty: no override."""
    limits: dict[str, tuple[int, int]] = {}
    for item in env_list(name, []):
        scope, _, rule = item.partition("=")
        limit, _, window = rule.partition("/")
        try:
            pair = (int(limit), int(window))
        except ValueError:
            pair = (0, 0)
        if not scope.strip() or min(pair) <= 0:
            raise ConfigError(
                f"{name} must be scope=limit/seconds pairs (login=20/60,...), got {item!r}"
            )
        limits[scope.strip()] = pair
    return limits


def var_dir_path() -> Path:
    """Where local state lives (``MIDAS_VAR_DIR``, else ``./var``), without creating it."""
    return Path(env_str("MIDAS_VAR_DIR") or Path.cwd() / "var").resolve()


def var_dir() -> Path:
    """Where local state lives: the SQLite file, the dev secret key, collected static files."""
    path = var_dir_path()
    path.mkdir(parents=True, exist_ok=True)
    return path


def development_secret_key(directory: Path) -> str:
    """A per-checkout key, generated once and kept (mode 0600) under ./var/."""
    key_file = directory / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race; use its key
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
