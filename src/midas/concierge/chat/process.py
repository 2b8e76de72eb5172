"""The stream process (``midas chat-stream``): uvicorn serving ``midas.asgi:application``,
one process, one event loop, every open chat stream a coroutine. ``midas serve`` starts it
beside gunicorn and the worker when ``CHAT_STREAM_PORT`` is set, and stops it with them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys


def exit_with_parent(parent_pid: int, *, every: float = 2.0) -> None:
    """Stop this process (SIGTERM to itself: uvicorn's graceful stop) once ``parent_pid``
    is gone, so a killed ``midas serve`` leaves no stream process behind."""
    import threading
    import time

    def watch() -> None:
        while True:
            time.sleep(every)
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os.kill(os.getpid(), signal.SIGTERM)
                return
            except PermissionError:  # alive, someone else's: a reused pid is still alive
                pass

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def run(host: str, port: int, *, parent_pid: int | None = None) -> None:
    import uvicorn

    if parent_pid:
        exit_with_parent(parent_pid)

    uvicorn.run(
        "midas.asgi:application",
        host=host,
        port=port,
        log_level=os.environ.get("CHAT_STREAM_LOG_LEVEL", "warning"),
        lifespan="off",
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        timeout_graceful_shutdown=5,  # open streams are cut; browsers reconnect elsewhere
        access_log=False,
    )


def start_stream_process(host: str, port: int) -> subprocess.Popen:
    """``midas chat-stream`` in its own process group (as the worker: one Ctrl-C, from us)."""
    command = [
        *(sys.executable, "-m", "midas", "chat-stream", "--host", host, "--port", str(port)),
        *("--parent-pid", str(os.getpid())),
    ]
    return subprocess.Popen(command, start_new_session=True)


def stop_stream_process(process: subprocess.Popen, *, timeout: float = 10.0) -> int | None:
    if process.poll() is not None:
        return process.returncode
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(timeout=5)
