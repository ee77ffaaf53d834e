"""E-mail: messages recorded in an outbox in the transaction of the work they tell about,
sent after commit by the job worker (SMTP, or ``.eml`` files in a folder when no server is
configured), retried with backoff. See docs/mail.md."""
