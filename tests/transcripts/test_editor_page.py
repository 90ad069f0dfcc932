"""The transcript editor page, without a browser: who may open it and what it is given."""

from __future__ import annotations

from django.test import Client

from jobs.models import JobStatus, TranscriptionJob
from tests.test_api_transcribe import upload
from tests.transcripts.helpers import completed_job


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_visitors_are_sent_to_sign_in(alice):
    job = completed_job(alice)

    response = Client().get(f"/jobs/{job.pk}/edit/")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/jobs/{job.pk}/edit/"


def test_another_organizations_editor_is_a_404_like_a_missing_job(alice, bob, charlie):
    job = completed_job(alice)

    for user in (bob.user, charlie):
        response = _signed_in(user).get(f"/jobs/{job.pk}/edit/")
        assert response.status_code == 404, user
    missing = "00000000-0000-4000-8000-000000000000"
    assert _signed_in(alice.user).get(f"/jobs/{missing}/edit/").status_code == 404
    # Nothing was copied for editing by looking.
    assert job.transcripts.count() == 1


def test_a_member_gets_the_editor_wired_to_the_api_and_the_seek_time(alice):
    job = completed_job(alice)

    response = _signed_in(alice.user).get(f"/jobs/{job.pk}/edit/?t=7.25")

    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-api-url="/api/v1/transcribe/{job.pk}/transcript/"' in page
    assert f'src="/jobs/{job.pk}/audio"' in page
    assert 'data-seek="7.250"' in page
    assert "hark/editor.js" in page
    assert "csrftoken" in response.cookies
    # The job page links here.
    detail = _signed_in(alice.user).get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="/jobs/{job.pk}/edit/"' in detail


def test_a_seek_time_that_is_not_a_number_is_ignored(alice):
    job = completed_job(alice)

    for value in ("abc", "-3", "nan", "inf", ""):
        page = _signed_in(alice.user).get(f"/jobs/{job.pk}/edit/?t={value}").content.decode()
        assert "data-seek" not in page, value


def test_a_job_still_transcribing_sends_the_editor_back_to_the_job_page(alice):
    response = upload(alice)
    job = TranscriptionJob.objects.get(pk=response.json()["id"])
    assert job.status == JobStatus.QUEUED

    response = _signed_in(alice.user).get(f"/jobs/{job.pk}/edit/", follow=True)

    assert response.redirect_chain == [(f"/jobs/{job.pk}/", 302)]
    assert b"can be edited once the transcription completes" in response.content
    assert not job.transcripts.exists()


def test_the_help_page_explains_editing_and_its_shortcuts(alice):
    page = _signed_in(alice.user).get("/help/").content.decode()

    assert 'id="editing"' in page
    assert "Next doubtful word" in page
    assert "<kbd>Alt</kbd>+<kbd>Enter</kbd> split" in page
