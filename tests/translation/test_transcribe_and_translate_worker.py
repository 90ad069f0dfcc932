"""Transcription with its translation through a real ``qcluster`` process: the job's
completion queues the translation, which the same worker runs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry
from billing.selectors import available_credits
from jobs.translation.models import TranslationJob
from tests.conftest import wait_for
from tests.test_api_transcribe import upload

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def translated(job_id: str) -> bool:
    return TranslationJob.objects.filter(
        source_job__pk=job_id, status__in=("completed", "failed", "canceled")
    ).exists()


def test_jfk_ordered_with_translate_to_es_ends_with_a_spanish_translation(alice, start_worker):
    start_worker()
    response = upload(alice, translate_to="es")
    assert response.status_code == 200, response.content
    job_id = response.json()["id"]

    wait_for(lambda: translated(job_id), timeout=180)

    detail = alice.client().get(f"/api/v1/transcribe/{job_id}/").json()
    assert detail["status"] == "completed"
    assert detail["language"] == "en"
    assert detail["translation"]["status"] == "completed", detail["translation"]
    spanish = alice.client().get(detail["translation"]["url"]).json()
    assert (spanish["from_language"], spanish["to_language"]) == ("en", "es")
    assert "país" in spanish["transcript"].lower()
    charges = LedgerEntry.objects.filter(kind=EntryKind.CHARGE)
    paid = sum((-c.amount for c in charges), Decimal("0"))
    assert charges.count() == 2
    assert paid == Decimal("0.19") + Decimal(str(spanish["credits_used"]))
    assert not Hold.objects.filter(status=HoldStatus.ACTIVE).exists()
    assert available_credits(alice.organization) == Decimal("60") - paid
