"""E-mail: the outbox of messages, password-reset tokens, notification opt-outs
(docs/mail.md).

Revision ID: 0017_mail
Revises: 0016_disputes
"""

import sqlalchemy as sa
from alembic import op

import voucher.db.types

revision = "0017_mail"
down_revision = "0016_disputes"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "mail_message",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("to_addr", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", voucher.db.types.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", voucher.db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_mail_message_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_message")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_mail_message_dedupe_key")),
    )
    op.create_index("ix_mail_message_due", "mail_message", ["status", "next_attempt_at"])
    op.create_index(op.f("ix_mail_message_user_id"), "mail_message", ["user_id"])
    op.create_table(
        "password_reset",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", voucher.db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_password_reset_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_token_hash")),
    )
    op.create_index(op.f("ix_password_reset_user_id"), "password_reset", ["user_id"])
    op.create_table(
        "notification_opt_out",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("created_at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_notification_opt_out_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_notification_opt_out")),
    )


def downgrade() -> None:
    op.drop_table("notification_opt_out")
    op.drop_index(op.f("ix_password_reset_user_id"), table_name="password_reset")
    op.drop_table("password_reset")
    op.drop_index(op.f("ix_mail_message_user_id"), table_name="mail_message")
    op.drop_index("ix_mail_message_due", table_name="mail_message")
    op.drop_table("mail_message")
