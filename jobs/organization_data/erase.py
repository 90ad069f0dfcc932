"""Deleting everything an organization has, at its owners' request.

Gone: every transcription job with its media, chunks, transcripts, edits and
translations; webhook endpoints, the delivery log and the signing secret; API keys;
stored idempotent answers (they hold copies of job results). Jobs and translations in
flight are canceled first, so their holds are released and no credit stays reserved.

Kept: the organization, its members, its wallet and its ledger. The ledger is money
history: the wallet's balance is the sum of its rows, charges back refunds and disputes,
and invoices and tax records must be reproducible, so its rows are never deleted. They
keep what each charge was for (a job's file name and minutes), as an invoice line does.
Usage figures, read from the ledger, stay too.

Everything in the database happens in one transaction, so a failure leaves all of it as
it was; stored files are deleted only after that transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from accounts.models import Organization
from accounts.permissions import ActorLike, Capability, require
from accounts.services import api_keys_erase
from billing.models import IdempotencyRecord
from jobs.errors import InvalidJobRequest
from jobs.models import JobStatus, TranscriptionChunk, TranscriptionJob
from jobs.services.lifecycle import delete_stored_files, job_cancel
from jobs.translation.models import TranslationJob
from jobs.translation.services.lifecycle import translation_cancel
from webhooks.services import webhooks_erase

IN_FLIGHT = (JobStatus.FETCHING, JobStatus.QUEUED, JobStatus.PROCESSING)


@dataclass(frozen=True)
class Erased:
    jobs: int
    translations: int
    canceled: int
    files: int
    webhook_endpoints: int
    api_keys: int


def organization_erase(
    *, organization: Organization, actor: ActorLike, confirmation: str
) -> Erased:
    """Delete everything ``organization`` has but its members and its money history.

    Owners only; ``confirmation`` must be the organization's name, typed out, so that a
    stray click or a script calling the wrong organization cannot do it."""
    require(actor, organization, Capability.ORGANIZATION_DATA)
    if confirmation.strip() != organization.name.strip():
        raise InvalidJobRequest(
            f"To delete everything, type the organization's name exactly as it is shown: "
            f"{organization.name}"
        )
    with transaction.atomic():
        canceled = 0
        for translation_id in TranslationJob.objects.filter(
            organization=organization, status__in=IN_FLIGHT
        ).values_list("pk", flat=True):
            translation_cancel(
                organization=organization, translation_id=translation_id, actor=actor
            )
            canceled += 1
        for job_id in TranscriptionJob.objects.filter(
            organization=organization, status__in=IN_FLIGHT
        ).values_list("pk", flat=True):
            job_cancel(organization=organization, job_id=job_id, actor=actor)
            canceled += 1
        jobs = TranscriptionJob.objects.filter(organization=organization)
        names = [
            *jobs.exclude(media="").values_list("media", flat=True),
            *TranscriptionChunk.objects.filter(job__organization=organization)
            .exclude(media="")
            .values_list("media", flat=True),
        ]
        translations = TranslationJob.objects.filter(organization=organization)
        translation_count = translations.count()
        translations.delete()
        job_count = jobs.count()
        jobs.delete()
        endpoints = webhooks_erase(organization=organization, actor=actor)
        keys = api_keys_erase(organization=organization, actor=actor)
        IdempotencyRecord.objects.filter(organization=organization).delete()
        transaction.on_commit(lambda: delete_stored_files(names))
    return Erased(
        jobs=job_count,
        translations=translation_count,
        canceled=canceled,
        files=len(names),
        webhook_endpoints=endpoints,
        api_keys=keys,
    )
