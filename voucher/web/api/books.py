"""Books: read, move to another prescriber, hand out to a beneficiary, report lost or stolen,
note the follow-up answer ("done the procedure alone since?").

Rules kept: funder keys act on their programmes' books, prescriber keys on the books they
hold; anything else is 404. Handing out takes a pseudonymous profile (the prescriber's own
reference is hashed with the instance's key and never stored as such); no answer ever
carries the beneficiary.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask_smorest import Blueprint

from schemas.api.issuance import (
    BookListArgsSchema,
    BookPageSchema,
    BookSchema,
    FollowUpInSchema,
    FollowUpSchema,
    HandOutSchema,
    MoveSchema,
    ReportSchema,
)
from schemas.api.scans import OptionalIdempotencyHeaderSchema
from voucher.db.models import Book
from voucher.services.access import api_reads, api_sync
from voucher.services.evaluation import follow_up as follow_ups
from voucher.services.issuance import books, handout
from voucher.web.api import idempotency, replies, security
from voucher.web.db import db, writes

blp = Blueprint("api_books", __name__, url_prefix="/api/v1", description="Carnets")
BOOK = BookSchema()


def view(book: Book) -> dict[str, Any]:
    return BOOK.dump(
        {
            "serial": book.serial,
            "batch_id": book.batch_id,
            "programme_id": book.programme_id,
            "holder_id": book.holder_id,
            "status": book.status,
            "handed_out": book.beneficiary_id is not None,
            "handed_out_at": book.handed_out_at,
            "reported_at": book.reported_at,
            "vouchers": api_reads.book_states(db(), book.id),
        }
    )


def _visible(serial: int) -> Book:
    return api_reads.book(db(), api_reads.viewer_for(db(), security.actor()), serial)


def _reread(serial: int) -> tuple[int, dict[str, Any]]:
    db().flush()
    db().expire_all()
    return 200, view(_visible(serial))


def _once(scope: str, headers: dict[str, Any], work: idempotency.Work) -> Response:
    return idempotency.optional(security.actor(), scope, headers.get("idempotency_key"), work)


@blp.route("/books", methods=["GET"])
@security.key_required("funder", "finance", "prescriber")
@blp.doc(summary="Les carnets visibles par la clé, par curseur")
@blp.arguments(BookListArgsSchema, location="query")
@blp.response(200, BookPageSchema)
def list_books(args: dict[str, Any]) -> Response:
    viewer = api_reads.viewer_for(db(), security.actor())
    walk = api_reads.walk(
        args.get("cursor"), since=args.get("updated_since"), status=args.get("status")
    )
    return replies.sync(api_sync.sync_books(db(), viewer, walk, args["page_size"]), view)


@blp.route("/books/<int(min=1, max=9007199254740991):serial>", methods=["GET"])
@security.key_required("funder", "finance", "prescriber")
@blp.doc(summary="Un carnet (sans son bénéficiaire)")
@blp.response(200, BookSchema)
def get_book(serial: int) -> Response:
    return replies.ok(view(_visible(serial)))


@blp.route("/books/<int(min=1, max=9007199254740991):serial>/move", methods=["POST"])
@writes(keep_on_refusal=True)
@security.key_required("funder", "prescriber")
@blp.doc(summary="Confier un carnet non remis à un autre prescripteur")
@blp.arguments(OptionalIdempotencyHeaderSchema, location="headers")
@blp.arguments(MoveSchema)
@blp.response(200, BookSchema)
def move(headers: dict[str, Any], body: dict[str, Any], serial: int) -> Response:
    def work() -> tuple[int, dict[str, Any]]:
        _visible(serial)
        books.move_book(db(), security.actor(), serial, body["to_prescriber_id"])
        return _reread(serial)

    return _once("book.move", headers, work)


@blp.route("/books/<int(min=1, max=9007199254740991):serial>/hand-out", methods=["POST"])
@writes(keep_on_refusal=True)
@security.key_required("prescriber")
@blp.doc(summary="Remettre un carnet à un bénéficiaire (profil pseudonyme ; clé prescriber)")
@blp.arguments(OptionalIdempotencyHeaderSchema, location="headers")
@blp.arguments(HandOutSchema)
@blp.response(200, BookSchema)
def hand_out(headers: dict[str, Any], body: dict[str, Any], serial: int) -> Response:
    actor = security.actor()

    def work() -> tuple[int, dict[str, Any]]:
        _visible(serial)
        handout.hand_out(
            db(),
            actor,
            serial=serial,
            prescriber_id=int(actor.organisation_id or 0),
            profile=handout.Profile(**body),
            key=current_app.config["PSEUDONYM_KEY"],
        )
        return _reread(serial)

    return _once("book.hand_out", headers, work)


@blp.route("/books/<int(min=1, max=9007199254740991):serial>/report", methods=["POST"])
@writes(keep_on_refusal=True)
@security.key_required("funder", "prescriber")
@blp.doc(summary="Déclarer un carnet perdu ou volé (ses chèques non utilisés sont annulés)")
@blp.arguments(OptionalIdempotencyHeaderSchema, location="headers")
@blp.arguments(ReportSchema)
@blp.response(200, BookSchema)
def report(headers: dict[str, Any], body: dict[str, Any], serial: int) -> Response:
    def work() -> tuple[int, dict[str, Any]]:
        _visible(serial)
        books.report_book(db(), security.actor(), serial, reason=body["reason"])
        return _reread(serial)

    return _once("book.report", headers, work)


@blp.route("/books/<int(min=1, max=9007199254740991):serial>/follow-up", methods=["POST"])
@writes(keep_on_refusal=True)
@security.key_required("prescriber", "reception")
@blp.doc(summary="Noter le suivi : la personne a-t-elle fait seule la démarche depuis ?")
@blp.arguments(OptionalIdempotencyHeaderSchema, location="headers")
@blp.arguments(FollowUpInSchema)
@blp.response(201, FollowUpSchema)
def follow_up(headers: dict[str, Any], body: dict[str, Any], serial: int) -> Response:
    actor = security.actor()

    def work() -> tuple[int, dict[str, Any]]:
        row = follow_ups.record(
            db(),
            actor,
            serial=serial,
            organisation_id=int(actor.organisation_id or 0),
            role="prescriber" if actor.role == "prescriber" else "structure",
            **body,
        )
        return 201, FollowUpSchema().dump(
            {
                "id": row.id,
                "serial": serial,
                "answer": row.answer,
                "moment": row.moment,
                "observed_on": row.observed_on,
            }
        )

    return _once("book.follow_up", headers, work)
