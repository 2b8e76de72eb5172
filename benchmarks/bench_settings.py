"""Midas's own settings plus one URL: a fixed response through the full middleware stack.

The HTTP benchmark runs the production server with ``DJANGO_SETTINGS_MODULE`` set to this
module, so the ceiling and the real pages are served by the same processes in the same run.
"""

from midas.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.bench_urls"
