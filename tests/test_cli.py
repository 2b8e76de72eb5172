"""The `midas` command: site preparation and a real server that starts and stops cleanly."""

from __future__ import annotations

import io
import json
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
    settings, tmp_path, caplog
):
    settings.PRODUCTION, settings.VAR_DIR = True, tmp_path
    out = io.StringIO()
    ensure_staff_account(out=out)
    path = tmp_path / FIRST_PASSWORD_FILE
    password = path.read_text().strip()
    assert get_user_model().objects.get(email=STAFF_EMAIL).check_password(password)
    assert out.getvalue() == ""  # production prints nothing: its output is the log
    (record,) = [r for r in caplog.records if r.name == "midas.cli"]
    assert record.levelname == "WARNING"
    notice = record.getMessage()
    assert password not in notice and "password:" not in notice
    assert str(path) in notice and "changepassword" in notice and "\n" not in notice
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


PREPARE_APART = """
import json, sys
from midas.cli import prepare_site_apart, setup_django
setup_django()
prepare_site_apart(load_demo=False)
from django.contrib.auth import get_user_model
print(json.dumps({
    "staff": get_user_model().objects.filter(is_staff=True).count(),
    "migration_modules": sorted(m for m in sys.modules if ".migrations.0" in m)[:3],
    "psycopg": "psycopg" in sys.modules,
}))
"""


def prepare_apart(tmp_path, database_url: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"MIDAS_VAR_DIR": str(tmp_path), "DATABASE_URL": database_url})
    return subprocess.run(
        [sys.executable, "-c", PREPARE_APART],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_the_server_prepares_the_site_in_a_child_that_takes_its_imports_with_it(tmp_path):
    done = prepare_apart(tmp_path, f"sqlite:///{tmp_path / 'midas.sqlite3'}")
    assert done.returncode == 0, done.stderr
    state = json.loads(done.stdout.strip().splitlines()[-1])
    assert state["staff"] == 1  # the child migrated and made the account, in the database
    assert "password:" in done.stdout  # its output is shown as before
    # what migrating imported left with the child: the master forks its workers without it
    assert state["migration_modules"] == [] and not state["psycopg"]


def test_a_failed_preparation_stops_the_server_with_a_reason(tmp_path):
    unwritable = tmp_path / "no-such-dir" / "midas.sqlite3"
    done = prepare_apart(tmp_path, f"sqlite:///{unwritable}")
    assert done.returncode == 1
    assert "preparing the site" in done.stderr


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


def scratch_database() -> tuple[str, str]:
    """A new database on the PostgreSQL server of DATABASE_URL: (its URL, the server's)."""
    import secrets
    import urllib.parse

    parts = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    server = urllib.parse.urlunsplit(parts._replace(path=""))
    name = f"midas_cli_json_{secrets.token_hex(4)}"
    admin_sql(server, f'CREATE DATABASE "{name}"')
    return f"{server}/{name}", name


def admin_sql(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def json_lines(text: str) -> list[dict]:
    """Every line of ``text`` as a JSON object; fails on the first that is not one."""
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        try:
            line = json.loads(raw)
        except ValueError:
            pytest.fail(f"line {number} is not JSON: {raw!r}\n{text[-4000:]}")
        assert isinstance(line, dict), raw
        lines.append(line)
    return lines


def run_until_answered(argv: list[str], env: dict, tmp_path, name: str, port: int) -> dict:
    """Start ``argv``, ask it for a page with a token in its path and its query string,
    stop it with Ctrl-C; its stdout and stderr as JSON lines."""
    out, err = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        proc = subprocess.Popen(argv, env=env, stdout=stdout, stderr=stderr, cwd=tmp_path)
    try:
        assert wait_for(f"http://127.0.0.1:{port}/healthz", proc) == 200
        wait_for(f"http://127.0.0.1:{port}/account/verify/PATHSECRET1/?token=QUERYSECRET2", proc)
        time.sleep(1.5)  # the worker's start-up lines
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err.read_text()[-4000:]
    text = {"stdout": out.read_text(), "stderr": err.read_text()}
    for stream, content in text.items():
        for secret in ("PATHSECRET1", "QUERYSECRET2"):
            assert secret not in content, f"{secret} in {name}'s {stream}"
    return {stream: json_lines(content) for stream, content in text.items()}


@pytest.mark.postgres
def test_in_production_every_line_of_midas_serve_and_gunicorn_is_json(tmp_path):
    """`midas serve` (gunicorn, the worker, the first staff account, the system checks,
    Python warnings) in production: each line on stdout and stderr is one JSON object with
    host, process and release; gunicorn's own lines (start-up at loglevel info, the access
    log) too, and no token of a verification link reaches any of them."""
    import secrets

    database_url, name = scratch_database()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        {
            "MIDAS_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": "https://midas.test",
            "CSRF_TRUSTED_ORIGINS": "https://midas.test",
            "DATABASE_URL": database_url,
            "EMAIL_URL": "mailbox://",  # midas.W101: a system-check warning at start-up
            "MIDAS_VAR_DIR": str(tmp_path / "var"),
            "SECURE_SSL_REDIRECT": "false",
            "WEB_CONCURRENCY": "1",
            "MIDAS_RELEASE": "r-json-7",
            "ACCESS_LOG": "-",
            "PYTHONWARNINGS": "always::DeprecationWarning",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("LOG_FORMAT", None)
    env.pop("LOG_LEVEL", None)
    try:
        port = free_port()
        serve = run_until_answered(
            [sys.executable, "-m", "midas", "serve", "--port", str(port), "--no-demo"],
            env,
            tmp_path,
            "serve",
            port,
        )
        port = free_port()
        gunicorn = run_until_answered(
            [
                sys.executable,
                "-c",
                "import sys\n"
                "from midas.cli import setup_django\n"
                "setup_django()\n"
                "from midas import server\n"
                "port = int(sys.argv[1])\n"
                "options = server.server_options('127.0.0.1', port, 1, loglevel='info')\n"
                "server.MidasServer(options).run()\n",
                str(port),
            ],
            env,
            tmp_path,
            "gunicorn",
            port,
        )
    finally:
        admin_sql(database_url.rsplit("/", 1)[0], f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    lines = [*serve["stdout"], *serve["stderr"], *gunicorn["stdout"], *gunicorn["stderr"]]
    for line in lines:
        assert line["host"] == socket.gethostname(), line
        assert isinstance(line["process"], int) and line["process"] > 0, line
        assert line["release"] == "r-json-7", line
    by_logger: dict[str, list[dict]] = {}
    for line in lines:
        by_logger.setdefault(line["logger"], []).append(line)
    staff = [line for line in by_logger["midas.cli"] if "first-staff-password" in line["message"]]
    assert len(staff) == 1 and staff[0]["level"] == "WARNING"
    assert any("is serving at" in line["message"] for line in by_logger["midas.cli"])
    assert any("midas.W101" in line["message"] for line in by_logger["midas.checks"])
    assert {line["process"] for line in by_logger["midas.request"]}  # the app's own lines
    access = [line["message"] for line in by_logger["gunicorn.access"]]
    assert any(message.startswith("GET /account/verify/*** ") for message in access), access
    booting = [line["message"] for line in by_logger["gunicorn.error"]]
    assert any(message.startswith("Booting worker with pid") for message in booting), booting


# --- SITE_URL follows `midas serve`; `midas mailbox` outside the project; closed pipes ---


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without a database, SITE_URL or var directory chosen."""
    drop = ("DATABASE_URL", "SITE_URL", "MIDAS_VAR_DIR", "MIDAS_ENV", "LOG_FORMAT")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PYTEST")}
    return {**env, **extra}


def midas(*argv: str, env: dict, cwd, **streams) -> subprocess.CompletedProcess:
    streams = streams or {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    return subprocess.run(
        [sys.executable, "-m", "midas", *argv],
        env=env,
        cwd=cwd,
        text=True,
        timeout=120,
        check=False,
        **streams,
    )


def closed_pipe() -> int:
    """The write end of a pipe whose reader is gone (as `| head` once it has its lines)."""
    read, write = os.pipe()
    os.close(read)
    return write


def test_serve_on_another_port_sends_links_to_that_port_and_a_closed_pipe_is_quiet(tmp_path):
    port = free_port()
    env = clean_env(MIDAS_VAR_DIR=str(tmp_path / "var"), WEB_CONCURRENCY="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "midas", "serve", "--port", str(port), "--no-demo"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", proc)
        body = json.dumps(
            {
                "email": "lin@example.com",
                "password": "velvet-harbour-1912",
                "first_name": "Lin",
                "last_name": "Ma",
                "date_of_birth": "1988-04-02",
            }
        ).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/auth/register",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.status == 201
        deadline = time.monotonic() + 60
        shown = midas("mailbox", "show", "--to", "lin@example.com", env=env, cwd=tmp_path)
        while shown.returncode != 0 and time.monotonic() < deadline:  # the worker delivers
            time.sleep(0.5)
            shown = midas("mailbox", "show", "--to", "lin@example.com", env=env, cwd=tmp_path)
        assert shown.returncode == 0, shown.stderr
        assert f"http://127.0.0.1:{port}/account/verify/" in shown.stdout
        assert "127.0.0.1:8000" not in shown.stdout

        # `midas mailbox list | head`: the reader went away; no traceback, SIGPIPE's status
        pipe = closed_pipe()
        try:
            listed = midas(
                "mailbox", "list", env=env, cwd=tmp_path, stdout=pipe, stderr=subprocess.PIPE
            )
        finally:
            os.close(pipe)
        assert listed.stderr == ""
        assert listed.returncode == 141
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()


def test_site_url_set_explicitly_is_kept_and_a_wildcard_bind_links_to_loopback(monkeypatch):
    from midas.cli import follow_serve_address

    monkeypatch.delenv("MIDAS_ENV", raising=False)
    monkeypatch.setenv("SITE_URL", "https://midas.example")
    follow_serve_address("127.0.0.1", 8123)
    assert os.environ["SITE_URL"] == "https://midas.example"

    monkeypatch.delenv("SITE_URL")
    follow_serve_address("0.0.0.0", 8123)  # noqa: S104
    assert os.environ["SITE_URL"] == "http://127.0.0.1:8123"
    monkeypatch.delenv("SITE_URL")
    follow_serve_address("::1", 9000)
    assert os.environ["SITE_URL"] == "http://[::1]:9000"

    monkeypatch.delenv("SITE_URL")
    monkeypatch.setenv("MIDAS_ENV", "production")  # production: SITE_URL is the public https
    follow_serve_address("127.0.0.1", 8123)
    assert "SITE_URL" not in os.environ


def test_mailbox_outside_the_project_says_so_and_creates_nothing(tmp_path):
    listed = midas("mailbox", "list", env=clean_env(), cwd=tmp_path)
    assert listed.returncode == 1
    assert "Traceback" not in listed.stderr and "no such table" not in listed.stderr
    assert "No mailbox here yet" in listed.stderr
    assert str(tmp_path / "var" / "midas.sqlite3") in listed.stderr
    assert list(tmp_path.iterdir()) == []  # no stray ./var/


def test_mailbox_on_a_database_never_migrated_says_so_without_a_traceback(tmp_path):
    import sqlite3

    var = tmp_path / "var"
    var.mkdir()
    sqlite3.connect(var / "midas.sqlite3").close()  # an empty database file
    shown = midas("mailbox", "show", env=clean_env(), cwd=tmp_path)
    assert shown.returncode == 1
    assert "Traceback" not in shown.stderr
    assert "No mailbox here yet" in shown.stderr and "midas migrate" in shown.stderr


def test_every_command_that_prints_ends_quietly_when_its_reader_is_gone(tmp_path):
    for argv in (["--help"], ["manage", "help"]):
        pipe = closed_pipe()
        try:
            done = midas(
                *argv,
                env=clean_env(MIDAS_VAR_DIR=str(tmp_path / "var")),
                cwd=tmp_path,
                stdout=pipe,
                stderr=subprocess.PIPE,
            )
        finally:
            os.close(pipe)
        assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, argv
        assert done.returncode in (0, 141), (argv, done.returncode, done.stderr)
