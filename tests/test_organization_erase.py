"""Delete everything: an owner removes all of an organization's jobs, media, transcripts,
translations, webhooks and keys in one go. In-flight work is canceled and its holds
released; members, the wallet and the ledger stay; another organization is untouched;
a failure part-way leaves everything as it was."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.db.models import Sum

from accounts.models import ApiKey, Membership, Role
from billing.models import Hold, HoldStatus, IdempotencyRecord, LedgerEntry
from billing.selectors import wallet_for
from jobs.models import JobStatus, TranscriptionJob
from jobs.organization_data.erase import organization_erase
from jobs.transcripts.models import Segment, Transcript
from jobs.translation.models import TranslationJob
from jobs.translation.services.intake import translation_create
from tests.conftest import Persona
from tests.support.organization_data import (
    JFK,
    RECEIVER,
    ROLES_REFUSED,
    browser,
    finished_job,
    member,
    queued_job,
)
from webhooks.models import Delivery, Endpoint, SigningSecret
from webhooks.services import endpoint_create, endpoint_send_test, organization_secret

pytestmark = pytest.mark.django_db


@dataclass
class Made:
    done: TranscriptionJob
    translation: TranslationJob
    running: TranscriptionJob


def populate(persona: Persona) -> Made:
    """A finished job with a queued translation, a job still queued (sent through the API
    with an Idempotency-Key), a webhook endpoint with a delivery, the signing secret, and
    the persona's own key."""
    done = finished_job(persona)
    translation = translation_create(
        organization=persona.organization, job_id=done.pk, to_language="es", model="apertium"
    )
    with JFK.open("rb") as handle:
        answer = persona.client().post(
            "/api/v1/transcribe/",
            {"file": handle, "model": "local"},
            format="multipart",
            headers={"Idempotency-Key": "erase-test-1"},
        )
    assert answer.status_code == 200, answer.content
    running = TranscriptionJob.objects.get(pk=answer.json()["id"])
    endpoint, _ = endpoint_create(organization=persona.organization, url=RECEIVER, actor=None)
    endpoint_send_test(organization=persona.organization, endpoint_id=endpoint.pk, actor=None)
    organization_secret(persona.organization)
    return Made(done=done, translation=translation, running=running)


def ledger_of(persona: Persona) -> list[tuple[object, ...]]:
    return list(
        LedgerEntry.objects.filter(wallet__organization=persona.organization)
        .order_by("pk")
        .values_list("pk", "kind", "amount", "description")
    )


def stored(names: list[str]) -> list[bool]:
    return [default_storage.exists(name) for name in names]


def test_an_owner_deletes_everything_but_members_wallet_and_ledger(
    alice, bob, django_capture_on_commit_callbacks
):
    made = populate(alice)
    bobs = populate(bob)
    member(alice, Role.MEMBER)
    done, running = made.done, made.running
    alices_files = [str(done.media.name), str(running.media.name)]
    ledger = ledger_of(alice)
    assert Hold.objects.filter(status=HoldStatus.ACTIVE).count() == 4  # 2 each
    assert Delivery.objects.filter(organization=alice.organization).count() == 1
    assert IdempotencyRecord.objects.filter(organization=alice.organization).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = browser(alice.user).post(
            "/settings/data/delete/", {"confirmation": "Alice Org"}, follow=True
        )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Everything of Alice Org was deleted: 2 transcriptions, 1 translation, " in body
    assert "1 webhook endpoint and 1 API key" in body
    org = alice.organization
    assert not TranscriptionJob.objects.filter(organization=org).exists()
    assert not TranslationJob.objects.filter(organization=org).exists()
    assert not Transcript.objects.filter(job__organization=org).exists()
    assert not Segment.objects.filter(transcript__job__organization=org).exists()
    assert not Endpoint.objects.filter(organization=org).exists()
    assert not Delivery.objects.filter(organization=org).exists()
    assert not SigningSecret.objects.filter(organization=org).exists()
    assert not ApiKey.objects.filter(organization=org).exists()
    assert not IdempotencyRecord.objects.filter(organization=org).exists()
    assert stored(alices_files) == [False, False]
    # The in-flight job and translation were canceled: every hold of alice's released.
    assert not Hold.objects.filter(wallet__organization=org, status=HoldStatus.ACTIVE).exists()
    assert wallet_for(org).held == Decimal("0")
    # Money history and members stay; the balance is still the sum of the ledger.
    assert ledger_of(alice) == ledger
    wallet = wallet_for(org)
    assert wallet.balance == wallet.entries.aggregate(s=Sum("amount"))["s"]
    assert Membership.objects.filter(organization=org).count() == 2
    # Alice's key stopped working at once.
    assert alice.client().get("/api/v1/transcribe/").status_code == 401
    # Bob's organization is untouched.
    bob_done = bobs.done
    assert TranscriptionJob.objects.filter(organization=bob.organization).count() == 2
    assert TranslationJob.objects.filter(organization=bob.organization).count() == 1
    assert Endpoint.objects.filter(organization=bob.organization).count() == 1
    assert Hold.objects.filter(wallet__organization=bob.organization, status="active").count() == 2
    assert stored([str(bob_done.media.name)]) == [True]
    assert bob.client().get(f"/api/v1/transcribe/{bob_done.pk}/").status_code == 200


def test_a_mistyped_name_deletes_nothing_and_says_what_to_type(alice):
    job = finished_job(alice)

    response = browser(alice.user).post("/settings/data/delete/", {"confirmation": "alice org"})

    assert response.status_code == 400
    assert "type the organization&#x27;s name exactly as it is shown: Alice Org" in (
        response.content.decode()
    )
    assert TranscriptionJob.objects.filter(pk=job.pk).exists()
    assert ApiKey.objects.filter(organization=alice.organization).exists()


@pytest.mark.parametrize("role", ROLES_REFUSED)
def test_admins_and_members_are_refused_before_and_after_the_form(alice, role):
    job = queued_job(alice)
    client = browser(member(alice, role))

    shown = client.get("/settings/data/delete/")
    posted = client.post("/settings/data/delete/", {"confirmation": "Alice Org"})

    for response in (shown, posted):
        assert response.status_code == 403
        assert "Only owners of this organization" in response.content.decode()
    assert TranscriptionJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).exists()
    assert Hold.objects.get(reference=job.billing_reference).status == HoldStatus.ACTIVE


def test_a_failure_part_way_leaves_everything_as_it_was(
    alice, monkeypatch, django_capture_on_commit_callbacks
):
    made = populate(alice)
    running = made.running

    def broken(**kwargs: object) -> int:
        raise RuntimeError("the database went away")

    # The last step fails, after jobs, translations and webhooks were already deleted.
    monkeypatch.setattr("jobs.organization_data.erase.api_keys_erase", broken)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        organization_erase(
            organization=alice.organization, actor=alice.user, confirmation="Alice Org"
        )

    org = alice.organization
    assert TranscriptionJob.objects.filter(organization=org).count() == 2
    running.refresh_from_db()
    assert running.status == JobStatus.QUEUED
    assert Hold.objects.get(reference=running.billing_reference).status == HoldStatus.ACTIVE
    assert TranslationJob.objects.filter(organization=org, status=JobStatus.QUEUED).count() == 1
    assert Endpoint.objects.filter(organization=org).count() == 1
    assert Delivery.objects.filter(organization=org).count() == 1
    assert ApiKey.objects.filter(organization=org).count() == 1
    assert stored([str(running.media.name)]) == [True]
