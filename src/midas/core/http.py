"""What every layer may need to know about a response."""

from __future__ import annotations

from django.http import HttpResponse


def planned_unavailable(response: HttpResponse) -> bool:
    """A 503 Midas chose to send — maintenance (``X-Maintenance: on``) or an access gate
    holding a visitor back (``X-Launch-Gate``) — not a fault: logged at INFO, never an
    error in the SLO."""
    return response.status_code == 503 and (
        response.get("X-Maintenance") == "on" or response.has_header("X-Launch-Gate")
    )
