"""Long work off the request: jobs recorded in the ``job`` table, run by the job worker
(huey: SQLite storage by default, Redis when configured). See docs/jobs.md."""
