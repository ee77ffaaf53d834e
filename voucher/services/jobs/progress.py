"""Progress of running jobs, kept in the queue's own storage (huey's key-value store: the
SQLite file next to the database, or Redis), outside the job's transaction: the work of a
job is committed once at its end, while its progress is readable all along."""

from __future__ import annotations

from typing import Any, Protocol


class Tracker(Protocol):
    def set(self, job_id: int, done: int, total: int) -> None: ...

    def get(self, job_id: int) -> tuple[int, int] | None: ...

    def clear(self, job_id: int) -> None: ...


class QueueTracker:
    """Progress in the queue's storage (one short write per update)."""

    def __init__(self, huey: Any) -> None:
        self.huey = huey

    def set(self, job_id: int, done: int, total: int) -> None:
        self.huey.put(f"job-progress:{job_id}", (int(done), int(total)))

    def get(self, job_id: int) -> tuple[int, int] | None:
        found = self.huey.get(f"job-progress:{job_id}", peek=True)
        if not found:
            return None
        done, total = found
        return int(done), int(total)

    def clear(self, job_id: int) -> None:
        self.huey.delete(f"job-progress:{job_id}")
