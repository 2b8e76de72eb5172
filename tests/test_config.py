"""Settings from the environment: typed readers, the dev secret key, production refusals."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import midas
from midas.config import (
    ConfigError,
    development_secret_key,
    env_bool,
    env_float,
    env_fx_rates,
    env_int,
    env_list,
    env_optional_bool,
    env_rate_limits,
)


def test_typed_readers(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "42")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert env_bool("X_BOOL") is True
    assert env_int("X_INT", 1) == 42
    assert env_list("X_LIST", []) == ["a", "b", "c"]
    assert env_int("X_MISSING", 7) == 7
    monkeypatch.setenv("X_BOOL", "perhaps")
    with pytest.raises(ConfigError, match="X_BOOL"):
        env_bool("X_BOOL")
    monkeypatch.setenv("X_INT", "many")
    with pytest.raises(ConfigError, match="X_INT"):
        env_int("X_INT", 1)


def test_float_tri_state_and_rate_limit_readers(monkeypatch):
    assert env_float("X_MISSING", 99.9) == 99.9
    monkeypatch.setenv("X_FLOAT", "0.25")
    assert env_float("X_FLOAT", 1.0) == 0.25
    monkeypatch.setenv("X_FLOAT", "fast")
    with pytest.raises(ConfigError, match="X_FLOAT"):
        env_float("X_FLOAT", 1.0)
    assert env_optional_bool("X_MISSING") is None
    monkeypatch.setenv("X_TRI", "off")
    assert env_optional_bool("X_TRI") is False
    assert env_rate_limits("X_MISSING") == {}
    monkeypatch.setenv("X_LIMITS", "login=20/60, booking_create=5/3600")
    assert env_rate_limits("X_LIMITS") == {"login": (20, 60), "booking_create": (5, 3600)}
    for bad in ("login=20", "login=0/60", "=1/60", "login=a/b"):
        monkeypatch.setenv("X_LIMITS", bad)
        with pytest.raises(ConfigError, match="X_LIMITS"):
            env_rate_limits("X_LIMITS")


def test_fx_rates_reader(monkeypatch):
    assert env_fx_rates("X_MISSING", "AED=0.2723") == {"AED": "0.2723"}
    monkeypatch.setenv("X_FX", "aed=0.2723, EUR=1.08")
    assert env_fx_rates("X_FX") == {"AED": "0.2723", "EUR": "1.08"}
    for bad in ("AED", "AED=0", "AED=-1", "AEDX=1", "AED=cheap"):
        monkeypatch.setenv("X_FX", bad)
        with pytest.raises(ConfigError, match="X_FX"):
            env_fx_rates("X_FX")


def test_the_development_secret_key_is_generated_once_and_private(tmp_path):
    key = development_secret_key(tmp_path)
    assert len(key) >= 50
    assert development_secret_key(tmp_path) == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def run_check(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    clean.update({"MIDAS_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "midas.settings"})
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "django", "check", *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_check(tmp_path, MIDAS_ENV="production", ALLOWED_HOSTS="midas.example")
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr
    assert not (tmp_path / "secret_key").exists()  # production never generates one


def test_production_refuses_insecure_settings(tmp_path):
    result = run_check(tmp_path, MIDAS_ENV="production", DEBUG="true", SECRET_KEY="short")
    assert result.returncode != 0
    for code in ("midas.E001", "midas.E002", "midas.E003", "midas.E004", "midas.E005"):
        assert code in result.stderr


def test_production_starts_when_configured(tmp_path):
    result = run_check(
        tmp_path,
        MIDAS_ENV="production",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="midas.example",
        ALLOW_SQLITE="true",
        SITE_URL="https://midas.example",
    )
    assert result.returncode == 0, result.stderr


def test_the_documented_production_settings_pass_check_deploy(tmp_path):
    """docs/deploy.md's production settings: `check --deploy` finds nothing to warn about."""
    result = run_check(
        tmp_path,
        "--deploy",
        "--fail-level",
        "WARNING",
        MIDAS_ENV="production",
        SECRET_KEY="Vx9-pQ2_mT7wR4zL8nB1cY6hJ3kF5dS0aG-eU2iO7rW9tX4vZ1qP3mN8bC6jH5lK",
        ALLOWED_HOSTS="midas.example",
        ALLOW_SQLITE="true",
        SITE_URL="https://midas.example",
        EMAIL_URL="smtp://apikey:key@smtp.example:587?tls=1",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_an_unknown_environment_is_refused(tmp_path):
    result = run_check(tmp_path, MIDAS_ENV="staging")
    assert result.returncode != 0
    assert "MIDAS_ENV" in result.stderr


def test_no_setting_is_read_with_a_hidden_default():
    """Every setting is declared in settings.py (so an environment variable sets it): none is
    read with ``getattr(settings, ..., default)``."""
    source = Path(midas.__file__).parent
    found = [
        f"{path.relative_to(source)}:{number}"
        for path in sorted(source.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"getattr\(\s*settings\b", line)
    ]
    assert found == []


def test_only_settings_py_reads_the_environment_for_settings():
    """The typed readers are for settings.py: a module that calls them itself has a setting
    no one declared (the readiness thresholds once did)."""
    source = Path(midas.__file__).parent
    found = [
        f"{path.relative_to(source)}:{number}"
        for path in sorted(source.rglob("*.py"))
        if path.name not in {"settings.py", "config.py"}
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\benv_(str|int|bool|list|float|optional_bool|rate_limits|fx_rates)\(", line)
    ]
    assert found == []


def read_settings(tmp_path, names: list[str], **env: str) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    clean.update({"MIDAS_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "midas.settings"})
    clean.update(env)
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_settings_once_read_with_defaults_come_from_the_environment(tmp_path):
    names = [
        "SMOKE_EMAIL_DOMAIN",
        "LAUNCH_SECURITY_LOCKOUTS",
        "REQUEST_HOLD_HOURS",
        "LAUNCH_BURN_RATE_MAX",
        "SLO_AUTO_FLUSH",
        "RATE_LIMITS",
    ]
    unset = {name: "" for name in names}
    assert read_settings(tmp_path, names, **unset) == {
        "SMOKE_EMAIL_DOMAIN": "",
        "LAUNCH_SECURITY_LOCKOUTS": 5,
        "REQUEST_HOLD_HOURS": 24,
        "LAUNCH_BURN_RATE_MAX": 2.0,
        "SLO_AUTO_FLUSH": None,
        "RATE_LIMITS": {},
    }
    assert read_settings(
        tmp_path,
        names,
        SMOKE_EMAIL_DOMAIN="smoke.midas.test",
        LAUNCH_SECURITY_LOCKOUTS="3",
        REQUEST_HOLD_HOURS="48",
        LAUNCH_BURN_RATE_MAX="1.5",
        SLO_AUTO_FLUSH="false",
        RATE_LIMITS="login=20/60",
    ) == {
        "SMOKE_EMAIL_DOMAIN": "smoke.midas.test",
        "LAUNCH_SECURITY_LOCKOUTS": 3,
        "REQUEST_HOLD_HOURS": 48,
        "LAUNCH_BURN_RATE_MAX": 1.5,
        "SLO_AUTO_FLUSH": False,
        "RATE_LIMITS": {"login": [20, 60]},
    }


def test_django_contrib_postgres_is_installed_on_postgresql_only():
    """Its app imports psycopg (~15 MB in every process), which SQLite never needs."""
    import sys

    from django.conf import settings

    from tests.conftest import ON_POSTGRES

    assert ("django.contrib.postgres" in settings.INSTALLED_APPS) == ON_POSTGRES
    if ON_POSTGRES:
        assert "psycopg" in sys.modules
