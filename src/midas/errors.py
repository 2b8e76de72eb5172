"""The application's one error type and its machine-readable codes.

Business rules raise ``AppError`` (or a subclass) with a code from ``ErrorCode``; the API
maps it to ``{"code": ..., "message": ..., "field": ...}`` with the code's HTTP status, and
pages show the message. Nothing else turns a rule into a response.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID_INPUT = "invalid_input"
    NOT_FOUND = "not_found"
    INVALID_RANGE = "invalid_range"
    START_IN_PAST = "start_in_past"
    INSIDE_MIN_NOTICE = "inside_min_notice"
    BEYOND_MAX_ADVANCE = "beyond_max_advance"
    BELOW_MIN_DURATION = "below_min_duration"
    RANGE_TOO_LONG = "range_too_long"
    LOCATION_NOT_SERVED = "location_not_served"
    UNKNOWN_EXTRA = "unknown_extra"
    ASSET_INACTIVE = "asset_inactive"
    OVER_CAPACITY = "over_capacity"  # more guests or passengers than the asset takes (422)
    ABOVE_MAX_DURATION = "above_max_duration"  # longer than the asset's maximum (422)
    ROUTE_INVALID = "route_invalid"  # a jet's route: missing, unknown airport, out of range
    SLOT_UNAVAILABLE = "slot_unavailable"
    LOCK_TIMEOUT = "lock_timeout"
    IMPORT_INVALID = "import_invalid"
    # accounts
    AUTH_REQUIRED = "auth_required"
    INVALID_CREDENTIALS = "invalid_credentials"
    EMAIL_NOT_VERIFIED = "email_not_verified"
    EMAIL_TAKEN = "email_taken"
    ACCOUNT_DELETION_BLOCKED = "account_deletion_blocked"  # upcoming bookings, a deposit (409)
    ACCOUNT_LOCKED = "account_locked"
    RATE_LIMITED = "rate_limited"
    NOT_ELIGIBLE = "not_eligible"
    FORBIDDEN = "forbidden"
    # bookings and payments
    INVALID_STATE = "invalid_state"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    TERMS_NOT_ACCEPTED = "terms_not_accepted"  # a booking without the terms accepted (422)
    PAYMENT_DECLINED = "payment_declined"
    PAYMENT_REQUIRES_ACTION = "payment_requires_action"
    PAYMENT_PROVIDER_ERROR = "payment_provider_error"
    WEBHOOK_INVALID = "webhook_invalid"
    CHANGE_NOT_ALLOWED = "change_not_allowed"  # a booking change outside the policy (409)
    PRICE_CHANGED = "price_changed"  # the change's price moved since it was shown (409)
    INVALID_SIGNATURE = "invalid_signature"  # a webhook whose signature does not verify (401)
    # catalogue photos (midas.catalog.photos)
    PHOTO_NOT_AN_IMAGE = "photo_not_an_image"  # not a picture Pillow can read (422)
    PHOTO_UNSUPPORTED_FORMAT = "photo_unsupported_format"  # e.g. GIF, TIFF (415)
    PHOTO_TOO_LARGE = "photo_too_large"  # past PHOTO_MAX_BYTES or PHOTO_MAX_PIXELS (413)
    # launch
    FEATURE_DISABLED = "feature_disabled"  # a feature flag is off (503)
    GONOGO_REQUIRED = "gonogo_required"  # needs a GO after the last rollback and NO-GO (409)
    # operations
    SERVICE_UNAVAILABLE = "service_unavailable"  # the database cannot be reached (503)


STATUS_BY_CODE: dict[ErrorCode, int] = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.SLOT_UNAVAILABLE: 409,
    ErrorCode.LOCK_TIMEOUT: 409,
    ErrorCode.AUTH_REQUIRED: 401,
    ErrorCode.INVALID_CREDENTIALS: 401,
    ErrorCode.EMAIL_NOT_VERIFIED: 403,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.EMAIL_TAKEN: 409,
    ErrorCode.ACCOUNT_DELETION_BLOCKED: 409,
    ErrorCode.ACCOUNT_LOCKED: 429,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.INVALID_STATE: 409,
    ErrorCode.IDEMPOTENCY_CONFLICT: 409,
    ErrorCode.PAYMENT_DECLINED: 402,
    ErrorCode.PAYMENT_PROVIDER_ERROR: 502,
    ErrorCode.WEBHOOK_INVALID: 400,
    ErrorCode.CHANGE_NOT_ALLOWED: 409,
    ErrorCode.PRICE_CHANGED: 409,
    ErrorCode.INVALID_SIGNATURE: 401,
    ErrorCode.PHOTO_UNSUPPORTED_FORMAT: 415,
    ErrorCode.PHOTO_TOO_LARGE: 413,
    ErrorCode.FEATURE_DISABLED: 503,
    ErrorCode.GONOGO_REQUIRED: 409,
    ErrorCode.SERVICE_UNAVAILABLE: 503,
}


class AppError(Exception):
    """A business-rule failure the caller can act on."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        field: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.retry_after = retry_after  # seconds, for 429 answers (Retry-After header)

    @property
    def status(self) -> int:
        return STATUS_BY_CODE.get(self.code, 422 if self.code != ErrorCode.INVALID_INPUT else 400)

    def as_dict(self) -> dict[str, str]:
        body = {"code": str(self.code), "message": self.message}
        if self.field:
            body["field"] = self.field
        return body
