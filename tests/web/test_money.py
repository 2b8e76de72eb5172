from midas.catalog.templatetags.money import money, money_full
from midas.money import format_money, minor_per_major


def test_whole_amounts_have_no_decimals():
    assert money(550_000, "USD") == "USD 5,500"


def test_fractions_show_two_decimals():
    assert money(2_019_950, "AED") == "AED 20,199.50"
    assert money(5, "USD") == "USD 0.05"


def test_full_always_shows_minor_digits():
    assert money_full(550_000, "USD") == "USD 5,500.00"


def test_other_exponents():
    assert money(1_500, "JPY") == "JPY 1,500"
    assert money(1_500, "KWD") == "KWD 1.500"
    assert minor_per_major("KWD") == 1000
    assert minor_per_major("aed") == 100


def test_bad_input_is_blank_and_negative_keeps_sign():
    assert money(None, "USD") == ""
    assert money("x", "USD") == ""
    assert format_money(-12_345, "USD") == "USD -123.45"
