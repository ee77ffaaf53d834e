"""k-anonymity of research extracts and coarse dates, worked by hand."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from voucher.domain import anonymity as an
from voucher.domain.anonymity import GROUPED, Profile


def _p(
    commune="86194",
    age="soixante_soixante_neuf",
    status="retraite",
    pop="seniors",
    zone="rural",
    prog=1,
):
    return Profile(prog, pop, age, status, commune, zone)


def test_a_group_of_k_people_keeps_its_commune():
    units = {i: _p() for i in range(11)}
    out = an.k_anonymise(units, 11)
    assert set(out.profiles.values()) == {_p()} and not out.suppressed and not out.steps


def test_a_rare_commune_becomes_its_departement_then_its_neighbours_join_it():
    units = {i: _p("86194") for i in range(20)}
    units.update({100 + i: _p("86165") for i in range(3)})
    units.update({200 + i: _p("86001") for i in range(9)})
    out = an.k_anonymise(units, 11)
    counts = Counter(p.territory for p in out.profiles.values())
    assert counts == {"86194": 20, "86": 12}  # 3 + 9 in the département; the big commune kept
    assert not out.suppressed


def test_a_person_alone_everywhere_is_left_out_and_counted():
    units = {i: _p() for i in range(15)}
    units[99] = _p("2A004", zone="urbain", prog=2)
    out = an.k_anonymise(units, 11)
    assert out.suppressed == {99} and 99 not in out.profiles
    assert an.smallest_group(out.profiles.values()) >= 11


def test_rare_ages_are_broadened_before_anything_is_suppressed():
    units = {i: _p(age="soixante_soixante_neuf") for i in range(6)}
    units.update({10 + i: _p(age="soixante_dix_plus") for i in range(6)})
    out = an.k_anonymise(units, 11)
    assert {p.age_band for p in out.profiles.values()} == {"soixante_plus"}
    assert {p.territory for p in out.profiles.values()} == {""}
    assert not out.suppressed


def test_the_last_steps_group_a_value_rather_than_suppress_people():
    units = {i: _p(age="vingt_cinq_trente_neuf") for i in range(16)}
    units.update({50 + i: _p(age="soixante_soixante_neuf") for i in range(8)})
    out = an.k_anonymise(units, 11)
    assert not out.suppressed
    assert an.smallest_group(out.profiles.values()) >= 11
    assert GROUPED in {p.age_band for p in out.profiles.values()}


def test_days_since_hand_out_come_in_bands():
    assert [an.delay_band(d) for d in (0, 6, 7, 13, 14, 29, 30, 89, 90, 179, 180, 900)] == [
        "j0_6",
        "j0_6",
        "j7_13",
        "j7_13",
        "j14_29",
        "j14_29",
        "j30_59",
        "j60_89",
        "j90_179",
        "j90_179",
        "j180_plus",
        "j180_plus",
    ]
    assert an.delay_band(None) is None


PROFILES = st.builds(
    Profile,
    st.integers(1, 2),
    st.sampled_from(["seniors", "jeunes_insertion", "autre"]),
    st.sampled_from(list(an.BROAD_AGE)),
    st.sampled_from(["retraite", "sans_emploi", "en_emploi"]),
    st.sampled_from(["86194", "86165", "75056", "2A004", "97411", ""]),
    st.sampled_from(["rural", "urbain", "non_renseigne"]),
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(PROFILES, max_size=150), st.integers(2, 15))
def test_every_published_profile_covers_at_least_k_people(profiles, k):
    out = an.k_anonymise(dict(enumerate(profiles)), k)
    assert an.smallest_group(out.profiles.values()) in (0, *range(k, 10**6))
    assert set(out.profiles) | out.suppressed == set(range(len(profiles)))
    assert not set(out.profiles) & out.suppressed
