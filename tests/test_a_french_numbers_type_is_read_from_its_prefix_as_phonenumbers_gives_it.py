"""The import asks phonenumbers the type of a plainly written French number once per prefix
that decides it: France's patterns are "a prefix, then so many digits", so the first three
digits decide almost every number and five the others (836 0x is premium rate). Whatever the
number, the type is the one ``phonenumbers.number_type`` gives; a region whose patterns have
another shape is asked number by number."""

import random

import phonenumbers

from crm import phones


def _number_type(national: str) -> int:
    return phonenumbers.number_type(phonenumbers.PhoneNumber(country_code=33, national_number=int(national)))


def test_three_leading_digits_decide_most_french_numbers_and_five_the_others():
    shape = phones._type_shape("FR")

    assert shape.prefix == 5
    assert [width for _, width in shape.long_prefixes] == [5]
    assert phones._needs_more_digits(shape, "836") and not phones._needs_more_digits(shape, "612")


def test_every_french_number_gets_the_type_phonenumbers_gives():
    rng = random.Random(7)
    numbers = [f"{first}{''.join(rng.choice('0123456789') for _ in range(8))}"
               for first in range(1, 10) for _ in range(2000)]
    numbers += [f"836{p:02d}{rng.randrange(10_000):04d}" for p in range(100) for _ in range(3)]  # 836 0x…
    numbers += [f"{p:05d}{rng.randrange(10_000):04d}" for p in range(10_000, 100_000, 97)]
    for national in numbers:
        assert phones._french_type(national) == _number_type(national), national


def test_a_region_whose_patterns_are_not_prefixes_is_asked_number_by_number():
    assert phones._alternatives(r"(?:1|2[0-3])\d{7}|9(?:[01]|2\d)\d{6}") == [r"(?:1|2[0-3])\d{7}",
                                                                                r"9(?:[01]|2\d)\d{6}"]
    assert phones._type_shape("DE") is None  # German numbers have many lengths
