"""The import parses plainly written French numbers without phonenumbers' parser (the costly
part of an import): for every national prefix, the result is the one phonenumbers' full
parse gives, and a number France does not know still goes to the full path (overseas)."""

import random

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from crm.phones import normalise_phone

KINDS = {PhoneNumberType.MOBILE: "mobile", PhoneNumberType.FIXED_LINE: "landline",
         PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline"}


def _full_parse(digits: str) -> tuple[str, str] | None:
    number = phonenumbers.parse(digits, "FR")
    number_type = phonenumbers.number_type(number)
    if number_type == PhoneNumberType.UNKNOWN:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164), KINDS.get(number_type, "other")


def _numbers() -> list[str]:
    rng = random.Random(11)
    numbers = []
    for prefix in range(10, 100):  # 01 0… to 09 9…: every two-digit national prefix
        for _ in range(6):
            numbers.append(f"0{prefix}" + "".join(rng.choice("0123456789") for _ in range(7)))
    return numbers


def test_plain_writings_give_what_the_full_parser_gives():
    agreed = 0
    for digits in _numbers():
        full = _full_parse(digits)
        if full is None:
            continue  # not a metropolitan number: the full path decides (tested elsewhere)
        for written in (digits, " ".join(digits[i:i + 2] for i in range(0, 10, 2)),
                        ".".join(digits[i:i + 2] for i in range(0, 10, 2)), "+33" + digits[1:],
                        "0033 " + digits[1:]):
            fast = normalise_phone(written)
            assert (fast.e164, fast.kind) == full, written
            agreed += 1
    assert agreed > 90 * 5  # most prefixes hold valid numbers


def test_an_overseas_number_written_nationally_still_finds_its_region():
    result = normalise_phone("0692 12 34 56")

    assert (result.e164, result.kind) == ("+262692123456", "mobile")
