"""Fault-injection points for the crash drills: named steps where a test may kill a command.

A service calls :func:`point` between its last write and its caller's commit, e.g.
``faults.point("close.statements_written")``. The drills (``tests/drills/``) start a
``voucher`` command with ``VOUCHER_FAULT_WAIT`` naming that point, wait for its marker, send
SIGKILL and check that nothing is half-done: the kill lands inside the transaction by
construction, never by a sleep that a fast machine outruns.

Rules kept:

* a point does nothing unless the environment variable ``VOUCHER_FAULT_WAIT`` holds exactly
  its name. Nothing else can name it (no setting, option, request or database row), and the
  project never sets that variable: only a test does, for the process it starts. Without it,
  a point costs one look-up in ``os.environ``;
* a named point announces itself, then blocks with the transaction still open until the
  process is killed: the file named by ``VOUCHER_FAULT_READY`` (if set) appears, whole,
  holding ``<pid> <point>``, and one line goes to stderr;
* a point nobody kills gives up after :data:`MAX_WAIT` seconds and ends the process at once
  (exit status :data:`UNKILLED`, no commit, no clean-up), as the kill would have: a drill
  that died before killing leaves no process behind;
* a point never touches the database and imports only the standard library.

Points (the drill that uses each): ``close.statements_written`` and
``payrun.transfers_written`` (test_kill_close.py), ``issue.books_written`` (the first chunk
of books and vouchers is written, uncommitted; test_kill_issuance.py for ``voucher issue``,
tests/adversary/test_chunked_issue.py for a chunk of a batch's job),
``issue.chunk_committed`` (a batch's job between two chunks: the last one committed, no
transaction open, the only point held outside one; tests/adversary/test_chunked_issue.py), ``print.file_recorded`` (the last
byte of a print file is produced and the file recorded; test_kill_printing.py),
``job.work_written`` (a job's work is written, its ``done`` state not yet; the job worker's
drill in tests/adversary/test_batch_jobs.py), ``job.progress_written`` (a job's first
progress short of its total is written, its work half-done and uncommitted;
tests/drills/test_kill_jobs.py reads the progress there, then kills the worker),
``webhook.sending`` (a webhook's try taken and committed, not sent: no transaction open;
tests/adversary/test_sending_holds_no_lock.py) and ``mail.sending`` (the same for a mail).
"""

from __future__ import annotations

import os
import sys
import time

WAIT = "VOUCHER_FAULT_WAIT"
READY = "VOUCHER_FAULT_READY"
MAX_WAIT = 600.0
UNKILLED = 70


def point(name: str) -> None:
    """Block here until killed if ``VOUCHER_FAULT_WAIT`` names this point; else return."""
    if os.environ.get(WAIT) != name:
        return
    _announce(name)
    _hold()


def _announce(name: str) -> None:
    line = f"{os.getpid()} {name}\n"
    ready = os.environ.get(READY)
    if ready:
        partial = f"{ready}.{os.getpid()}.partiel"
        with open(partial, "w", encoding="utf-8") as marker:
            marker.write(line)
        os.replace(partial, ready)  # the test never reads half a marker
    sys.stderr.write(f"fault point reached, waiting to be killed: {line}")
    sys.stderr.flush()


def _hold() -> None:
    deadline = time.monotonic() + MAX_WAIT
    while time.monotonic() < deadline:
        time.sleep(0.5)
    os._exit(UNKILLED)
