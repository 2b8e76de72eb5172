from midas.catalog.templatetags.money import money, money_full
from midas.money import convert, format_money, minor_per_major


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


def test_convert_between_currencies_exactly_rounding_once():
    assert convert(100_00, "AED", "USD", "0.2723") == 27_23
    assert convert(7_345_000, "AED", "USD", "0.2723") == 2_000_044  # 20,000.435 -> .44 (even)
    assert convert(1_500, "JPY", "USD", "0.0067") == 10_05
    assert convert(1_000, "USD", "KWD", "0.307") == 3_070
