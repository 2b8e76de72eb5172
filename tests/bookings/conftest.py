from tests.bookings.fixtures import booking_test_settings

__all__ = ["booking_test_settings"]
