"""Start-up checks: production refuses to run with insecure settings."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=False)
def production_settings(app_configs: object, **kwargs: object) -> list[Error]:
    if not settings.PRODUCTION:
        return []
    errors = []
    if not settings.SECRET_KEY or len(settings.SECRET_KEY) < 40:
        errors.append(
            Error("SECRET_KEY must be set (40+ characters) in production", id="midas.E001")
        )
    if settings.DEBUG:
        errors.append(Error("DEBUG must be off in production", id="midas.E002"))
    if not settings.ALLOWED_HOSTS or "*" in settings.ALLOWED_HOSTS:
        errors.append(
            Error("ALLOWED_HOSTS must list the site's host names in production", id="midas.E003")
        )
    if not settings.SITE_URL.startswith("https://"):
        errors.append(
            Error(
                "SITE_URL must be the public https:// address in production (canonical links, "
                "Open Graph tags and the sitemap are built from it)",
                id="midas.E005",
            )
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and not settings.ALLOW_SQLITE:
        errors.append(
            Error(
                "production runs on PostgreSQL (DATABASE_URL); set ALLOW_SQLITE=true to "
                "run a single-machine install on SQLite",
                id="midas.E004",
            )
        )
    return errors
