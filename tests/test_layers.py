"""The layers of docs/architecture.md, as a reader checks them: no module of the core names
the launch, and the site's wiring without it has none of its apps, middleware or URLs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import midas

SRC = Path(midas.__file__).resolve().parent
WIRING = {"settings.py", "urls.py", "cli.py"}  # where the launch is plugged in, by name


def test_no_core_module_names_the_launch():
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "midas.launch" in path.read_text()
        and path.relative_to(SRC).parts[0] != "launch"
        and str(path.relative_to(SRC)) not in WIRING
    ]
    assert offenders == []


def test_without_the_launch_nothing_of_it_is_wired(tmp_path):
    script = (
        "import django, json; django.setup();"
        "from django.conf import settings; from django.urls import resolve, Resolver404;"
        "from django.apps import apps\n"
        "def routed(path):\n"
        "    try:\n"
        "        return resolve(path).url_name\n"
        "    except Resolver404:\n"
        "        return None\n"
        "print(json.dumps({"
        "'installed': apps.is_installed('midas.launch'),"
        "'middleware': [m for m in settings.MIDDLEWARE if 'launch' in m],"
        "'console': routed('/ops/launch/'), 'invite': routed('/launch/invite/x/'),"
        "'home': routed('/')}))"
    )
    env = {
        **os.environ,
        "MIDAS_LAUNCH": "false",
        "DJANGO_SETTINGS_MODULE": "midas.settings",
        "MIDAS_VAR_DIR": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    wiring = json.loads(out.stdout.strip().splitlines()[-1])
    assert wiring["installed"] is False
    assert wiring["middleware"] == []
    assert wiring["console"] is None and wiring["invite"] is None
    assert wiring["home"] == "home"
