"""The fraud catalogue and its pure decisions, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voucher.domain import code_guessing, fraud
from voucher.domain.errors import DomainError

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
GUESS = fraud.RULES["code_guessing"].defaults()


def test_every_rule_has_a_stable_name_a_french_explanation_an_outcome_and_sane_defaults():
    assert len({r.name for r in fraud.CATALOGUE}) == len(fraud.CATALOGUE)
    for rule in fraud.CATALOGUE:
        assert rule.outcome in fraud.OUTCOMES and rule.stage in (
            "scan",
            "refusal",
            "before_scan",
            "payment",
        )
        assert rule.explanation.endswith(".") and len(rule.explanation) > 40
        for p in rule.params:
            assert p.minimum <= p.default <= p.maximum, (rule.name, p.name)


def test_the_rules_the_domain_asks_for_are_all_there():
    assert set(fraud.RULES) >= {
        "already_redeemed",
        "replayed_scan",
        "code_guessing",
        "book_per_day",
        "beneficiary_per_day",
        "structure_volume",
        "whole_book",
        "not_accepted_here",
        "structure_not_labelled",
        "lost_or_stolen_book",
        "never_handed_out",
        "recent_iban_change",
    }


VALID = [
    {},
    None,
    {"book_per_day": {"max": 3}},
    {"book_per_day": {"active": False}, "whole_book": {"window_minutes": 15, "min_book_size": 5}},
    {"structure_volume": {"factor_pct": 400, "min_count": 20, "outcome": "flag"}},
    {"already_redeemed": {"same_desk_minutes": 0}},
]

INVALID = [
    ("not an object", "*"),
    ({"unknown_rule": {}}, "unknown_rule"),
    ({"code_guessing": {"lock_after": 3}}, "code_guessing"),  # global, not per programme
    ({"replayed_scan": {}}, "replayed_scan"),  # enforced by the core, nothing to tune
    ({"book_per_day": 3}, "book_per_day"),
    ({"book_per_day": {"maximum": 3}}, "book_per_day.maximum"),
    ({"book_per_day": {"max": 0}}, "book_per_day.max"),
    ({"book_per_day": {"max": 51}}, "book_per_day.max"),
    ({"book_per_day": {"max": "3"}}, "book_per_day.max"),
    ({"book_per_day": {"max": 2.5}}, "book_per_day.max"),
    ({"book_per_day": {"max": True}}, "book_per_day.max"),
    ({"book_per_day": {"active": "non"}}, "book_per_day.active"),
    ({"book_per_day": {"outcome": "refuse"}}, "book_per_day.outcome"),
    ({"already_redeemed": {"outcome": "flag"}}, "already_redeemed.outcome"),
]


@pytest.mark.parametrize("raw", VALID)
def test_valid_thresholds_are_accepted(raw):
    assert fraud.validate(raw) == (raw or {})


@pytest.mark.parametrize("raw,where", INVALID)
def test_invalid_thresholds_are_refused_with_a_french_message_naming_the_place(raw, where):
    with pytest.raises(DomainError) as exc:
        fraud.validate(raw)
    assert exc.value.code == "invalid_fraud_thresholds"
    assert f"({where})" in exc.value.message


TUNABLE = [(r, p) for r in fraud.CATALOGUE if r.per_programme for p in r.params]


@given(st.sampled_from(TUNABLE), st.integers(-10, 200_000))
def test_an_integer_threshold_is_accepted_exactly_within_its_bounds(rule_param, value):
    rule, param = rule_param
    ok = param.minimum <= value <= param.maximum
    try:
        fraud.validate({rule.name: {param.name: value}})
    except DomainError:
        assert not ok
    else:
        assert ok


@given(
    st.dictionaries(
        st.sampled_from(sorted(fraud.RULES) + ["x"]),
        st.dictionaries(
            st.text(max_size=15),
            st.none() | st.booleans() | st.integers() | st.text(max_size=5),
            max_size=4,
        ),
        max_size=4,
    )
)
def test_at_scan_time_any_stored_json_gives_thresholds_within_bounds(raw):
    for rule in fraud.CATALOGUE:
        values = fraud.effective(raw, rule.name)
        for p in rule.params:
            assert p.minimum <= values[p.name] <= p.maximum
        if rule.per_programme:
            assert isinstance(values["active"], bool) and values["outcome"] in fraud.OUTCOMES


def test_daily_limit_fires_on_the_first_scan_above_it():
    assert not fraud.over_daily_limit(1, 2)
    assert fraud.over_daily_limit(2, 2)


VOLUME = {"min_active_days": 3, "factor_pct": 300, "min_count": 10}


def test_volume_limit_is_a_multiple_of_the_median_active_day_never_below_the_floor():
    assert fraud.volume_limit([0, 4, 0, 6, 5, 0], VOLUME) == 15  # median of 4, 5, 6 is 5
    assert fraud.volume_limit([1, 2, 1], VOLUME) == 10  # the floor
    assert fraud.volume_limit([0, 0, 8, 9], VOLUME) is None  # two active days: too little to judge
    assert fraud.volume_limit([3, 4], {**VOLUME, "min_active_days": 2, "factor_pct": 250}) == 10
    assert (
        fraud.volume_limit([7, 8], {**VOLUME, "min_active_days": 2, "factor_pct": 250}) == 18
    )  # 7.5 x 2.5


WHOLE = {"window_minutes": 60, "min_book_size": 3}


def test_whole_book_needs_every_other_voucher_at_this_place_within_the_window():
    times = [T0 - timedelta(minutes=60), T0 - timedelta(minutes=1)]
    assert fraud.whole_book(times, [5, 5], 5, 3, T0, WHOLE)
    assert not fraud.whole_book(times, [5, 6], 5, 3, T0, WHOLE)
    assert not fraud.whole_book([T0 - timedelta(minutes=61), T0], [5, 5], 5, 3, T0, WHOLE)
    assert not fraud.whole_book(times[:1], [5], 5, 3, T0, WHOLE), "not the last voucher"
    assert not fraud.whole_book(times[:1], [5], 5, 2, T0, WHOLE), (
        "books of two are too small to judge"
    )


def test_guessing_slows_at_five_failures_and_locks_at_ten_within_the_window():
    fails = [T0 + timedelta(seconds=30 * i) for i in range(10)]
    assert code_guessing.guessing(fails[:4], fails[3], GUESS).status == "ok"
    slow = code_guessing.guessing(fails[:5], fails[4] + timedelta(seconds=5), GUESS)
    assert (slow.status, slow.retry_after) == ("slow", 25)
    assert code_guessing.guessing(fails[:9], fails[8] + timedelta(seconds=30), GUESS).status == "ok"
    locked = code_guessing.guessing(fails, fails[9], GUESS)
    assert locked.status == "locked" and locked.locked_until == fails[9] + timedelta(minutes=60)
    assert code_guessing.guessing(fails, fails[9] + timedelta(minutes=60), GUESS).status == "ok"


def test_ten_failures_spread_wider_than_the_window_do_not_lock():
    fails = [T0 + timedelta(minutes=2 * i) for i in range(10)]  # 18 minutes from first to last
    assert code_guessing.guessing(fails, fails[-1] + timedelta(seconds=31), GUESS).status == "ok"


@given(st.lists(st.integers(0, 7200), max_size=40), st.integers(0, 9000))
def test_guessing_never_locks_with_fewer_failures_than_the_lock_threshold(offsets, now):
    fails = [T0 + timedelta(seconds=s) for s in offsets]
    state = code_guessing.guessing(fails, T0 + timedelta(seconds=now), GUESS)
    if len(fails) < GUESS["lock_after"]:
        assert state.status != "locked"
    assert state.retry_after >= 0 and (state.status == "ok") == (state.retry_after == 0)


def test_severity_is_loudest_for_probable_fraud():
    assert fraud.severity("already_redeemed", "refuse", elsewhere=True) == "high"
    assert fraud.severity("already_redeemed", "refuse") == "medium"
    assert fraud.severity("code_guessing", "refuse") == "high"
    assert fraud.severity("book_per_day", "hold") == "medium"
    assert fraud.severity("never_handed_out", "flag") == "low"


def test_the_documentation_lists_every_rule_and_every_tunable_default():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "fraud-rules.md").read_text(
        encoding="utf-8"
    )
    for rule in fraud.CATALOGUE:
        assert f"| `{rule.name}` |" in doc and rule.explanation in doc, rule.name
        if rule.per_programme:
            for p in rule.params:
                assert (
                    f"| `{rule.name}` | `{p.name}` | {p.default} | {p.minimum} – {p.maximum} |"
                    in doc
                )
