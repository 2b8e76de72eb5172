"""Where other apps add to every page without the pages importing them.

``add_to_main_end(render)``: ``render(context)`` returns HTML (already safe) placed at the
end of ``<main>`` on every page built on ``web/base.html`` (``{% main_end %}``). The launch
adds its beta feedback control here. A renderer must cost no query on an ordinary request.
"""

from __future__ import annotations

from collections.abc import Callable

from django.template import Context

Renderer = Callable[[Context], str]

MAIN_END: list[Renderer] = []


def add_to_main_end(render: Renderer) -> None:
    if render not in MAIN_END:
        MAIN_END.append(render)
