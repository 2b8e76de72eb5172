"""The worker as a child of ``midas serve``: started beside gunicorn, stopped with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys


def start_worker_process(*, extra_args: tuple[str, ...] = ()) -> subprocess.Popen:
    """Start ``midas worker`` in its own process group, so a Ctrl-C reaches it once, from us
    (``stop_worker_process``), and not twice (the terminal's SIGINT and then our SIGTERM,
    which it would take for "stop at once"). It exits by itself if this process dies."""
    command = [
        sys.executable,
        "-m",
        "midas",
        "worker",
        "--parent-pid",
        str(os.getpid()),
        *extra_args,
    ]
    return subprocess.Popen(command, start_new_session=True)


def stop_worker_process(process: subprocess.Popen, *, timeout: float = 20.0) -> int | None:
    """Ask the worker to stop after its current task; kill it if it takes too long."""
    if process.poll() is not None:
        return process.returncode
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(timeout=5)
