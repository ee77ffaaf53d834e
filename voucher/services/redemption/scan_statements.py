"""The SQL of a scan, built once at import (Core statements: the hot path renders nothing new).

Rules kept:

* :data:`SCAN_ROW` is the one facts query of a scan: the voucher, its book and programme,
  every fact :func:`voucher.domain.acceptance.refusal` needs about the structure (as
  columns, no second round trip), and whether this scan id was already answered at this
  structure (``prior_scan``); the scan locks its voucher row with it
  (:func:`voucher.db.dialect.for_update`), the look-up reads it unlocked;
* :data:`SCAN_ROW_TO_WRITE` (the scan's locking facts query) also names the two accounts
  an accepted scan moves (``outstanding`` of the voucher's programme and prescriber,
  ``payable`` of the structure), by the codes :mod:`voucher.domain.ledger` gives them, so
  the write needs no look-up of its own (NULL when an account does not exist yet: the
  write then creates it through the journal);
* :data:`TAKE_VOUCHER` moves a voucher only from a scannable state
  (:data:`voucher.domain.states.SCANNABLE`), so a voucher is never taken twice even if the
  lock were missing; the partial unique index on live redemptions is the last guard.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import (
    Date,
    String,
    Table,
    and_,
    bindparam,
    exists,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy import cast as cast_

from voucher.db.models import (
    Account,
    Book,
    Hold,
    Label,
    Organisation,
    PilotZoneCommune,
    Programme,
    ProgrammeLabel,
    ProgrammeStructure,
    ProgrammeZone,
    Redemption,
    Voucher,
)
from voucher.domain.states import SCANNABLE

VOUCHERS = cast(Table, Voucher.__table__)
BOOKS = cast(Table, Book.__table__)
PROGRAMMES = cast(Table, Programme.__table__)
REDEMPTIONS = cast(Table, Redemption.__table__)
HOLDS = cast(Table, Hold.__table__)
_V, _B, _P, _R = VOUCHERS.c, BOOKS.c, PROGRAMMES.c, REDEMPTIONS.c
#: redemption statuses that hold their voucher (not cancelled, not rejected)
LIVE = ("accepted", "held")

_ROW_COLUMNS = (
    _V.id,
    _V.code,
    _V.state,
    _V.book_id,
    _V.position,
    _V.face_value_cents,
    _V.programme_id,
    _B.serial,
    _B.holder_id,
    _B.beneficiary_id,
    _B.status.label("book_status"),
    _P.name.label("programme_name"),
    _P.valid_from,
    _P.valid_until,
    _P.grace_days,
    _P.vouchers_per_book,
    _P.handout_policy,
    _P.fraud_thresholds,
)
_ROW_FROM = VOUCHERS.join(BOOKS, _B.id == _V.book_id).join(PROGRAMMES, _P.id == _V.programme_id)


def _acceptance_facts() -> list[Any]:
    """Everything :func:`voucher.domain.acceptance.refusal` needs, as columns of the one
    query that also locks the voucher: no second round trip on the hot path."""
    orgs, labels = cast(Table, Organisation.__table__), cast(Table, Label.__table__)
    p_struct, p_label = (
        cast(Table, ProgrammeStructure.__table__),
        cast(Table, ProgrammeLabel.__table__),
    )
    p_zone, communes = cast(Table, ProgrammeZone.__table__), cast(Table, PilotZoneCommune.__table__)
    sid: Any = bindparam("sid")
    today: Any = bindparam("today", type_=Date())
    valid_today = and_(
        labels.c.valid_from <= today,
        or_(labels.c.valid_until.is_(None), labels.c.valid_until >= today),
    )
    commune = select(orgs.c.commune_insee).where(orgs.c.id == sid).scalar_subquery()
    return [
        select(orgs.c.is_structure).where(orgs.c.id == sid).scalar_subquery().label("is_structure"),
        exists().where(labels.c.organisation_id == sid, valid_today).label("labelled"),
        or_(
            ~exists().where(p_struct.c.programme_id == _V.programme_id),
            exists().where(
                p_struct.c.programme_id == _V.programme_id, p_struct.c.structure_id == sid
            ),
        ).label("structure_listed"),
        or_(
            ~exists().where(p_label.c.programme_id == _V.programme_id),
            exists(
                select(1)
                .select_from(p_label.join(labels, labels.c.name == p_label.c.label_name))
                .where(
                    p_label.c.programme_id == _V.programme_id,
                    labels.c.organisation_id == sid,
                    valid_today,
                )
            ),
        ).label("label_accepted"),
        or_(
            ~exists().where(p_zone.c.programme_id == _V.programme_id),
            exists(
                select(1)
                .select_from(p_zone.join(communes, communes.c.zone_id == p_zone.c.zone_id))
                .where(p_zone.c.programme_id == _V.programme_id, communes.c.insee_code == commune)
            ),
        ).label("in_zone"),
    ]


#: was this scan id already answered at this structure? (replays need the full look-up)
_PRIOR_ID = (
    select(_R.id)
    .where(_R.structure_id == bindparam("sid"), _R.scan_id == bindparam("scan_id"))
    .scalar_subquery()
    .label("prior_scan")
)
SCAN_ROW = (
    select(*_ROW_COLUMNS, *_acceptance_facts(), _PRIOR_ID)
    .select_from(_ROW_FROM)
    .where(_V.code == bindparam("code"))
)


def _account_id(kind: str, *ids: Any) -> Any:
    """The id of the account ``kind:id[:id]`` (as :mod:`voucher.domain.ledger` names it),
    or NULL when it does not exist yet; an indexed look-up inside the facts query."""
    code: Any = literal_column(f"'{kind}'", String)
    for part in ids:
        code = code + literal_column("':'", String) + cast_(part, String)
    accounts = cast(Table, Account.__table__)
    return select(accounts.c.id).where(accounts.c.code == code).scalar_subquery()


#: the scan's facts with the ids of the two accounts an accepted scan moves
SCAN_ROW_TO_WRITE = SCAN_ROW.add_columns(
    _account_id("outstanding", _V.programme_id, _B.holder_id).label("outstanding_account"),
    _account_id("payable", bindparam("sid")).label("payable_account"),
)
ROW_BY_ID = select(*_ROW_COLUMNS).select_from(_ROW_FROM).where(_V.id == bindparam("vid"))
PRIOR_SCAN = select(_R.id, _R.voucher_id, _R.status, _R.scanned_at, _R.theme, _R.verdicts).where(
    _R.structure_id == bindparam("sid"), _R.scan_id == bindparam("scan_id")
)
FIRST_LIVE = select(_R.scanned_at, _R.structure_id).where(
    _R.voucher_id == bindparam("vid"), _R.status.in_(LIVE)
)
TAKE_VOUCHER = (
    update(VOUCHERS)
    .where(_V.id == bindparam("vid"), _V.state.in_(sorted(SCANNABLE)))
    .values(state=bindparam("new_state"), updated_at=bindparam("now"))
)
NEW_REDEMPTION = insert(REDEMPTIONS).returning(_R.id)
NEW_HOLD = insert(HOLDS)
