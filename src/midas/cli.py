"""The `midas` command.

midas serve [--host 127.0.0.1] [--port 8000]   migrate, demo data, staff account, serve
                                              (and the worker; --no-worker to run it apart)
midas worker                                   background jobs, schedule, outbox delivery
midas mailbox list [--to ADDR] | show [ID]     the local mailbox (EMAIL_URL=mailbox://)
midas inventory import FILE | export ...       the catalogue in CSV or JSON
midas demo photos DIR                          photos from a folder onto the assets its file
                                              names name (docs/how-to/photos.md)
midas legacy import DIR [--dry-run]            the old site's inventory, accounts, bookings
midas slo [--window 1h] [--json]              uptime, errors, response times vs targets
midas maintenance on --message "..." [--retry-after S] | off | status
                                              the maintenance page for customers
midas backup create | list | verify | restore | fetch | push | prune
                                              database backups, copied to S3 when configured
                                              (docs/explanation/backups.md)
midas launch status | phase set | plan show | gate | ramp | flags | gonogo | rollback | ...
                                              the go-live control plane (docs/launch.md)
midas smoke [BASE_URL]                         launch day's core checks against a deployment
midas incident list | ack ID                   incidents and their escalation
midas insights rollup [--day D] | prune        first-party analytics: day rollups, retention
midas privacy erase EMAIL                      delete one person's analytics rows
midas migrate                                  apply migrations (the deploy guard applies)
midas mail-in [--host H] [--port P]            receive e-mail answers to support tickets (SMTP)
midas chat-stream [--host H] [--port P]        the live chat's event streams (uvicorn, ASGI;
                                              `serve` starts it when CHAT_STREAM_PORT is set)
midas manage ...                               any Django management command
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys

# `midas X ...` = `midas manage X ...` (each keeps its own arguments and help)
PASS_THROUGH = {
    "inventory",
    "demo",
    "legacy",
    "worker",
    "mailbox",
    "maintenance",
    "slo",
    "backup",
    "launch",
    "smoke",
    "incident",
    "insights",
    "privacy",
    "migrate",
}
STAFF_EMAIL = "concierge@midas-lifestyle.example"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
logger = logging.getLogger("midas.cli")


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "midas.settings")
    import django

    django.setup()


def tell(text: str, *, out=sys.stdout) -> None:
    """A line for whoever started the process: written to ``out``, or a log line when the logs
    are JSON (LOG_FORMAT=json, production), whose output is JSON lines only."""
    from django.conf import settings

    if settings.LOG_FORMAT == "json":
        logger.info("%s", " ".join(text.split()))
    else:
        out.write(text)


def prepare_site(*, load_demo: bool = True, out=sys.stdout) -> None:
    """Migrate, load the demo collection into an empty catalogue, make sure staff can log in,
    collect static files. Safe to run on every start."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if load_demo:
        from midas.catalog.models import Asset
        from midas.demo import load_demo as load

        if not Asset.objects.exists():
            count = load()
            tell(f"Loaded the demo collection: {count} assets.\n", out=out)
    ensure_staff_account(out=out)
    call_command("collectstatic", interactive=False, verbosity=0)
    from midas.core.signals import process_started

    process_started.send(sender=prepare_site, role="serve")  # e.g. the freeze notes the release


def prepare_site_apart(*, load_demo: bool = True) -> None:
    """``prepare_site`` in a forked child that exits once it is done. Migrating imports every
    migration module (and psycopg through django.contrib.postgres's operations), collectstatic
    its storage and compressors, the demo its photos: done in the server's master, all of it
    would sit in every worker the master forks (measured: ~150 MB resident a worker, against
    ~85 MB). Its output and log lines are the child's, as they were the master's."""
    from django.db import connections

    connections.close_all()  # never share a connection across fork
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: prepare, then exit without running the parent's clean-up
        code = 1
        try:
            prepare_site(load_demo=load_demo)
            code = 0
        except BaseException:
            logger.exception("preparing the site (migrate, demo, staff, static files) failed")
        finally:
            connections.close_all()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("midas serve: preparing the site failed (see the lines above)")


FIRST_PASSWORD_FILE = "first-staff-password"  # noqa: S105 (a file name) in MIDAS_VAR_DIR


def ensure_staff_account(*, out=sys.stdout) -> None:
    """Create the first staff account with a random password, never stored in the database's
    clear. In development it is shown once; in production it is never printed (the output
    goes to the logs): it is written once to ``MIDAS_VAR_DIR/first-staff-password``, readable
    only by the user Midas runs as, to read and delete after signing in, and a log line
    (WARNING, ``midas.cli``) says where."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    if user_model.objects.filter(is_staff=True).exists():
        return
    password = secrets.token_urlsafe(12)
    user_model.objects.create_superuser(
        STAFF_EMAIL, password, first_name="Midas", last_name="Concierge"
    )
    if not settings.PRODUCTION:
        out.write(
            "\nStaff account created (shown once; change it in the back office):\n"
            f"  email:    {STAFF_EMAIL}\n  password: {password}\n\n"
        )
        return
    path = settings.VAR_DIR / FIRST_PASSWORD_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password + "\n")
    os.chmod(path, 0o600)  # an older file of another mode is narrowed too
    logger.warning(
        "Staff account created: %s. Its password is in %s (readable by this user only): sign "
        "in, change it, delete the file. Or set one yourself: midas manage changepassword %s",
        STAFF_EMAIL,
        path,
        STAFF_EMAIL,
    )


WILDCARD_HOSTS = {"0.0.0.0", "::", ""}  # noqa: S104 (names, not a bind)


def serve_site_url(host: str, port: int) -> str:
    """The address ``midas serve --host --port`` answers on, for links in e-mails: a wildcard
    bind (0.0.0.0, ::) is reached on the loopback address from this machine."""
    host = "127.0.0.1" if host in WILDCARD_HOSTS else host
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def follow_serve_address(host: str, port: int) -> None:
    """In development ``SITE_URL`` follows ``--host``/``--port`` unless it is set: every link
    in the e-mails (verify, pay, manage) then points at the server that sent them. Set in the
    environment before Django starts, so the worker and stream processes inherit it."""
    production = os.environ.get("MIDAS_ENV", "").strip() == "production"
    if os.environ.get("SITE_URL", "").strip() or production:
        return
    os.environ["SITE_URL"] = serve_site_url(host, port)


def cmd_serve(args: argparse.Namespace) -> int:
    if args.host not in LOOPBACK and "ALLOWED_HOSTS" not in os.environ:
        os.environ["ALLOWED_HOSTS"] = ",".join([*LOOPBACK, "[::1]", args.host])
    follow_serve_address(args.host, args.port)
    setup_django()
    prepare_site_apart(load_demo=not args.no_demo)
    from midas import server

    shown = f"[{args.host}]" if ":" in args.host else args.host
    tell(f"Midas is serving at http://{shown}:{args.port}/  (Ctrl-C stops it)\n")
    sys.stdout.flush()
    from midas.jobs.process import start_worker_process, stop_worker_process

    worker = None if args.no_worker else start_worker_process()
    stream = start_chat_stream(args.host)
    try:
        server.run(args.host, args.port, args.workers)
    finally:
        if stream is not None:
            from midas.concierge.chat.process import stop_stream_process

            stop_stream_process(stream)
        if worker is not None:
            stop_worker_process(worker)
    return 0


def start_chat_stream(host: str):
    """The live chat's stream process (uvicorn) on ``CHAT_STREAM_PORT``, for a reverse proxy
    that sends ``/chat/events/`` there; with 0 (the default) the WSGI server serves the
    streams itself and nothing is started (docs/explanation/chat.md)."""
    from django.conf import settings

    if not settings.CHAT_STREAM_PORT:
        return None
    from midas.concierge.chat.process import start_stream_process

    tell(f"Live chat streams (/chat/events/) on port {settings.CHAT_STREAM_PORT}.\n")
    return start_stream_process(host, settings.CHAT_STREAM_PORT)


def cmd_manage(argv: list[str], *, prog: str = "midas manage") -> int:
    """Run a Django management command; ``prog`` is how its usage line names the program
    (``midas launch --help`` says ``usage: midas launch``, not ``midas manage launch``)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "midas.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([prog, *argv])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="midas", description="Midas — the booking platform of Midas The Lifestyle."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate, load demo data and start the web server")
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument(
        "--workers", type=int, default=None, help="processes (default: 1 per core, min 2)"
    )
    serve.add_argument("--no-demo", action="store_true", help="do not load the demo collection")
    serve.add_argument(
        "--no-worker", action="store_true", help="do not start the background worker"
    )
    sub.add_parser("manage", help="run a Django management command", add_help=False)
    sub.add_parser("inventory", help="import or export the catalogue (CSV or JSON)", add_help=False)
    sub.add_parser("legacy", help="import the old site's data", add_help=False)
    sub.add_parser("demo", help="demo data: photos from a folder", add_help=False)
    sub.add_parser("worker", help="run background jobs and the scheduler", add_help=False)
    sub.add_parser("mailbox", help="list or show messages in the local mailbox", add_help=False)
    sub.add_parser("backup", help="database backups, here and in S3", add_help=False)
    sub.add_parser("maintenance", help="maintenance mode on, off or status", add_help=False)
    sub.add_parser("slo", help="SLO figures against the targets", add_help=False)
    sub.add_parser("launch", help="the go-live control plane (midas launch --help)", add_help=False)
    sub.add_parser("smoke", help="launch day's core checks against a deployment", add_help=False)
    sub.add_parser("incident", help="list and acknowledge incidents", add_help=False)
    sub.add_parser("migrate", help="apply migrations (refused in a freeze)", add_help=False)
    sub.add_parser("mail-in", help="receive e-mail answers to support tickets", add_help=False)
    sub.add_parser("chat-stream", help="the live chat's event streams (ASGI)", add_help=False)
    return parser


SQLITE_FILE = "midas.sqlite3"  # settings.SQLITE_DEFAULT_URL, in the var directory
SIGPIPE_EXIT = 128 + 13  # what a shell reports for a command ended by SIGPIPE


def mailbox_missing(*, err=sys.stderr) -> bool:
    """``midas mailbox`` only reads: outside the project folder (no var directory, no SQLite
    database where ``midas serve`` keeps it) it says so instead of creating ``./var/`` and an
    empty database to fail on. True when it told the reader there is no mailbox."""
    if os.environ.get("DATABASE_URL", "").strip():
        return False  # a server database: the command itself says when it has no mailbox
    from django.conf import settings

    if settings.configured:
        return False  # Django is already set up in this process (a test): its database counts
    from midas.config import var_dir_path

    database = var_dir_path() / SQLITE_FILE
    if database.is_file():
        return False
    err.write(
        f"No mailbox here yet: there is no Midas database at {database}.\n"
        "Run this in the project folder (where `midas serve` keeps var/), or set "
        "MIDAS_VAR_DIR to that var folder.\n"
    )
    return True


def main(argv: list[str] | None = None) -> int:
    """The ``midas`` command. Output cut short by its reader (``midas mailbox list | head``)
    ends it quietly, as well-behaved CLIs do, instead of with a BrokenPipeError traceback."""
    try:
        code = run(argv)
        sys.stdout.flush()  # inside the try: a pipe closed early fails here, not at exit
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's final flush goes nowhere, silently
        return SIGPIPE_EXIT
    return code


def run(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    asks_help = "-h" in argv or "--help" in argv
    if argv and argv[0] == "mailbox" and not asks_help and mailbox_missing():
        return 1
    # pass-through commands keep their own arguments and help
    if argv and argv[0] == "manage":
        return cmd_manage(argv[1:])
    if argv and argv[0] in PASS_THROUGH:
        return cmd_manage(argv, prog="midas")
    if argv and argv[0] == "mail-in":  # the command's module is mail_in
        return cmd_manage(["mail_in", *argv[1:]], prog="midas")
    if argv and argv[0] == "chat-stream":
        return cmd_manage(["chat_stream", *argv[1:]], prog="midas")
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return cmd_serve(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
