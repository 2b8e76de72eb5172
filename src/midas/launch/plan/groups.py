"""The staff permission groups of the launch (``actors.GROUPS``), created or brought up to
date by ``ensure_groups()`` (``midas launch plan init`` and ``midas launch team groups``)."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from midas.launch.actors import GROUPS


def ensure_groups() -> dict[str, Group]:
    """Each group holds exactly its launch permissions (others it holds are kept)."""
    launch_perms = {
        p.codename: p for p in Permission.objects.filter(content_type__app_label="launch")
    }
    managed = {perm.split(".", 1)[1] for perms in GROUPS.values() for perm in perms}
    groups = {}
    for name, perms in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = {perm.split(".", 1)[1] for perm in perms}
        stale = [p for c, p in launch_perms.items() if c in managed and c not in wanted]
        group.permissions.remove(*stale)
        group.permissions.add(*(launch_perms[c] for c in wanted))
        groups[name] = group
    return groups
