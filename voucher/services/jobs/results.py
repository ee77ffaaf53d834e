"""Result files of jobs (an export, a production print file): kept in the instance folder
(``<instance>/job-results/<job id>/<file>``), outside anything the web server serves, and
handed out only by the job's pages, to people of the job's organisation.

A result is written before the job's ``done`` state is committed (a temporary name, then
renamed whole): a worker killed half-way leaves at most a file of a job that is not done,
which nothing serves and the rerun replaces.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from voucher.db.engine import DEFAULT_INSTANCE

FOLDER = "job-results"


def folder() -> Path:
    return Path(os.environ.get("VOUCHER_INSTANCE") or DEFAULT_INSTANCE) / FOLDER


def _safe(filename: str) -> str:
    name = Path(filename).name
    if not name or name.startswith("."):
        raise ValueError(f"bad result file name {filename!r}")
    return name


class Writer:
    """A result file being written: ``with Writer(job_id, name, media_type) as out:``
    ``out.write(bytes)``; :attr:`result` describes it once closed (``job.result``)."""

    def __init__(self, job_id: int, filename: str, media_type: str) -> None:
        self.name, self.media_type = _safe(filename), media_type
        self.path = folder() / str(int(job_id)) / self.name
        self.result: dict[str, Any] = {}

    def __enter__(self) -> IO[bytes]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".{self.name}.{os.getpid()}.partiel")
        self._out: IO[bytes] = self._tmp.open("wb")
        return self._out

    def __exit__(self, kind: Any, *_: Any) -> None:
        self._out.close()
        if kind is not None:
            self._tmp.unlink(missing_ok=True)
            return
        digest = hashlib.sha256()
        with self._tmp.open("rb") as done:
            for block in iter(lambda: done.read(1 << 20), b""):
                digest.update(block)
        os.replace(self._tmp, self.path)
        self.result = {
            "file": self.name,
            "media_type": self.media_type,
            "size": self.path.stat().st_size,
            "sha256": digest.hexdigest(),
        }


def write(job_id: int, filename: str, media_type: str, chunks: Iterable[bytes]) -> dict[str, Any]:
    writer = Writer(job_id, filename, media_type)
    with writer as out:
        for chunk in chunks:
            out.write(chunk)
    return writer.result


def path_of(job_id: int, result: dict[str, Any] | None) -> Path | None:
    """The result file of a done job, or None."""
    if not result or not isinstance(result.get("file"), str):
        return None
    path = folder() / str(int(job_id)) / _safe(result["file"])
    return path if path.is_file() else None


def remove(job_id: int) -> None:
    shutil.rmtree(folder() / str(int(job_id)), ignore_errors=True)
