"""API for devices and partners: key expiry and device label, webhook endpoints, their
outbox of deliveries and every delivery attempt.

Revision ID: 0012_api
Revises: 0006_impact
"""

import sqlalchemy as sa
from alembic import op

import voucher.db.types

revision = "0012_api"
down_revision = "0010_print"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = voucher.db.types.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("api_key") as batch:
        batch.add_column(sa.Column("expires_at", _TIME(), nullable=True))
        batch.add_column(sa.Column("device_label", sa.String(length=100), nullable=True))
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("organisation_id", _ID, nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.Column("disabled_at", _TIME(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_webhook_endpoint_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoint")),
    )
    op.create_index(
        op.f("ix_webhook_endpoint_organisation_id"), "webhook_endpoint", ["organisation_id"]
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("endpoint_id", _ID, nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TIME(), nullable=True),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.Column("delivered_at", _TIME(), nullable=True),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoint.id"],
            name=op.f("fk_webhook_delivery_endpoint_id_webhook_endpoint"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
        sa.UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_delivery_event"),
    )
    op.create_index("ix_webhook_delivery_due", "webhook_delivery", ["status", "next_attempt_at"])
    op.create_table(
        "webhook_attempt",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("delivery_id", _ID, nullable=False),
        sa.Column("at", _TIME(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_delivery.id"],
            name=op.f("fk_webhook_attempt_delivery_id_webhook_delivery"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempt")),
    )
    op.create_index(op.f("ix_webhook_attempt_delivery_id"), "webhook_attempt", ["delivery_id"])


def downgrade() -> None:
    op.drop_table("webhook_attempt")
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_endpoint")
    with op.batch_alter_table("api_key") as batch:
        batch.drop_column("device_label")
        batch.drop_column("expires_at")
