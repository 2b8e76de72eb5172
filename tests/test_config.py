"""Settings from the environment: typed readers, the dev secret key, production refusals."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from midas.config import ConfigError, development_secret_key, env_bool, env_int, env_list


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


def test_the_development_secret_key_is_generated_once_and_private(tmp_path):
    key = development_secret_key(tmp_path)
    assert len(key) >= 50
    assert development_secret_key(tmp_path) == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def run_check(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    clean.update({"MIDAS_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "midas.settings"})
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "django", "check"],
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


def test_an_unknown_environment_is_refused(tmp_path):
    result = run_check(tmp_path, MIDAS_ENV="staging")
    assert result.returncode != 0
    assert "MIDAS_ENV" in result.stderr
