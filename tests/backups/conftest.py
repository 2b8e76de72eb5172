from __future__ import annotations

import pytest
from django.test import override_settings


@pytest.fixture
def backup_dir(tmp_path):
    """Each test keeps its backups in a directory of its own."""
    directory = tmp_path / "backups"
    with override_settings(BACKUP_DIR=directory):
        yield directory
