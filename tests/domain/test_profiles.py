"""Hand-out profiles: age bands that do not overlap, combinations no person can have
refused on the age band field, every plausible one accepted."""

from __future__ import annotations

import re

import pytest

from voucher.domain import vocab
from voucher.domain.errors import DomainError


def test_age_bands_do_not_overlap():
    ranges = []
    for code, label in vocab.AGE_BANDS.items():
        numbers = [int(n) for n in re.findall(r"\d+", label)]
        if code == "moins_de_douze":
            ranges.append((0, numbers[0] - 1))
        elif code == "soixante_dix_plus":
            ranges.append((numbers[0], 150))
        elif numbers:
            ranges.append((numbers[0], numbers[1]))
    ranges.sort()
    for (_, end), (start, _) in zip(ranges, ranges[1:], strict=False):
        assert start == end + 1, ranges  # no age in two bands, no age in none


@pytest.mark.parametrize(
    ("population", "age", "status"),
    [
        ("seniors", "moins_de_douze", "non_communique"),
        ("seniors", "dix_huit_vingt_quatre", None),
        ("jeunes_insertion", "soixante_dix_plus", "sans_emploi"),
        ("jeunes_insertion", "moins_de_douze", None),
        ("autre", "moins_de_douze", "retraite"),
        ("familles_precaires", "douze_dix_huit", "retraite"),
        ("autre", "moins_de_douze", "en_emploi"),
    ],
)
def test_impossible_profiles_are_refused_on_the_age_field(population, age, status):
    with pytest.raises(DomainError) as refused:
        vocab.check_profile(population, age, status)
    assert refused.value.code == "impossible_profile"
    assert refused.value.details["field"] == "age_band"
    assert vocab.AGE_BANDS[age] in refused.value.message


def test_every_other_combination_is_accepted():
    accepted = 0
    for population in vocab.POPULATIONS:
        for age in vocab.AGE_BANDS:
            for status in vocab.STATUSES:
                if age in vocab.IMPOSSIBLE_AGES.get(population, ()):
                    continue
                if age in vocab.IMPOSSIBLE_STATUS_AGES.get(status, ()):
                    continue
                vocab.check_profile(population, age, status)
                accepted += 1
    assert accepted > 100
    # "non communiqué" never blocks anyone
    for population in vocab.POPULATIONS:
        vocab.check_profile(population, "non_communique", "non_communique")
