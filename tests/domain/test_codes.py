"""Voucher codes: entropy, the Damm check proven exhaustively, forgiving input."""

from __future__ import annotations

import math
import random

import pytest
from stdnum import damm

from voucher.domain import codes
from voucher.domain.errors import DomainError

DIGITS = "0123456789"


def test_a_code_is_24_digits_with_at_least_64_random_bits():
    code = codes.generate()
    assert len(code) == codes.CODE_LENGTH == 24 and code.isdigit()
    assert codes.RANDOM_DIGITS * math.log2(10) >= 64
    assert codes.is_valid(code)


def test_generated_codes_do_not_repeat_and_use_every_digit_evenly():
    sample = [codes.generate() for _ in range(5_000)]
    assert len(set(sample)) == len(sample)
    counts = {d: sum(c[:-1].count(d) for c in sample) for d in DIGITS}
    expected = 5_000 * codes.RANDOM_DIGITS / 10
    assert all(abs(n - expected) / expected < 0.05 for n in counts.values())


def test_codes_drawn_in_bulk_are_valid_distinct_and_even_in_every_position():
    sample = codes.generate_many(20_000)
    assert len(sample) == 20_000 and len(set(sample)) == 20_000
    assert all(len(c) == codes.CODE_LENGTH and c.isdigit() for c in sample)
    # the table look-up agrees with python-stdnum code by code
    assert all(c[-1] == damm.calc_check_digit(c[:-1]) for c in sample)
    for position in range(codes.RANDOM_DIGITS):  # no position biased (e.g. a leading 0)
        counts = [sum(c[position] == d for c in sample) for d in DIGITS]
        assert all(abs(n - 2_000) < 2_000 * 0.12 for n in counts), (position, counts)
    assert codes.generate_many(0) == [] and len(codes.generate_many(1)) == 1


def test_damm_catches_every_single_substitution_whatever_the_context():
    # the interim state before a position takes all 10 values; a substitution is caught
    # for every state, digit pair and position (rows of the quasigroup are permutations)
    for state in range(10):
        for a in DIGITS:
            for b in DIGITS:
                if a != b:
                    for suffix_len in range(0, codes.CODE_LENGTH):
                        prefix = _prefix_for_state(state)
                        tail = "7" * suffix_len
                        assert damm.checksum(prefix + a + tail) != damm.checksum(prefix + b + tail)


def test_damm_catches_every_adjacent_swap_whatever_the_context():
    for state in range(10):
        prefix = _prefix_for_state(state)
        for a in DIGITS:
            for b in DIGITS:
                if a != b:
                    assert damm.checksum(prefix + a + b) != damm.checksum(prefix + b + a)


def _prefix_for_state(state: int) -> str:
    for n in range(1000):
        candidate = str(n)
        if damm.checksum(candidate) == state:
            return candidate
    raise AssertionError("unreachable")


@pytest.mark.parametrize("seed", range(20))
def test_every_single_error_and_adjacent_swap_of_real_codes_is_mistyped(seed):
    code = random.Random(seed).choice([codes.generate() for _ in range(3)])
    for i in range(len(code)):
        for d in DIGITS:
            if d != code[i]:
                wrong = code[:i] + d + code[i + 1 :]
                with pytest.raises(DomainError) as exc:
                    codes.parse(wrong)
                assert exc.value.code == "mistyped_code"
    for i in range(len(code) - 1):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            assert not codes.is_valid(swapped)


def test_typing_is_forgiving_about_spaces_dashes_case_and_lookalikes():
    code = "0110" + codes.generate()[4:]
    body = code[:-1]
    code = body + damm.calc_check_digit(body)
    grouped = codes.format_code(code)
    assert codes.parse(grouped) == code
    assert codes.parse(grouped.replace(" ", "-")) == code
    assert codes.parse(" " + grouped.replace(" ", ".") + " ") == code
    assert codes.parse(code.replace("0", "O", 1).replace("1", "l", 1)) == code
    assert codes.parse(code.replace("1", "I")) == code


def test_azerty_shifted_digits_from_a_us_layout_scanner_are_mapped_back():
    code = codes.generate()
    shifted = code.translate(str.maketrans("1234567890", "&é\"'(-è_çà"))
    assert codes.parse(shifted) == code


def test_garbage_wrong_length_and_proof_codes_are_mistyped():
    for raw in [
        "",
        "   ",
        "abc",
        "1234",
        codes.generate() + "1",
        "12345678901234567890123X",
        codes.specimen(1),
        codes.specimen(99),
    ]:
        with pytest.raises(DomainError) as exc:
            codes.parse(raw)
        assert exc.value.code == "mistyped_code"


def test_codes_print_in_six_groups_of_four():
    assert codes.format_code("123456789012345678901234") == "1234 5678 9012 3456 7890 1234"


def test_the_check_answers_what_python_stdnum_answers():
    """The scan's own Damm check (python-stdnum's table looked up by character) says what
    ``damm.is_valid`` says, on valid codes and every single change of them."""
    rng = random.Random(7)
    for code in [codes.generate() for _ in range(200)]:
        variants = [code] + [code[:i] + rng.choice(DIGITS) + code[i + 1 :] for i in range(24)]
        for v in variants:
            assert codes.is_valid(v) == damm.is_valid(v)
