"""Several uploads at once: each file its own job through ``job_create``.

A batch is not a transaction: each job is created all-or-nothing by ``job_create``
(its hold, row and queued task commit together; its stored media is removed when that
fails), one after another, so a file that is not audio — or that the wallet can no
longer cover — gets its own sentence while the files before and after it are queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from accounts.models import ApiKey, Organization, User
from accounts.permissions import ActorLike, Capability, require
from billing.services import InsufficientCredits
from jobs.errors import InvalidJobRequest, JobError
from jobs.models import TranscriptionJob
from jobs.options import TranscriptionOptions
from jobs.services.intake import job_create

# One request should stay an upload a person makes at once, not an archive.
BATCH_FILES_MAX = 10


@dataclass(frozen=True)
class BatchUpload:
    path: Path
    filename: str


@dataclass(frozen=True)
class BatchOutcome:
    """One file's result: its job, or why it has none."""

    filename: str
    job: TranscriptionJob | None = None
    status: int = 200
    code: str = ""
    message: str = ""


def jobs_create_batch(
    *,
    organization: Organization,
    uploads: list[BatchUpload],
    options: TranscriptionOptions,
    actor: ActorLike,
    created_by: User | None = None,
    api_key: ApiKey | None = None,
) -> list[BatchOutcome]:
    """Create one job per upload, in order, with the same options; failures are reported
    per file and leave nothing behind (no job, no hold, no stored media)."""
    require(actor, organization, Capability.JOBS_CREATE)
    if not uploads:
        raise InvalidJobRequest("Attach at least one file in the 'file' field.")
    if len(uploads) > BATCH_FILES_MAX:
        raise InvalidJobRequest(
            f"Send at most {BATCH_FILES_MAX} files at once; split the rest into another batch."
        )
    outcomes: list[BatchOutcome] = []
    for upload in uploads:
        try:
            job = job_create(
                organization=organization,
                path=upload.path,
                filename=upload.filename,
                options=options,
                created_by=created_by,
                api_key=api_key,
            )
        except JobError as exc:
            outcomes.append(BatchOutcome(upload.filename, None, exc.status, exc.code, exc.message))
        except InsufficientCredits as exc:
            outcomes.append(
                BatchOutcome(upload.filename, None, 402, "insufficient_credits", exc.message)
            )
        else:
            outcomes.append(BatchOutcome(upload.filename, job))
    return outcomes
