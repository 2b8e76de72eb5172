"""Signals the core sends for the layers above it to listen to (the core never imports them).

``process_started``: a long-lived Midas process has started (``midas serve`` before it
starts serving, ``midas worker`` before its first job). Keyword argument ``role``:
``"serve"`` or ``"worker"``. The launch's freeze listens, to notice a new release deployed
inside the freeze window.
"""

from __future__ import annotations

from django.dispatch import Signal

process_started = Signal()
