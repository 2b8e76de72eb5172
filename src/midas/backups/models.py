"""The one table of the backups app: a sentinel row written just before each backup.

``verify`` restores the dump into a scratch database and looks for the row whose token the
manifest names: proof that the dump holds the data as of the moment the backup began.
"""

from __future__ import annotations

from django.db import models


class BackupSentinel(models.Model):
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.token
