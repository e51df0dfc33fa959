"""Background jobs for the dashboard: long work (large uploads, planning sweeps) runs in a small
thread pool and reports its progress; the page polls ``/dashboard/api/jobs/{id}``.

A job's function receives a ``progress(fraction, message)`` callback and returns a JSON-able
result (plus, optionally, objects kept for downloads). Errors become a message and, for a
``ValidationError``, the list of every problem: the page shows them, the server never answers
500 for bad input.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from keten.errors import KetenError, ValidationError

log = logging.getLogger("keten.web")

Progress = Callable[[float, str], None]
MAX_PROBLEMS = 200


@dataclass
class JobOutput:
    """What a job hands back: ``data`` for the page, ``keep`` for later downloads."""

    data: dict[str, Any]
    keep: dict[str, Any] = field(default_factory=dict)


@dataclass
class Job:
    id: str
    kind: str
    owner: str
    status: str = "queued"  # queued, running, done, failed
    progress: float = 0.0
    message: str = "waiting to start"
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    data: dict[str, Any] | None = None
    keep: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        end = self.finished_at or time.time()
        return {"id": self.id, "kind": self.kind, "status": self.status,
                "progress": round(self.progress, 3), "message": self.message,
                "elapsed_s": round(end - self.started_at, 1), "result": self.data,
                "error": self.error}


def error_dict(exc: BaseException) -> dict[str, Any]:
    """A page-friendly description of an error (every problem of a ValidationError)."""
    if isinstance(exc, ValidationError):
        return {"title": exc.title, "count": len(exc.problems),
                "problems": [str(p) for p in exc.problems[:MAX_PROBLEMS]]}
    if isinstance(exc, KetenError):
        return {"title": str(exc), "count": 1, "problems": []}
    return {"title": "the job failed unexpectedly; see the server log", "count": 1,
            "problems": []}


class JobManager:
    """A bounded thread pool and the recent jobs (oldest finished ones are forgotten)."""

    def __init__(self, workers: int = 2, keep_jobs: int = 50) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="keten-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._keep = keep_jobs

    def submit(self, kind: str, owner: str, work: Callable[[Progress], JobOutput]) -> Job:
        job = Job(secrets.token_urlsafe(12), kind, owner)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self._keep:
                oldest = next((k for k, j in self._jobs.items()
                               if j.status in ("done", "failed")), None)
                if oldest is None:
                    break
                del self._jobs[oldest]

        def progress(fraction: float, message: str) -> None:
            job.progress = max(0.0, min(1.0, fraction))
            job.message = message

        def run() -> None:
            job.status = "running"
            job.message = "started"
            try:
                out = work(progress)
                job.data, job.keep = out.data, out.keep
                job.progress, job.message, job.status = 1.0, "done", "done"
            except Exception as exc:
                if not isinstance(exc, KetenError):
                    log.exception("dashboard job %s (%s) failed", job.id, kind)
                job.error = error_dict(exc)
                job.message, job.status = job.error["title"], "failed"
            finally:
                job.finished_at = time.time()

        self._pool.submit(run)
        return job

    def get(self, job_id: str, owner: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
