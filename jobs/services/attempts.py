"""Provider attempts on the job record, and what they cost.

Every call to a provider is one ``ProviderAttempt`` row (shown to staff); the seconds
each provider served are what the job is charged by, at that provider's price, so a job
that fell back from a dear provider to a cheap one pays the cheap one's price for the
audio the cheap one transcribed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import ROUND_CEILING, Decimal

from billing.pricing import CENT, price_per_minute
from jobs.models import ProviderAttempt, TranscriptionJob
from jobs.routing import AttemptRecord, Recorder


def attempt_recorder(job: TranscriptionJob, *, chunk_index: int | None = None) -> Recorder:
    def record(attempt: AttemptRecord) -> None:
        ProviderAttempt.objects.create(
            job_id=job.pk,
            chunk_index=chunk_index,
            provider=attempt.provider,
            outcome=attempt.outcome,
            started_at=attempt.started_at,
            duration_seconds=round(attempt.duration_seconds, 3),
            audio_seconds=round(attempt.audio_seconds, 3),
            http_status=attempt.http_status,
            message=attempt.message[:2000],
        )

    return record


def usage_price(usage: Mapping[str, float], *, options: Collection[str] = ()) -> Decimal:
    """The credits for ``usage`` (provider → seconds), rounded up to the cent once."""
    total = sum(
        (Decimal(str(max(seconds, 0.0))) / 60 * price_per_minute(name, options)
         for name, seconds in usage.items()),
        Decimal("0"),
    )  # fmt: skip
    return total.quantize(CENT, rounding=ROUND_CEILING)


def served_by(usage: Mapping[str, float]) -> list[str]:
    """Providers that served audio, the one that served most first."""
    return [name for name, seconds in sorted(usage.items(), key=lambda item: -item[1])]
