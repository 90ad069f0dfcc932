"""Reviewers, and customers' completed jobs with real Whisper transcripts, for the review
desk's tests. The ami meeting clip gives a transcript with doubtful segments and sure ones
(Whisper base is unsure of most of the crosstalk, sure of "Yeah." and "Okay."): one
recorded run of it, because which segments are doubtful varies between runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from accounts.models import User
from billing.services import hold_place
from jobs.models import TranscriptionJob
from review.models import ReviewTask
from review.services import request_review
from tests.audio_fixtures import SHARED_AUDIO
from tests.conftest import Persona
from tests.support.whisper_transcripts import ami_meeting_result
from tests.transcripts.helpers import JFK, completed_job

AMI = SHARED_AUDIO / "ami_debug_tst00.wav"
PASSWORD = "correct horse battery"


def make_staff(email: str, *, reviewer: bool) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, is_staff=True)
    if reviewer:
        user.user_permissions.add(Permission.objects.get(codename="review_orders"))
    return User.objects.get(pk=user.pk)  # a fresh object: no stale permission cache


@pytest.fixture
def reviewer(db: None) -> User:
    return make_staff("rita@hark.example", reviewer=True)


@pytest.fixture
def second_reviewer(db: None) -> User:
    return make_staff("sam@hark.example", reviewer=True)


@pytest.fixture
def plain_staff(db: None) -> User:
    """Staff, but without the reviewer permission."""
    return make_staff("pat@hark.example", reviewer=False)


@pytest.fixture
def jfk_job(alice: Persona) -> TranscriptionJob:
    return completed_job(alice, JFK, speakers=())


@pytest.fixture
def ami_job(alice: Persona) -> TranscriptionJob:
    return completed_job(alice, AMI, speakers=(), result=ami_meeting_result())


@pytest.fixture
def ordered_review() -> Callable[..., ReviewTask]:
    """A whole-transcript review as the orders app requests one: its hold placed first."""

    def order(job: TranscriptionJob, credits: str = "5.00", **fields: object) -> ReviewTask:
        reference = f"order:{job.pk}"
        hold_place(organization=job.organization, amount=Decimal(credits), reference=reference)
        return request_review(
            job=job,
            due_at=fields.pop("due_at", timezone.now() + timedelta(hours=24)),  # type: ignore[arg-type]
            comment=str(fields.pop("comment", "Names: Kennedy.")),
            hold_reference=reference,
        )

    return order
