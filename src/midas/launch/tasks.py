"""Registers the launch's periodic jobs: every area's ``jobs.py`` (``midas.launch.<area>.jobs``,
``@periodic`` + ``@task()``), imported here so the worker registers them."""

from __future__ import annotations

from midas.launch import area_modules

area_modules("jobs")
