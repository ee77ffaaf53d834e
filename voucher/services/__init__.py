"""Use cases. Each takes a session and an actor, flushes, audits, and never commits:
the caller (web request wrapper or CLI command) owns the transaction."""
