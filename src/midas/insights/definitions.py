"""What each metric means, written next to its number on the dashboard, in the report
and in docs/explanation/insights.md: ``DEFINITIONS[key] = (label, definition)``."""

from __future__ import annotations

DEFINITIONS: dict[str, tuple[str, str]] = {
    "visitors": (
        "Visitors",
        (
            "Unique visitors per day, summed over the period: a visitor is one browser "
            "(network address and user agent) on one UTC day, recognised without a cookie; "
            "the id changes every day, so one person visiting on three days counts three "
            "times. Robots, staff and our own monitoring are not counted."
        ),
    ),
    "sessions": (
        "Sessions",
        (
            "Visits: a visitor's page views with no gap over 30 minutes (a session is also "
            "cut at midnight UTC)."
        ),
    ),
    "bounce": (
        "Bounce rate",
        "Sessions of a single page view, as a share of all sessions.",
    ),
    "session": (
        "Average session",
        (
            "From a session's first page view to its last page view or, if later, the last "
            "time-on-page beacon its pages sent when hidden or left; averaged over sessions."
        ),
    ),
    "pages": (
        "Pages per session",
        "Page views divided by sessions.",
    ),
    "mobile": (
        "Mobile share",
        "Visitors on phones (tablets not included) as a share of all visitors.",
    ),
    "return": (
        "Return visitors within 7 days",
        (
            "Of the visitors we may recognise (signed in, or agreed on the privacy page; "
            "never under Do-Not-Track or GPC) seen in the period, the share seen again on "
            "another day within 7 days of a visit. All cities and categories."
        ),
    ),
    "mobile_load": (
        "Page load on mobile",
        (
            "Average time phones took to load a page (the browser's navigation timing, sent "
            "by the beacon)."
        ),
    ),
    "conversion": (
        "Conversion rate",
        "Paid bookings (confirmed in the period) divided by visitors.",
    ),
    "registrations": (
        "Registrations",
        (
            "Customer accounts created in the period (staff and smoke-test accounts left "
            "out). All cities and categories."
        ),
    ),
    "bookings": (
        "Bookings",
        (
            "Bookings confirmed in the period and not since cancelled or refunded (smoke-test "
            "accounts left out)."
        ),
    ),
    "revenue": (
        "Revenue",
        (
            "Captured charges and deposit captures in the period, per currency (refunds not "
            "deducted)."
        ),
    ),
    "satisfaction": (
        "Customer satisfaction",
        (
            "Average of the ratings given in the period, 1 to 5: reviews (not rejected) and "
            'the "how did we do" scores of tickets, weighted by their numbers. All cities '
            "and categories."
        ),
    ),
    "support": (
        "Support-ticket ratio",
        "Support tickets opened in the period as a share of visitors. All cities and categories.",
    ),
    "first_response": (
        "First response time",
        "Average time from a ticket's opening to the concierge's first answer, for the "
        "tickets opened in the period and answered.",
    ),
}
