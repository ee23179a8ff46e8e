"""Public ids: one encoder of a 40-bit number, used for random, imported and
synthetic waivers alike."""

import re

import pytest

from waivers.models.waiver import PUBLIC_ID_ALPHABET, new_public_id, public_id_from_number

SHAPE = re.compile(r"^MIA-[0-9A-HJKMNP-TV-Z]{8}$")


def test_numbers_are_written_in_crockford_base32_most_significant_first():
    assert public_id_from_number(0) == "MIA-00000000"
    assert public_id_from_number(31) == "MIA-0000000Z"
    assert public_id_from_number(32) == "MIA-00000010"
    assert public_id_from_number(2**40 - 1) == "MIA-ZZZZZZZZ"
    assert public_id_from_number(0x123456789A) == "MIA-28T5CY4T"


def test_the_alphabet_has_no_letters_that_read_like_digits():
    assert len(PUBLIC_ID_ALPHABET) == len(set(PUBLIC_ID_ALPHABET)) == 32
    assert not set("ILOU") & set(PUBLIC_ID_ALPHABET)


@pytest.mark.parametrize("number", [-1, 2**40])
def test_numbers_outside_forty_bits_are_refused(number):
    with pytest.raises(ValueError, match="2\\*\\*40"):
        public_id_from_number(number)


def test_new_public_ids_have_the_shape_and_differ():
    ids = {new_public_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(SHAPE.match(public_id) for public_id in ids)
