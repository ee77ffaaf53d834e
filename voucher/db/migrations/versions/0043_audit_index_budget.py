"""The audit log's indexes, budgeted: every scan inserts one ``audit_event`` row, and each
B-tree on the table is one more index entry to write per scan (27 in all per single scan
before this migration; on PostgreSQL each costs about 0.8 % of the server's CPU per scan,
measured by dropping six of them: 4 % less backend CPU per scan, the same scans
alternated on two databases).

The readers of each index of the tables a scan writes (``voucher``, ``redemption``,
``journal_entry``, ``posting``, ``audit_event``), grepped in ``voucher/``:

* ``audit_event``: the application reads it in one place only, the book sync of the API
  (``api_sync.sync_books``: ``object_type``, ``object_id``, ``at >= since``), which
  ``ix_audit_object`` serves. Everything else reads it by hand (an investigation: an
  organisation's events over a period, everything within a period, an object's history).
  So:

  - ``ix_audit_event_action`` is **dropped**: no reader; a few dozen actions, one of which
    (``redemption.accepted``) is most rows, so an investigation by action goes through a
    period or an object anyway;
  - ``ix_audit_event_organisation_id`` becomes ``ix_audit_event_organisation_time``
    ``(organisation_id, at)``: the same look-up by organisation, and an organisation's
    events over a period in one range (what the single-column index did with a filter);
  - ``ix_audit_event_at`` becomes a **BRIN** index on PostgreSQL (a B-tree on SQLite,
    which has no other kind): the log is append-only and ``at`` is the time of writing,
    so the rows lie in ``at`` order and a block range summary finds a period's rows; a
    new row adds nothing to it until the range is summarised (by ``VACUUM``, as
    autovacuum does for an insert-only table), where a B-tree took one entry per row.

  Per scan: five B-tree entries in ``audit_event`` → three.
* ``redemption`` (kept, 8 entries per scan): ``uq_redemption_live_voucher`` and
  ``uq_redemption_scan_id`` are promises (no double spend, one answer per scan id);
  ``ix_redemption_book_time`` and ``ix_redemption_beneficiary_time`` are read by the
  rules at every scan; ``ix_redemption_to_state`` by the month's claim (the partial index
  shrinks as scans are claimed), ``ix_redemption_structure_time`` by a place's history
  (every status, claimed or not: the partial index cannot serve it);
  ``ix_redemption_programme_id`` by the funder's dashboards (held scans of a programme)
  and the impact exports; ``ix_redemption_statement`` is partial (``statement_id IS NOT
  NULL``) and takes no entry from a scan.
* ``journal_entry`` (kept, 4): ``uq_journal_entry_ref`` is the entry's idempotency;
  ``ix_journal_entry_at`` is read by every period report (accounting, lettering,
  reconciliation, funder statements); ``ix_journal_entry_kind`` drives the funder
  statement's payments (``kind IN ('payment.settle', 'payment.return')``, rare kinds
  among millions of scans' entries).
* ``posting`` (kept, 3 per posting): ``ix_posting_account_id`` (balances, statements),
  ``ix_posting_entry_id`` (the deferred balance check of each entry, the entry's lines).
* ``voucher`` (kept, 4 per scan): its update is not HOT because
  ``ix_voucher_programme_state`` indexes the state the scan changes. Replacing it by an
  index on ``programme_id`` alone (the programme-wide sweeps by state: expiry, credit
  notes, offline packs, would then read all the programme's vouchers) with a fill factor
  of 90 (B3's ``COPY`` writing 11 % more pages) made 450 of 4,500 updates HOT and did not
  lower the scan's server CPU (1.007× the base, alternated): not done.

Revision ID: 0043_audit_index_budget
Revises: 0042_book_key_per_statement
"""

from alembic import op

revision = "0043_audit_index_budget"
down_revision = "0042_book_key_per_statement"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_action")
        batch_op.drop_index("ix_audit_event_organisation_id")
        batch_op.drop_index("ix_audit_event_at")
        batch_op.create_index(
            "ix_audit_event_organisation_time", ["organisation_id", "at"], unique=False
        )
        batch_op.create_index("ix_audit_event_at", ["at"], unique=False, postgresql_using="brin")


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_at")
        batch_op.drop_index("ix_audit_event_organisation_time")
        batch_op.create_index("ix_audit_event_at", ["at"], unique=False)
        batch_op.create_index("ix_audit_event_organisation_id", ["organisation_id"], unique=False)
        batch_op.create_index("ix_audit_event_action", ["action"], unique=False)
