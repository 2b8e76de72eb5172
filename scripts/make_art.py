"""Write the collection's illustrations: src/midas/web/static/midas/art/{category}-{n}.svg.

Stylised silhouettes (cars, yachts, jets, villas) on dark gradients with gold light, drawn
from a few parameters so each of the four variants per category differs. Our own art, no
downloads; every file is 1200×800, carries a <title> and stays under ~4 KB.

    python scripts/make_art.py [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

W, H = 1200, 800
OUT = Path(__file__).resolve().parents[1] / "src/midas/web/static/midas/art"

# (sky top, sky bottom, glow, metal light, metal dark)
PALETTES = [
    ("#070b16", "#1d2540", "#f1d28a", "#f6e2a6", "#a87f2c"),  # midnight
    ("#0a0908", "#2b2418", "#e9c46a", "#f3dc9b", "#9a7426"),  # noir and gold
    ("#140d24", "#4a2b3c", "#f0b36a", "#f7d9a3", "#b07d3a"),  # dusk
    ("#04181a", "#123a3c", "#e5c77f", "#efdcaa", "#977a35"),  # deep teal
]


def svg(title: str, palette: tuple[str, ...], glow_x: int, glow_y: int, body: str) -> str:
    top, bottom, glow, light, dark = palette
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" role="img">'
        f"<title>{title}</title>"
        "<defs>"
        f'<linearGradient id="s" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="{top}"/><stop offset="1" stop-color="{bottom}"/>'
        "</linearGradient>"
        f'<radialGradient id="g" cx="{glow_x / W:.2f}" cy="{glow_y / H:.2f}" r=".45">'
        f'<stop offset="0" stop-color="{glow}" stop-opacity=".55"/>'
        f'<stop offset=".35" stop-color="{glow}" stop-opacity=".12"/>'
        f'<stop offset="1" stop-color="{glow}" stop-opacity="0"/>'
        "</radialGradient>"
        '<filter id="b"><feGaussianBlur stdDeviation="14"/></filter>'
        f'<linearGradient id="m" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="{light}"/><stop offset="1" stop-color="{dark}"/>'
        "</linearGradient>"
        "</defs>"
        f'<rect width="{W}" height="{H}" fill="url(#s)"/>'
        f'<rect width="{W}" height="{H}" fill="url(#g)"/>'
        f"{body}"
        f'<rect x="36" y="36" width="{W - 72}" height="{H - 72}" fill="none" '
        f'stroke="{light}" stroke-opacity=".28" stroke-width="1.5"/>'
        "</svg>\n"
    )


def sun(x: int, y: int, r: int, colour: str) -> str:
    return f'<circle cx="{x}" cy="{y}" r="{r}" fill="{colour}" fill-opacity=".85"/>'


# --- cars -----------------------------------------------------------------------------------
# Each profile: the body outline (ground at y=600), glasshouse, wheel centres and radius.
CAR_PROFILES = {
    "supercar": (
        "M170 585 L178 540 C185 515 215 505 290 498 C370 490 430 470 500 430 "
        "C560 398 650 392 720 408 C790 425 860 462 930 478 C990 490 1030 505 1035 545 "
        "L1030 585 Z",
        "M505 440 C560 410 640 405 700 418 L760 448 L520 452 Z",
        (330, 880),
        62,
    ),
    "SUV": (
        "M172 590 L175 450 C178 400 200 366 250 358 L740 348 C790 348 820 368 870 428 "
        "L1000 446 C1032 452 1042 474 1042 512 L1036 590 Z",
        "M268 374 L735 366 C770 366 795 384 830 428 L252 432 Z",
        (330, 870),
        74,
    ),
    "grand tourer": (
        "M165 588 L170 530 C176 500 210 488 290 482 C360 476 420 455 480 415 "
        "C540 378 640 372 720 390 C800 408 850 450 940 465 C1000 475 1035 495 1038 540 "
        "L1032 588 Z",
        "M490 422 C545 390 630 388 700 400 L770 440 L500 446 Z",
        (320, 880),
        60,
    ),
    "limousine": (
        "M150 590 L155 520 C160 495 190 486 250 482 L330 478 C390 420 430 395 520 392 "
        "L760 392 C830 394 870 430 915 472 L1000 482 C1040 488 1052 505 1052 545 "
        "L1046 590 Z",
        "M345 478 C400 425 440 412 520 412 L755 412 C815 414 845 445 880 476 Z",
        (320, 900),
        60,
    ),
}


def car(n: int) -> str:
    kind = list(CAR_PROFILES)[n - 1]
    body, glass, wheels, r = CAR_PROFILES[kind]
    _, _, glow, light, dark = PALETTES[n - 1]
    parts = [
        # a polished floor and the car's soft reflection
        f'<rect y="600" width="{W}" height="200" fill="#000" fill-opacity=".35"/>',
        f'<line x1="80" y1="600" x2="1120" y2="600" stroke="{light}" stroke-opacity=".35"/>',
        '<ellipse cx="600" cy="604" rx="470" ry="16" fill="#000" fill-opacity=".6"/>',
        f'<path d="{body}" fill="url(#m)"/>',
        f'<path d="{body}" fill="{dark}" fill-opacity=".18" transform="translate(0 1200) '
        'scale(1 -1)" opacity=".35"/>',
        f'<path d="{glass}" fill="#0b0d14" fill-opacity=".85"/>',
        f'<clipPath id="w"><path d="{glass}"/></clipPath>',
        f'<rect x="{(wheels[0] + wheels[1]) // 2 - 8}" y="300" width="16" height="200" '
        'fill="url(#m)" clip-path="url(#w)"/>',
        # head and tail lights, then a gold character line along the flank
        f'<ellipse cx="1022" cy="500" rx="16" ry="6" fill="{light}"/>',
        '<ellipse cx="182" cy="505" rx="8" ry="10" fill="#9e2323"/>',
        f'<path d="M200 535 C420 520 760 515 1010 525" fill="none" stroke="{glow}" '
        'stroke-opacity=".7" stroke-width="3"/>',
    ]
    for x in wheels:
        parts.append(f'<circle cx="{x}" cy="{600 - r}" r="{r + 8}" fill="#07080c"/>')
        parts.append(
            f'<circle cx="{x}" cy="{600 - r}" r="{r - 16}" fill="none" stroke="{light}" '
            'stroke-width="5"/>'
        )
        parts.append(f'<circle cx="{x}" cy="{600 - r}" r="9" fill="{light}"/>')
    return svg(
        f"Exotic car illustration: a {kind} in profile, gold on a dark gradient",
        PALETTES[n - 1],
        [900, 300, 600, 250][n - 1],
        [220, 200, 260, 230][n - 1],
        "".join(parts),
    )


# --- yachts ---------------------------------------------------------------------------------
def water(light: str, level: int) -> str:
    lines = "".join(
        f'<line x1="{120 + (i * 137) % 300}" y1="{level + 22 + i * 26}" '
        f'x2="{700 + (i * 211) % 380}" y2="{level + 22 + i * 26}" stroke="{light}" '
        f'stroke-opacity="{0.35 - i * 0.05:.2f}" stroke-width="2"/>'
        for i in range(6)
    )
    return (
        f'<rect y="{level}" width="{W}" height="{H - level}" fill="#000" fill-opacity=".4"/>'
        + lines
    )


def yacht(n: int) -> str:
    _, _, glow, light, _ = PALETTES[n - 1]
    level = 560
    kind = ["superyacht", "sport yacht", "sailing yacht", "motor yacht at night"][n - 1]
    sx, sy, sr = [(980, 260, 58), (300, 290, 50), (880, 350, 78), (1000, 200, 36)][n - 1]
    parts = [sun(sx, sy, sr, glow), water(light, level)]
    # the sun's shimmer on the water
    parts += [
        f'<line x1="{sx - 90 + i * 16}" y1="{level + 16 + i * 24}" x2="{sx + 90 - i * 16}" '
        f'y2="{level + 16 + i * 24}" stroke="{glow}" stroke-opacity="{0.5 - i * 0.08:.2f}" '
        'stroke-width="5" stroke-linecap="round"/>'
        for i in range(5)
    ]
    if n == 3:  # a sloop: long low hull, tall mast and two sails
        parts += [
            '<path d="M300 540 L960 528 C930 560 900 580 860 588 L350 588 Z" fill="url(#m)"/>',
            f'<line x1="620" y1="140" x2="620" y2="536" stroke="{light}" stroke-width="6"/>',
            f'<path d="M632 160 C700 300 760 420 830 522 L632 526 Z" fill="{light}" '
            'fill-opacity=".92"/>',
            f'<path d="M608 180 C560 320 500 440 420 528 L608 530 Z" fill="{light}" '
            'fill-opacity=".62"/>',
        ]
    else:
        # stern on the left, raked bow on the right; decks step back from the bow
        length, decks, lit = [(860, 4, False), (680, 1, False), (0, 0, False), (760, 3, True)][
            n - 1
        ]
        x0, x1 = 600 - length // 2, 600 + length // 2
        parts.append(
            f'<path d="M{x0} 486 L{x1} 456 C{x1 - 30} 500 {x1 - 70} 560 {x1 - 130} 588 '
            f'L{x0 + 24} 588 Z" fill="url(#m)"/>'
        )
        parts.append(
            f'<path d="M{x0 + 10} 540 L{x1 - 60} 528" stroke="#0b0d14" stroke-opacity=".7" '
            'stroke-width="5"/>'
        )
        slit = glow if lit else "#0b0d14"
        for d in range(decks):
            bottom = 482 - d * 38
            top = bottom - (50 if n == 2 else 38)
            left = x0 + 50 + d * 45
            right = x1 - 150 - d * 95 - (60 if n == 2 else 0)
            rake = 60 if n == 2 else 40
            parts.append(
                f'<path d="M{left} {bottom} L{left + 6} {top} L{right - rake} {top} '
                f'L{right} {bottom} Z" fill="url(#m)" opacity="{1 - d * 0.05:.2f}"/>'
            )
            parts.append(
                f'<path d="M{left + 30} {top + 11} L{right - rake - 4} {top + 11} '
                f'L{right - 20} {bottom - 11} L{left + 30} {bottom - 11} Z" fill="{slit}" '
                f'fill-opacity="{".8" if not lit else ".75"}"/>'
            )
        if decks > 1:  # a raked mast on the top deck
            mast_x = x1 - 150 - (decks - 1) * 95 - 110
            mast_top = 482 - decks * 38 - 46
            parts.append(
                f'<path d="M{mast_x} {mast_top + 46} L{mast_x + 16} {mast_top} '
                f'L{mast_x + 26} {mast_top} L{mast_x + 28} {mast_top + 46} Z" fill="{light}"/>'
            )
    parts.append('<ellipse cx="600" cy="596" rx="400" ry="9" fill="#000" fill-opacity=".45"/>')
    return svg(
        f"Superyacht illustration: a {kind} on calm water under a gold sky",
        PALETTES[n - 1],
        sx,
        sy,
        "".join(parts),
    )


# --- jets -----------------------------------------------------------------------------------
JET = (
    "M120 400 C150 380 260 372 420 370 L780 366 C880 366 960 374 1010 386 "
    "C1040 393 1048 405 1030 412 C980 426 880 430 780 430 L420 430 "
    "C260 428 160 420 120 400 Z"
)
WING = "M520 420 L700 420 L560 560 L500 560 Z"
TAIL = "M150 392 L110 270 L160 270 L250 380 Z"
STAB = "M130 300 L70 300 L90 285 L170 285 Z"


def jet(n: int) -> str:
    _, _, glow, light, dark = PALETTES[n - 1]
    angle = [-8, -4, -12, -6][n - 1]
    clouds = (
        '<g filter="url(#b)">'
        + "".join(
            f'<ellipse cx="{cx}" cy="{cy}" rx="{rx}" ry="{rx // 5}" fill="{light}" '
            f'fill-opacity="{op}"/>'
            for cx, cy, rx, op in [
                (250, 660, 260, ".10"),
                (780, 700, 340, ".08"),
                (1000, 620, 180, ".07"),
                (450, 720, 300, ".06"),
            ][: n + 1]
        )
        + "</g>"
    )
    windows = "".join(
        f'<ellipse cx="{x}" cy="392" rx="9" ry="7" fill="#0b0d14" fill-opacity=".75"/>'
        for x in range(470, 860, 42)
    )
    plane = (
        f'<g transform="rotate({angle} 600 400) translate(0 {[20, 0, 40, 10][n - 1]})">'
        f'<path d="{WING}" fill="{dark}"/>'
        f'<path d="{JET}" fill="url(#m)"/>'
        f'<path d="{TAIL}" fill="url(#m)"/>'
        f'<path d="{STAB}" fill="{dark}"/>'
        f'<path d="M990 388 C1010 392 1022 398 1024 404 L985 400 Z" fill="#0b0d14"/>'
        f'<rect x="250" y="382" width="110" height="34" rx="17" fill="{dark}"/>'
        f"{windows}"
        f'<path d="M150 412 L1000 405" stroke="{glow}" stroke-opacity=".7" stroke-width="3"/>'
        "</g>"
    )
    trail = (
        f'<path d="M60 {470 + n * 10} L300 {440 + n * 6}" stroke="{light}" '
        'stroke-opacity=".25" stroke-width="6" stroke-linecap="round"/>'
    )
    return svg(
        "Private jet illustration: a long-range business jet climbing above the clouds",
        PALETTES[n - 1],
        [950, 250, 1000, 300][n - 1],
        [180, 160, 250, 140][n - 1],
        clouds + trail + plane,
    )


# --- villas ---------------------------------------------------------------------------------
def palm(x: int, base: int, height: int, colour: str) -> str:
    top = base - height
    fronds = "".join(
        f'<path d="M{x} {top} Q{x + dx // 2} {top - 40} {x + dx} {top + dy}"/>'
        for dx, dy in [(-90, 30), (90, 30), (-60, 60), (60, 60), (-20, -10), (30, -5)]
    )
    return (
        f'<g fill="none" stroke="{colour}" stroke-width="7" stroke-linecap="round">'
        f'<path d="M{x - 6} {base} Q{x - 20} {base - height // 2} {x} {top}" '
        f'stroke-width="10"/>{fronds}</g>'
    )


def villa(n: int) -> str:
    _, _, glow, light, dark = PALETTES[n - 1]
    ground = 560
    sx, sy, sr = [(1010, 170, 48), (230, 190, 42), (960, 260, 64), (1030, 160, 32)][n - 1]
    parts = [
        sun(sx, sy, sr, glow),
        f'<rect y="{ground}" width="{W}" height="{H - ground}" fill="#000" fill-opacity=".45"/>',
    ]
    # stacked modern volumes: (x, width, height), each on top of the one before
    volumes = [
        [(250, 700, 140), (380, 420, 120), (700, 200, 60)],
        [(330, 560, 170), (560, 420, 110)],
        [(230, 760, 120), (420, 360, 110)],
        [(300, 600, 150), (360, 300, 100), (740, 140, 50)],
    ][n - 1]
    base = ground
    for x, width, height in volumes:
        top = base - height
        parts.append(f'<rect x="{x}" y="{top}" width="{width}" height="{height}" fill="url(#m)"/>')
        parts.append(
            f'<rect x="{x + 22}" y="{top + 20}" width="{width - 44}" height="{height - 40}" '
            'fill="#0b0d14" fill-opacity=".8"/>'
        )
        # warm light through floor-to-ceiling glass, gold mullions drawn by a dash pattern
        parts.append(
            f'<rect x="{x + 22}" y="{base - 20 - (height - 40) // 2}" width="{width - 44}" '
            f'height="{(height - 40) // 2}" fill="{glow}" fill-opacity=".16"/>'
        )
        parts.append(
            f'<line x1="{x + 22}" y1="{top + height / 2}" x2="{x + width - 22}" '
            f'y2="{top + height / 2}" stroke="{light}" stroke-opacity=".55" '
            f'stroke-width="{height - 40}" stroke-dasharray="3 87" stroke-dashoffset="-60"/>'
        )
        parts.append(
            f'<rect x="{x - 24}" y="{top - 10}" width="{width + 48}" height="10" fill="{light}"/>'
        )
        base = top - 10
    # infinity pool catching the light
    parts.append(
        f'<rect x="170" y="{ground + 36}" width="860" height="76" fill="#58b8c4" '
        'fill-opacity=".3"/>'
    )
    parts.append(
        f'<line x1="170" y1="{ground + 36}" x2="1030" y2="{ground + 36}" stroke="{light}" '
        'stroke-width="3"/>'
    )
    parts.append(
        f'<line x1="260" y1="{ground + 70}" x2="940" y2="{ground + 70}" stroke="{light}" '
        'stroke-opacity=".4" stroke-width="2" stroke-dasharray="120 60"/>'
    )
    parts.append(palm(140, ground + 20, 300, dark))
    if n != 2:
        parts.append(palm(1075, ground + 20, 240, dark))
    return svg(
        "Villa illustration: a modern estate with an infinity pool and palms at dusk",
        PALETTES[n - 1],
        sx,
        sy,
        "".join(parts),
    )


DRAWERS = {"cars": car, "yachts": yacht, "jets": jet, "villas": villa}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for category, draw in DRAWERS.items():
        for n in range(1, 5):
            path = args.out / f"{category}-{n}.svg"
            path.write_text(draw(n), encoding="utf-8")
            print(f"{path.relative_to(args.out.parent)}  {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
