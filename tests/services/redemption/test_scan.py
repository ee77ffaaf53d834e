"""The one scan use case: guessing first, the redemption in a savepoint, one rule for which
refusals are logged; and the screening's explicit rule list is what runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.services.redemption import fraud_world as fw
from voucher.db.models import FraudFlag, IdempotencyRecord, RefusedScan, StructureDayVolume
from voucher.domain import calendar, codes, fraud
from voucher.domain.errors import DomainError
from voucher.domain.verdicts import Verdict
from voucher.services import idempotency
from voucher.services.issuance import batches
from voucher.services.redemption import redeem, rules, screening
from voucher.services.redemption import scan as scanning
from voucher.services.redemption.screening import Screening

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with calendar.at(T0):
        yield


def count(session, model) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def sent(w, code: str, **kw) -> redeem.Scan:
    return redeem.Scan(code=code, structure_id=w.structure.id, **kw)


def test_the_screening_names_the_scan_rules_of_the_catalogue_in_their_order():
    assert [rule.__name__ for rule in screening.RULES] == [
        "never_handed_out",
        "book_per_day",
        "beneficiary_per_day",
        "structure_volume",
        "whole_book",
    ]
    scan_rules = {r.name for r in fraud.CATALOGUE if r.stage == "scan" and r.enforced_by == "rules"}
    assert scan_rules <= {rule.__name__ for rule in screening.RULES}
    assert screening.FULL.rules is screening.RULES and isinstance(screening.RULES, tuple)


def test_the_rules_passed_are_the_rules_that_run_in_their_order(session):
    w = fw.world(session)
    asked: list[str] = []

    def looks(_session, ctx):
        asked.append("looks")

    def refuses(_session, ctx):
        asked.append("refuses")
        return Verdict("test_rule", "refuse", "Refusé par la règle d'essai.")

    code = fw.codes(session, fw.serial(w))[0]
    custom = Screening((looks, refuses))
    outcome = scanning.scan(session, fw.RECEPTION, sent(w, code), screening=custom)
    assert asked == ["looks", "refuses"]
    assert outcome.refusal is not None and outcome.refusal.code == "test_rule"
    assert outcome.logged and count(session, RefusedScan) == 1
    assert count(session, FraudFlag) == 0, "the custom screening has no refusal hook"


def test_without_its_rules_a_programme_that_holds_unhanded_vouchers_accepts_them(session):
    w = fw.world(session, handout_policy="hold")
    first, second = fw.codes(session, fw.serial(w))[:2]
    held = scanning.scan(session, fw.RECEPTION, sent(w, first)).get()
    assert held.status == "held" and held.verdicts[0]["rule"] == "never_handed_out"
    bare = scanning.scan(session, fw.RECEPTION, sent(w, second), screening=Screening(()))
    assert bare.get().status == "accepted" and bare.get().verdicts == []


def test_the_core_checks_only_write_the_scan_and_nothing_of_the_rules(session):
    w = fw.world(session)
    c = fw.codes(session, fw.serial(w))
    core = scanning.scan(session, fw.RECEPTION, sent(w, c[0]), screening=screening.CORE_ONLY)
    assert core.get().verdicts[0]["rule"] == "never_handed_out"
    assert count(session, StructureDayVolume) == 0 and count(session, FraudFlag) == 0
    scanning.scan(session, fw.RECEPTION, sent(w, c[1]))
    assert session.get(StructureDayVolume, (w.structure.id, T0.date())).scans == 1
    assert [fl.redemption_id for fl in fw.flags(session, "never_handed_out")] != []


def test_the_refusal_hooks_passed_see_every_logged_refusal(session):
    w = fw.world(session)
    seen = []
    custom = Screening(screening.RULES, screening.RECORDERS, (lambda s, r: seen.append(r),))
    code = fw.codes(session, fw.serial(w))[0]
    scanning.scan(session, fw.RECEPTION, sent(w, code))
    again = scanning.scan(session, fw.RECEPTION, sent(w, code), screening=custom)
    assert again.refusal is not None and again.refusal.code == "already_redeemed"
    assert [(r.reason, r.structure_id) for r in seen] == [("already_redeemed", w.structure.id)]
    assert seen[0].voucher_id is not None and seen[0].at == T0


def test_a_refused_scan_undoes_itself_only_what_the_caller_wrote_before_stays(session):
    w = fw.world(session)
    claimed = idempotency.claim(
        session,
        organisation_id=w.structure.id,
        api_key_id=None,
        scope="scan",
        key="k-1",
        fingerprint="fp",
    )
    assert claimed is not None
    refused = scanning.scan(session, fw.RECEPTION, sent(w, codes.generate()))
    assert refused.refusal is not None and refused.refusal.code == "unknown_code"
    assert count(session, IdempotencyRecord) == 1 and count(session, RefusedScan) == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"theme": "poker"}, "invalid_value"),
        ({"scanned_at": T0 + timedelta(hours=1)}, "invalid_scan_time"),
    ],
)
def test_refusals_of_the_request_rather_than_the_code_are_not_logged(session, change, code):
    w = fw.world(session)
    voucher = fw.codes(session, fw.serial(w))[0]
    outcome = scanning.scan(session, fw.RECEPTION, sent(w, voucher, **change))
    assert outcome.refusal is not None and outcome.refusal.code == code
    assert not outcome.logged and not outcome.transient
    assert count(session, RefusedScan) == 0


def test_a_scan_id_reused_for_another_voucher_is_refused_and_not_logged(session):
    w = fw.world(session)
    first, other = fw.codes(session, fw.serial(w))[:2]
    scanning.scan(session, fw.RECEPTION, sent(w, first, scan_id="tab-1")).get()
    outcome = scanning.scan(session, fw.RECEPTION, sent(w, other, scan_id="tab-1"))
    assert outcome.refusal is not None and outcome.refusal.code == "scan_id_reused"
    assert not outcome.logged and count(session, RefusedScan) == 0


def test_a_throttled_source_is_refused_before_any_look_up_and_not_logged(session):
    w = fw.world(session)
    for n in range(5):
        fw.refused_scan(session, w, codes.generate(), at=T0 - timedelta(seconds=10 - n))
    code = fw.codes(session, fw.serial(w))[0]
    for outcome in (
        scanning.scan(session, fw.RECEPTION, sent(w, code)),
        scanning.look_up(session, fw.RECEPTION, code, w.structure.id),
    ):
        assert outcome.transient and not outcome.logged
        assert outcome.refusal is not None and outcome.refusal.details["retry_after"] > 0
    assert count(session, RefusedScan) == 5
    with pytest.raises(DomainError) as exc:
        scanning.scan(session, fw.RECEPTION, sent(w, code)).get()
    assert exc.value.code == "too_many_attempts"


def test_a_look_up_logs_codes_that_are_not_ours_but_answers_the_others(session):
    w = fw.world(session)
    inactive = batches.issue_batch(
        session, f.ACTOR, programme_id=w.programme.id, prescriber_id=w.prescriber.id, books=1
    )
    code = fw.codes(session, inactive.first_serial)[0]
    answered = scanning.look_up(session, fw.RECEPTION, code, w.structure.id).get()
    assert (answered.acceptable, answered.reason) == (False, "not_active")
    unknown = scanning.look_up(session, fw.RECEPTION, codes.generate(), w.structure.id)
    assert unknown.refusal is not None and unknown.refusal.code == "unknown_code"
    assert unknown.logged
    assert list(session.scalars(select(RefusedScan.reason))) == ["unknown_code"]


def test_a_look_up_asks_the_screening_it_is_given(session):
    w = fw.world(session, handout_policy="refuse")
    code = fw.codes(session, fw.serial(w))[0]
    full = scanning.look_up(session, fw.RECEPTION, code, w.structure.id).get()
    assert (full.acceptable, full.reason) == (False, "never_handed_out")
    without = scanning.look_up(
        session, fw.RECEPTION, code, w.structure.id, screening=Screening((rules.book_per_day,))
    ).get()
    assert without.acceptable and without.reason is None


def test_refused_scans_are_recorded_without_the_full_code(session):
    w = fw.world(session)
    raw = codes.generate()
    scanning.record_refusal(
        session, fw.RECEPTION, structure_id=w.structure.id, raw_code=raw, reason="unknown_code"
    )
    row = session.scalars(select(RefusedScan)).one()
    assert (
        row.code_tail == raw[-4:]
        and row.reason == "unknown_code"
        and row.user_id == fw.RECEPTION.user_id
    )
