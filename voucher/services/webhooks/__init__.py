"""Webhooks: endpoints registered by organisations, events written to an outbox in the
transaction of the work they announce, and their delivery (signed, retried, recorded)."""
