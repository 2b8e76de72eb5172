"""How long one photo takes to become its variants (``midas.catalog.photos.variants``), which
decides that uploads are processed in the request (docs/how-to/photos.md).

    .venv/bin/python benchmarks/photos_bench.py            # 12 MP, 24 MP and 3 MP, 5 runs each
    .venv/bin/python benchmarks/photos_bench.py --runs 3 --sizes 4000x3000

Each photo is made by Pillow, photo-like for the encoders (a fractal blended with noise: as
much detail as a real photo, so AVIF and JPEG work as hard), saved as a JPEG at quality 92
as a camera would, then ``make_variants`` is timed on its bytes: decode, EXIF orientation,
sRGB, five widths (2000 to 480 px) in AVIF and JPEG, the placeholder. Prints the median and
the worst run, and the bytes of the variants; nothing is stored.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "midas.settings")
os.environ.setdefault("MIDAS_VAR_DIR", tempfile.mkdtemp(prefix="midas-photos-bench-"))


def photo_like(width: int, height: int) -> bytes:
    from PIL import Image

    fractal = Image.effect_mandelbrot((width, height), (-2.2, -1.2, 1.0, 1.2), 80).convert("RGB")
    noise = Image.effect_noise((width, height), 48).convert("RGB")
    out = io.BytesIO()
    Image.blend(fractal, noise, 0.35).save(out, "JPEG", quality=92)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="4000x3000,6000x4000,2000x1500")
    args = parser.parse_args()
    import django

    django.setup()
    from midas.catalog.photos.variants import make_variants

    print(f"{'photo':>11} {'upload':>9} {'median':>8} {'worst':>8} {'variants':>9} {'bytes':>10}")
    for size in args.sizes.split(","):
        width, height = (int(n) for n in size.split("x"))
        data = photo_like(width, height)
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            made = make_variants(data)
            times.append(time.perf_counter() - started)
        total = sum(len(v.data) for v in made.variants)
        print(
            f"{size:>11} {len(data) / 1e6:>7.1f}MB {statistics.median(times):>7.2f}s "
            f"{max(times):>7.2f}s {len(made.variants):>9} {total / 1e6:>8.2f}MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
