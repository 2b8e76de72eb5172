"""Registers the launch's periodic jobs: every area's ``jobs.py`` (``midas.launch.<area>.jobs``)."""

from __future__ import annotations

import importlib
import pkgutil

from midas.launch import area_modules, jobs

for _info in sorted(pkgutil.iter_modules(jobs.__path__), key=lambda i: i.name):
    importlib.import_module(f"{jobs.__name__}.{_info.name}")
area_modules("jobs")
