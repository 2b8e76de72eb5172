"""The `midas` command: site preparation and a real server that starts and stops cleanly."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.contrib.auth import get_user_model

from midas.cli import FIRST_PASSWORD_FILE, STAFF_EMAIL, ensure_staff_account, main


@pytest.mark.django_db
def test_the_first_staff_account_gets_a_random_password_shown_once():
    out = io.StringIO()
    ensure_staff_account(out=out)
    text = out.getvalue()
    password = text.split("password:")[1].split()[0]
    user = get_user_model().objects.get(email=STAFF_EMAIL)
    assert user.is_staff and user.check_password(password)
    assert len(password) >= 16

    again = io.StringIO()
    ensure_staff_account(out=again)
    assert again.getvalue() == ""  # never printed twice, never reset

    other = io.StringIO()
    get_user_model().objects.all().delete()
    ensure_staff_account(out=other)
    assert other.getvalue().split("password:")[1].split()[0] != password


@pytest.mark.django_db
def test_in_production_the_first_password_is_never_printed_but_kept_for_its_owner_only(
    settings, tmp_path
):
    settings.PRODUCTION, settings.VAR_DIR = True, tmp_path
    out = io.StringIO()
    ensure_staff_account(out=out)
    path = tmp_path / FIRST_PASSWORD_FILE
    password = path.read_text().strip()
    assert get_user_model().objects.get(email=STAFF_EMAIL).check_password(password)
    assert password not in out.getvalue() and "password:" not in out.getvalue()
    assert str(path) in out.getvalue() and "changepassword" in out.getvalue()
    assert path.stat().st_mode & 0o777 == 0o600


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 90) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited early with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def test_midas_serve_starts_gunicorn_and_ctrl_c_stops_it(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"MIDAS_VAR_DIR": str(tmp_path), "WEB_CONCURRENCY": "1"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "midas", "serve", "--port", str(port), "--no-demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert wait_for(f"http://127.0.0.1:{port}/", proc) == 200
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "password:" in output
    assert (tmp_path / "midas.sqlite3").exists()
    assert (tmp_path / "static").is_dir()


@pytest.mark.launch
def test_a_pass_through_command_names_itself_as_typed(capsys):
    """``midas launch --help`` says ``usage: midas launch``, the command a person types."""
    with pytest.raises(SystemExit) as done:
        main(["launch", "--help"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("usage: midas launch ")
