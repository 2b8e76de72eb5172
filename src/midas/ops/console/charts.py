"""Charts drawn on the server as inline SVG: no script, every text escaped.

Each chart is a complete ``<svg>`` element with ``role="img"``, an ``aria-label`` and a
``<title>``; bars and points carry their own ``<title>`` (the value, on hover)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 28, 36
PLOT_W = WIDTH - LEFT - RIGHT
PLOT_H = HEIGHT - TOP - BOTTOM


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))


def _frame(
    title: str,
    y_label: str,
    labels: Sequence[str],
    top: float,
    body: list[str],
    legend: Sequence[tuple[str, str]],
    x_label: str,
) -> SafeString:
    t = escape(title)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ops-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" aria-label="{t}">',
        f"<title>{t}</title>",
        '<g font-family="system-ui, sans-serif" font-size="11" fill="#5c564b">',
    ]
    # Y axis: three ticks (0, half, top) with grid lines.
    for fraction in (0.0, 0.5, 1.0):
        y = TOP + PLOT_H * (1 - fraction)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#e2d8c3" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_fmt(top * fraction))}</text>"
        )
    parts.append(
        f'<text x="12" y="{TOP + PLOT_H / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {TOP + PLOT_H / 2:.1f})">{escape(y_label)}</text>'
    )
    # X axis: a label every third slot.
    slot = PLOT_W / max(len(labels), 1)
    for index, label in enumerate(labels):
        if index % 3 == 0:
            x = LEFT + slot * (index + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    parts.append(
        f'<text x="{LEFT + PLOT_W / 2:.1f}" y="{HEIGHT - 4}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
    )
    x = LEFT
    for name, colour in legend:
        parts.append(f'<rect x="{x}" y="8" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="17">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    parts.append("</g>")
    parts.extend(body)
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + PLOT_H}" y2="{TOP + PLOT_H}" '
        f'stroke="#8c8068" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _nice_top(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (1 for nothing)."""
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return value


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float]]],
    *,
    y_label: str,
    x_label: str = "Hour (UTC)",
) -> SafeString:
    """Side-by-side bars per slot; ``series`` is ``(name, colour, values)``. A zero value
    draws no bar."""
    top = _nice_top(max((max(values, default=0) for _, _, values in series), default=0))
    slot = PLOT_W / max(len(labels), 1)
    width = slot * 0.8 / max(len(series), 1)
    body = []
    for s_index, (name, colour, values) in enumerate(series):
        css = "bar-" + "".join(c if c.isalnum() else "-" for c in name.lower())
        for index, value in enumerate(values):
            if not value:
                continue
            height = PLOT_H * value / top
            x = LEFT + slot * index + slot * 0.1 + width * s_index
            y = TOP + PLOT_H - height
            body.append(
                f'<rect class="{escape(css)}" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                f'height="{height:.1f}" fill="{colour}"><title>{escape(labels[index])}: '
                f"{escape(_fmt(value))} {escape(name)}</title></rect>"
            )
    return _frame(title, y_label, labels, top, body, [(n, c) for n, c, _ in series], x_label)


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None]]],
    *,
    y_label: str,
    x_label: str = "Hour (UTC)",
    unit: str = "ms",
) -> SafeString:
    """One line per series; a slot without a value (None) breaks the line; ``unit`` follows
    each point's value on hover."""
    top = _nice_top(
        max(
            (max((v for v in values if v is not None), default=0) for _, _, values in series),
            default=0,
        )
    )
    slot = PLOT_W / max(len(labels), 1)
    body = []
    for name, colour, values in series:
        d, pen_down, points = [], False, []
        for index, value in enumerate(values):
            if value is None:
                pen_down = False
                continue
            x = LEFT + slot * (index + 0.5)
            y = TOP + PLOT_H * (1 - value / top)
            d.append(f"{'L' if pen_down else 'M'}{x:.1f} {y:.1f}")
            pen_down = True
            points.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}">'
                f"<title>{escape(labels[index])}: {escape(_fmt(value))} {escape(unit)} "
                f"{escape(name)}</title></circle>"
            )
        if d:
            body.append(
                f'<path class="line" d="{" ".join(d)}" fill="none" stroke="{colour}" '
                f'stroke-width="2"/>'
            )
        body.extend(points)
    return _frame(title, y_label, labels, top, body, [(n, c) for n, c, _ in series], x_label)
