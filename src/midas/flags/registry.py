"""The flags the product declares in code. A row (``Flag``) overrides a declared default;
the launch control plane may add flags (``flags add``) that code reads by key before it
declares them."""

from __future__ import annotations

from dataclasses import dataclass

from midas.flags.models import FlagState


@dataclass(frozen=True)
class FlagSpec:
    key: str
    description: str
    default: str = FlagState.ON
    percent: int = 0


REGISTRY: dict[str, FlagSpec] = {}


def register(key: str, description: str, default: str = FlagState.ON) -> FlagSpec:
    """Declare a flag in code (its row, when there is one, overrides the default)."""
    if default not in FlagState.values:
        raise ValueError(f"unknown flag state {default!r}")
    spec = FlagSpec(key=key, description=description, default=default)
    REGISTRY[key] = spec
    return spec


def defaults() -> dict[str, tuple[str, int]]:
    return {key: (spec.default, spec.percent) for key, spec in REGISTRY.items()}


register("registration", "New customer accounts: the register page and POST auth/register.")
register("booking", "Creating bookings: the checkout page, POST bookings and the Book buttons.")
register("payments", "Paying for bookings: the pay page and POST bookings/{ref}/pay.")
register(
    "live_chat",
    "Live chat with the concierge: the chat panel on the public pages and its endpoints "
    "(/chat/...); the staff console (/staff/chat/) works whatever the state.",
    FlagState.OFF,
)
register(
    "reviews",
    "Customer reviews: the invitation e-mail after a return (sent while on for everyone), the "
    "review page, approved reviews and the average rating (schema.org) on asset pages.",
    FlagState.OFF,
)
register(
    "vip_services",
    "VIP services. Off: the feature does not exist yet; nothing reads it.",
    FlagState.OFF,
)
