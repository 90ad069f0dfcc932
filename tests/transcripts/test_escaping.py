"""Text people type into a transcript (segment text, speaker names) is shown as text
everywhere: the job page, the admin, the HTML export and captions."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.test import Client

from accounts.models import User
from jobs.transcripts.models import Transcript
from tests.audio_fixtures import whisper_transcribe
from tests.test_pages_jobs import signed_in
from tests.transcripts.helpers import JFK, TranscriptClient, completed_job

SCRIPT = "<script>alert('x')</script> & more"


@pytest.fixture
def hostile(alice):
    result = whisper_transcribe(JFK)
    segments = [replace(result.segments[0], text=f"{SCRIPT} {result.segments[0].text}")]
    job = completed_job(alice, result=replace(result, segments=segments))
    editor = TranscriptClient(alice, job)
    speaker = editor.get()["speakers"][0]
    editor.ok("patch", f"speakers/{speaker['id']}/", name="<b>Bold</b>")
    return job


def test_the_job_page_shows_typed_markup_as_text(alice, hostile):
    body = signed_in(alice).get(f"/jobs/{hostile.pk}/").content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body
    assert "<b>Bold</b>" not in body


def test_the_admin_shows_typed_markup_as_text(hostile):
    staff = User.objects.create_superuser(email="staff@example.org", password="x" * 12)
    client = Client()
    client.force_login(staff)
    transcript = Transcript.objects.get(job=hostile, is_current=True)
    body = client.get(f"/admin/jobs/transcript/{transcript.pk}/change/").content.decode()
    assert "&lt;script&gt;alert" in body
    assert "<script>alert" not in body
    assert "&lt;b&gt;Bold&lt;/b&gt;" in body


@pytest.mark.parametrize("export_format", ["html", "srt", "vtt"])
def test_exports_never_carry_typed_markup_as_markup(alice, hostile, export_format):
    body = alice.client().get(f"/api/v1/transcribe/{hostile.pk}/?format={export_format}")
    assert body.status_code == 200
    text = body.content.decode()
    assert "<script>" not in text
    assert "<b>Bold" not in text
    assert "alert" in text  # the words are there, as text
