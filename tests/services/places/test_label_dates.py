"""A validated place holds a dated label: it scans while the label runs, is listed for a
reminder before the label's last day (not once renewed), and is refused after it lapses
(the existing rule, ``structure_not_labelled``)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests import factories as f
from tests.services.places import place_world as pw
from tests.services.redemption import fraud_world as fw
from voucher.db.queries import places as q
from voucher.domain import calendar
from voucher.services.organisations import documents, organisations, qualification


def validated_place(session, store, on: date):
    pw.load_extract(session)
    org, _ = pw.ready_place(session, store)
    for doc in documents.of_organisation(session, org.id):
        documents.decide(session, f.SECOND, doc.id, validate=True)
    qualification.decide(session, f.SECOND, org.id, validate=True, today=on)
    return org


def test_a_lapsing_label_is_reminded_then_refuses_scans(session, tmp_path):
    w = fw.world(session)
    org = validated_place(session, tmp_path, date(2026, 1, 10))
    assert [d.organisation_id for d in q.labels_due(session, date(2026, 12, 10), 30)] == [org.id]
    assert q.labels_due(session, date(2026, 11, 1), 30) == []
    codes = fw.codes(session, fw.serial(w))
    fw.hand_out(session, w, fw.serial(w))
    inside = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)
    with calendar.at(inside):
        assert fw.scan(session, w, codes[0], structure_id=org.id).redemption_id
    after = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
    assert (
        fw.refused_scan(session, w, codes[1], structure_id=org.id, at=after)
        == "structure_not_labelled"
    )


def test_a_renewed_label_is_not_reminded(session, tmp_path):
    org = validated_place(session, tmp_path, date(2026, 1, 10))
    organisations.add_label(
        session, f.ACTOR, org.id, "Pass numérique", date(2027, 1, 10), date(2028, 1, 9)
    )
    assert q.labels_due(session, date(2026, 12, 10), 30) == []
    assert [d.valid_until for d in q.labels_due(session, date(2027, 12, 20), 30)] == [
        date(2028, 1, 9)
    ]
