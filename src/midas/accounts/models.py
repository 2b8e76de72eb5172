"""Who may sign in: the custom user (the email address is the login), and API tokens.

Profile rules (age on a date, a valid licence for cars) are checked by the services, not
here: a row only knows how to describe itself.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        extra.setdefault("email_verified_at", timezone.now())
        return self._create_user(email, password, **extra)


class ServiceTier(models.TextChoices):
    STANDARD = "standard", "Standard"
    PREMIUM = "premium", "Premium"
    VVIP = "vvip", "VVIP"


class User(AbstractBaseUser, PermissionsMixin):
    """A customer or a member of staff. The email address is the login."""

    email = models.EmailField("email address", unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    licence_number = models.CharField("driving licence number", max_length=40, blank=True)
    licence_country = models.CharField(
        "licence issued in", max_length=2, blank=True, help_text="ISO 3166 country code, e.g. US"
    )
    licence_expiry = models.DateField("licence valid until", null=True, blank=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    is_beta = models.BooleanField(
        "beta tester", default=False, help_text="Admitted to the beta phase of the launch"
    )
    service_tier = models.CharField(
        max_length=10, choices=ServiceTier.choices, default=ServiceTier.STANDARD
    )
    legacy_id = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="The account's id on the old site"
    )
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the customer deleted the account (anonymised)"
    )
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @full_name.setter
    def full_name(self, value: str) -> None:
        first, _, last = value.strip().partition(" ")
        self.first_name, self.last_name = first, last.strip()

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def has_licence(self) -> bool:
        return bool(self.licence_number and self.licence_country and self.licence_expiry)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only a SHA-256 of the secret is stored; the secret
    is shown once, when issued."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="The token's first characters")
    name = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    def is_usable(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now and self.user.is_active
