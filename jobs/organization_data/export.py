"""An export of everything an organization has, as a zip streamed while it is written.

The archive is produced file by file as the response is sent (zipstream-ng): each job's
transcript is read from the database only when its turn comes, and ``jobs.json`` is
written job by job, so an organization with a hundred thousand jobs costs about as
much memory as one with ten. Nothing is assembled on disk either.

Contents (``README.txt`` in the archive says the same to whoever opens it):
``jobs.json`` (every job as the API shows it, with its transcript text),
``transcripts/<job id>.json`` (segments, speakers, word timings) and ``.txt``,
``translations.json`` and ``translations/<id>.json`` / ``.txt``, ``ledger.csv`` (every
movement of credits), ``webhooks.json`` (endpoints and their settings; never secrets).
Media is not included: it can be large, and it is what the customer uploaded.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from functools import partial
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.utils import timezone
from zipstream import ZIP_DEFLATED, ZipStream

from accounts.models import Organization
from accounts.permissions import ActorLike, Capability, require
from billing.models import LedgerEntry
from jobs.api.results import job_detail_output, transcript_document
from jobs.exporters import EXPORTERS, Exporter, TranscriptDocument
from jobs.exporters.options import FULL_VERBATIM, ExportOptions
from jobs.models import JobStatus, TranscriptionJob
from jobs.translation.api.output import translation_document, translation_output
from jobs.translation.models import TranslationJob
from webhooks.models import Endpoint

# Rows read from the database at a time; a page of them is what is ever in memory.
BATCH = 200
README = """\
Everything {name} had in Hark on {when} (UTC).

jobs.json            every transcription job as the API shows it, with its transcript text
transcripts/ID.json  each finished job's transcript: segments, speakers, word timings
transcripts/ID.txt   the same as plain text
translations.json    every translation, and translations/ID.json and .txt for finished ones
ledger.csv           every movement of credits (grants, top-ups, charges, refunds)
webhooks.json        webhook endpoints and their settings (signing secrets are not exported)

Audio and video files are not included.
"""
LEDGER_COLUMNS = [
    "created_at", "kind", "amount", "balance_after", "description", "reference",
    "product", "seconds",
]  # fmt: skip


def export_filename(organization: Organization, now: datetime | None = None) -> str:
    day = (now or timezone.now()).strftime("%Y-%m-%d")
    return f"hark-export-{organization.pk}-{day}.zip"


def organization_export(*, organization: Organization, actor: ActorLike) -> Iterable[bytes]:
    """The organization's export as zip bytes, produced as they are read. Owners only.

    Every query is scoped to ``organization``; the archive is generated lazily, so the
    permission check happens here, before the first byte."""
    require(actor, organization, Capability.ORGANIZATION_DATA)
    stream = ZipStream(compress_type=ZIP_DEFLATED, sized=False)
    stream.comment = f"Hark export of {organization.name}"
    stream.add(
        README.format(name=organization.name, when=timezone.now().strftime("%Y-%m-%d %H:%M")),
        "README.txt",
    )
    jobs = TranscriptionJob.objects.filter(organization=organization).order_by("created_at")
    stream.add(_json_array(jobs, _job_entry(stream, organization)), "jobs.json")
    translations = TranslationJob.objects.filter(organization=organization).order_by("created_at")
    stream.add(
        _json_array(translations, _translation_entry(stream, organization)), "translations.json"
    )
    stream.add(_ledger_csv(organization), "ledger.csv")
    stream.add(_webhooks_json(organization), "webhooks.json")
    archive: Iterable[bytes] = stream
    return archive


def _job_entry(
    stream: ZipStream, organization: Organization
) -> Callable[[TranscriptionJob], dict[str, Any]]:
    def document(job_id: uuid.UUID) -> TranscriptDocument:
        job = TranscriptionJob.objects.get(organization=organization, pk=job_id)
        return transcript_document(job, text_format=FULL_VERBATIM)

    def entry(job: TranscriptionJob) -> dict[str, Any]:
        if job.status == JobStatus.COMPLETED:
            # Queued behind jobs.json: zipstream-ng takes files added while it streams,
            # so ids never have to be collected up front. Only the id waits in the
            # queue (the job is read again when its turn comes): a queue of model
            # instances would grow with the organization.
            _add_transcript(stream, f"transcripts/{job.pk}", partial(document, job.pk))
        return job_detail_output(job, include_segments=False, include_words=False)

    return entry


def _translation_entry(
    stream: ZipStream, organization: Organization
) -> Callable[[TranslationJob], dict[str, Any]]:
    def document(translation_id: uuid.UUID) -> TranscriptDocument:
        translation = TranslationJob.objects.select_related("source_job").get(
            organization=organization, pk=translation_id
        )
        return translation_document(translation)

    def entry(translation: TranslationJob) -> dict[str, Any]:
        if translation.status == JobStatus.COMPLETED:
            _add_transcript(
                stream, f"translations/{translation.pk}", partial(document, translation.pk)
            )
        return translation_output(translation, include_segments=False)

    return entry


def _add_transcript(
    stream: ZipStream, stem: str, document: Callable[[], TranscriptDocument]
) -> None:
    """Queue ``stem``.json and ``stem``.txt; the transcript is read once, when the first
    of them is written, and let go with the second."""
    read: list[TranscriptDocument] = []

    def once() -> TranscriptDocument:
        if not read:
            read.append(document())
        return read[0]

    options = ExportOptions(text_format=FULL_VERBATIM)
    for exporter in (EXPORTERS["json"], EXPORTERS["txt"]):
        stream.add(_rendered(exporter, once, options), f"{stem}.{exporter.extension}")


def _rendered(
    exporter: Exporter, document: Callable[[], TranscriptDocument], options: ExportOptions
) -> Iterator[bytes]:
    """A file whose content is computed only when the archive reaches it."""
    content = exporter.render(document(), options)
    yield content.encode() if isinstance(content, str) else content


def _json_array(rows: QuerySet[Any], entry: Callable[[Any], dict[str, Any]]) -> Iterator[bytes]:
    """A JSON array written one element at a time, from the database in batches."""
    yield b"[\n"
    first = True
    for row in rows.iterator(chunk_size=BATCH):
        text = json.dumps(entry(row), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        yield (b"" if first else b",\n") + text.encode()
        first = False
    yield b"\n]\n"


def _ledger_csv(organization: Organization) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> bytes:
        data = buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.writerow(LEDGER_COLUMNS)
    yield flush()
    entries = LedgerEntry.objects.filter(wallet__organization=organization).order_by(
        "created_at", "pk"
    )
    for entry in entries.iterator(chunk_size=BATCH):
        seconds = "" if entry.seconds is None else entry.seconds
        row = [entry.created_at.isoformat(), entry.kind, entry.amount, entry.balance_after,
               entry.description, entry.reference, entry.product, seconds]  # fmt: skip
        writer.writerow(row)
        yield flush()


def _webhooks_json(organization: Organization) -> Iterator[bytes]:
    # Listed field by field: a secret can never slip in through a new column.
    endpoints = [
        {
            "id": str(endpoint.pk),
            "url": endpoint.url,
            "description": endpoint.description,
            "events": endpoint.events,
            "thin_payload": endpoint.thin_payload,
            "enabled": endpoint.enabled,
            "disabled_reason": endpoint.disabled_reason,
            "created_at": endpoint.created_at,
        }
        for endpoint in Endpoint.objects.filter(organization=organization).order_by("created_at")
    ]
    yield json.dumps(
        {"endpoints": endpoints}, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
    ).encode()
