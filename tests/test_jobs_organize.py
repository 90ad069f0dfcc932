"""Renaming and tagging jobs, and filtering the list: services, API and pages.

Tags belong to one organization: another organization's tag or job id is a 404 and
changes nothing, and a tag name org A uses never shows in, or filters, org B's list.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from jobs.errors import InvalidJobRequest, JobNotFound, TagNotFound
from jobs.listing import job_filters_from, jobs_matching
from jobs.models import JobStatus, Tag, Transcript, TranscriptionJob
from jobs.options import TranscriptionOptions
from jobs.services.intake import job_create
from jobs.services.organize import job_rename, job_tag_add, job_tag_remove, tag_delete
from jobs.transcripts.models import TranscriptKind
from tests.audio_fixtures import SHARED_AUDIO
from tests.conftest import Persona

pytestmark = pytest.mark.django_db


def make_job(persona: Persona, filename: str = "jfk.flac", **fields: object) -> TranscriptionJob:
    job = job_create(
        organization=persona.organization,
        path=SHARED_AUDIO / "jfk.flac",
        filename=filename,
        options=TranscriptionOptions(),
        created_by=persona.user,
    )
    if fields:
        # The state a worker (status, language) or time (created_at) would have left.
        TranscriptionJob.objects.filter(pk=job.pk).update(**fields)
        job.refresh_from_db()
    return job


def signed_in(persona: Persona) -> Client:
    client = Client()
    client.force_login(persona.user)
    return client


def tag_names(job: TranscriptionJob) -> list[str]:
    return sorted(job.tags.values_list("name", flat=True))


# ---------------------------------------------------------------- rename


def test_renaming_a_job_shows_the_name_in_the_api_and_an_empty_name_brings_back_the_file(
    alice,
):
    job = make_job(alice, "rec-0412.flac")
    response = alice.client().patch(
        f"/api/v1/transcribe/{job.pk}/", {"name": "  Board   meeting "}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Board meeting"
    assert response.json()["filename"] == "rec-0412.flac"
    job.refresh_from_db()
    assert job.name == "Board meeting"
    listed = alice.client().get("/api/v1/transcribe/").json()["results"][0]
    assert listed["name"] == "Board meeting"

    response = alice.client().patch(f"/api/v1/transcribe/{job.pk}/", {"name": ""}, format="json")
    assert response.json()["name"] == "rec-0412.flac"
    job.refresh_from_db()
    assert job.name == ""


def test_a_name_over_200_characters_is_refused_with_a_sentence(alice):
    job = make_job(alice)
    response = alice.client().patch(
        f"/api/v1/transcribe/{job.pk}/", {"name": "x" * 201}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "200" in response.json()["message"]
    job.refresh_from_db()
    assert job.name == ""


def test_a_patch_with_nothing_to_change_says_what_it_takes(alice):
    job = make_job(alice)
    response = alice.client().patch(f"/api/v1/transcribe/{job.pk}/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["message"] == "Send name, tags or both to change."


def test_another_organizations_job_cannot_be_renamed_or_tagged(alice, bob):
    bobs = make_job(bob)
    for body in ({"name": "mine now"}, {"tags": ["stolen"]}):
        response = alice.client().patch(f"/api/v1/transcribe/{bobs.pk}/", body, format="json")
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
    with pytest.raises(JobNotFound):
        job_rename(organization=alice.organization, job_id=bobs.pk, name="x", actor=alice.user)
    bobs.refresh_from_db()
    assert bobs.name == ""
    assert not Tag.objects.exists()


def test_the_job_page_renames_and_shows_the_name(alice):
    job = make_job(alice, "rec-0412.flac")
    client = signed_in(alice)
    response = client.post(f"/jobs/{job.pk}/rename/", {"name": "Interview with Ada"})
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/"
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert '<h1 class="job-title" data-role="job-name">Interview with Ada</h1>' in page
    assert "Interview with Ada" in client.get("/").content.decode()


# ---------------------------------------------------------------- tags


def test_tags_are_set_by_name_through_the_api_and_reused_whatever_their_case(alice):
    job = make_job(alice)
    other = make_job(alice)
    response = alice.client().patch(
        f"/api/v1/transcribe/{job.pk}/", {"tags": ["Interviews", "2026"]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["tags"] == ["2026", "Interviews"]
    response = alice.client().patch(
        f"/api/v1/transcribe/{other.pk}/", {"tags": ["interviews"]}, format="json"
    )
    # One tag, spelled as it was first created.
    assert response.json()["tags"] == ["Interviews"]
    assert Tag.objects.filter(organization=alice.organization).count() == 2
    tags = alice.client().get("/api/v1/tags/").json()["results"]
    assert [(t["name"], t["jobs"]) for t in tags] == [("2026", 1), ("Interviews", 2)]

    response = alice.client().patch(f"/api/v1/transcribe/{job.pk}/", {"tags": []}, format="json")
    assert response.json()["tags"] == []
    assert tag_names(job) == []
    # Untagging keeps the organization's tags.
    assert Tag.objects.filter(organization=alice.organization).count() == 2


def test_creating_a_tag_twice_answers_the_existing_one(alice):
    first = alice.client().post("/api/v1/tags/", {"name": "Meetings"}, format="json")
    assert first.status_code == 201
    again = alice.client().post("/api/v1/tags/", {"name": "meetings "}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["name"] == "Meetings"


def test_a_tag_name_over_40_characters_is_refused(alice):
    job = make_job(alice)
    response = alice.client().patch(
        f"/api/v1/transcribe/{job.pk}/", {"tags": ["t" * 41]}, format="json"
    )
    assert response.status_code == 400
    assert "40" in response.json()["message"]
    assert not Tag.objects.exists()


def test_deleting_a_tag_takes_it_off_its_jobs_and_nothing_else(alice):
    job = make_job(alice, name="Kept")
    job_tag_add(organization=alice.organization, job_id=job.pk, name="drafts", actor=alice.user)
    tag = Tag.objects.get()
    response = alice.client().delete(f"/api/v1/tags/{tag.pk}/")
    assert response.status_code == 204
    assert not Tag.objects.exists()
    job.refresh_from_db()
    assert (job.name, tag_names(job)) == ("Kept", [])


def test_another_organizations_tag_id_is_not_found_and_stays(alice, bob):
    bobs_job = make_job(bob)
    job_tag_add(organization=bob.organization, job_id=bobs_job.pk, name="secret", actor=bob.user)
    bobs_tag = Tag.objects.get(organization=bob.organization)
    alices_job = make_job(alice)

    response = alice.client().delete(f"/api/v1/tags/{bobs_tag.pk}/")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "No tag with that id was found."}
    with pytest.raises(TagNotFound):
        tag_delete(organization=alice.organization, tag_id=bobs_tag.pk, actor=alice.user)
    with pytest.raises(TagNotFound):
        job_tag_remove(
            organization=alice.organization, job_id=alices_job.pk, tag_id=bobs_tag.pk,
            actor=alice.user,
        )  # fmt: skip
    page = signed_in(alice).post(f"/jobs/{alices_job.pk}/tags/{bobs_tag.pk}/remove/")
    assert page.status_code == 404
    # Nor can a page post reach bob's job with alice's session.
    page = signed_in(alice).post(f"/jobs/{bobs_job.pk}/tags/", {"name": "mine"})
    assert page.status_code == 404
    assert Tag.objects.filter(pk=bobs_tag.pk).exists()
    assert tag_names(bobs_job) == ["secret"]
    assert not Tag.objects.filter(organization=alice.organization).exists()


def test_one_organizations_tags_never_show_in_anothers(alice, bob):
    bobs_job = make_job(bob)
    job_tag_add(
        organization=bob.organization, job_id=bobs_job.pk, name="Acquisition", actor=bob.user
    )
    make_job(alice)

    assert alice.client().get("/api/v1/tags/").json()["results"] == []
    # The same name used by alice is her own tag, not bob's.
    alices_job = make_job(alice)
    job_tag_add(
        organization=alice.organization, job_id=alices_job.pk, name="acquisition",
        actor=alice.user,
    )  # fmt: skip
    assert Tag.objects.filter(name__iexact="acquisition").count() == 2
    listed = alice.client().get("/api/v1/transcribe/?tag=Acquisition").json()["results"]
    assert [job["id"] for job in listed] == [str(alices_job.pk)]
    dashboard = signed_in(alice).get("/").content.decode()
    assert dashboard.count('data-role="tag">acquisition<') == 1
    assert "Acquisition" not in dashboard


def test_tagging_from_the_dashboard_with_htmx_answers_the_row(alice):
    job = make_job(alice)
    client = signed_in(alice)
    response = client.post(
        f"/jobs/{job.pk}/tags/", {"name": "Podcasts", "place": "row", "next": "/?status=queued"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith("<tr") or "<tr data-job-id" in body
    assert 'data-role="tag">Podcasts<' in body
    assert tag_names(job) == ["Podcasts"]

    tag = Tag.objects.get()
    response = client.post(f"/jobs/{job.pk}/tags/{tag.pk}/remove/", {"place": "row"})
    # Without htmx: back to the job's page, the tag off.
    assert response.status_code == 302
    assert tag_names(job) == []


def test_a_tag_added_from_a_row_can_be_filtered_on_without_a_reload(alice):
    tagged, other = make_job(alice), make_job(alice)
    job_tag_add(organization=alice.organization, job_id=tagged.pk, name="Board", actor=alice.user)
    client = signed_in(alice)
    response = client.post(
        f"/jobs/{other.pk}/tags/", {"name": "Podcasts", "place": "row"},
        HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/?tag=board",
    )  # fmt: skip
    body = response.content.decode()
    assert f'<tr data-job-id="{other.pk}"' in body
    # Out of band: the Tag filter with the new tag, the filter in force still chosen,
    # and the add-tag suggestions.
    oob = body[body.index('<select id="filter-tag"') :]
    assert oob.startswith('<select id="filter-tag" name="tag" hx-swap-oob="true">')
    assert '<option value="Podcasts">Podcasts</option>' in oob
    assert '<option value="Board" selected>Board</option>' in oob
    assert '<datalist id="tag-names" hx-swap-oob="true">' in body
    assert '<option value="Podcasts">' in body[body.index('<datalist id="tag-names"') :]

    # Renaming changes no tag: nothing goes out of band.
    renamed = client.post(
        f"/jobs/{other.pk}/rename/", {"name": "Episode 1", "place": "row"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert "hx-swap-oob" not in renamed.content.decode()


def test_a_refused_tag_is_explained_where_it_was_typed(alice):
    job = make_job(alice)
    response = signed_in(alice).post(
        f"/jobs/{job.pk}/tags/", {"name": "x" * 41, "place": "job"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Tag names are at most 40 characters long." in response.content.decode()
    assert 'id="job-tags"' in response.content.decode()
    assert not Tag.objects.exists()


# ---------------------------------------------------------------- filters


@pytest.fixture
def varied_jobs(alice) -> dict[str, TranscriptionJob]:
    now = timezone.now()
    jobs = {
        "done_en": make_job(alice, status=JobStatus.COMPLETED, language="en",
                            created_at=now - dt.timedelta(days=10)),
        "done_de": make_job(alice, status=JobStatus.COMPLETED, language="de",
                            created_at=now - dt.timedelta(days=3)),
        "failed_en": make_job(alice, status=JobStatus.FAILED, language="en",
                              created_at=now - dt.timedelta(days=1)),
        "queued_en": make_job(alice, language="en"),
        # Language detected: the transcript says what was heard (and a translation of
        # it into English does not make it an English job).
        "detected_de": make_job(alice, status=JobStatus.COMPLETED, language=""),
    }  # fmt: skip
    original = Transcript.objects.create(
        job=jobs["detected_de"], kind=TranscriptKind.ORIGINAL, language="de"
    )
    Transcript.objects.create(
        job=jobs["detected_de"], kind=TranscriptKind.TRANSLATED, language="en", source=original,
        is_current=False,
    )  # fmt: skip
    job_tag_add(organization=alice.organization, job_id=jobs["done_de"].pk, name="Berlin",
                actor=alice.user)  # fmt: skip
    job_tag_add(organization=alice.organization, job_id=jobs["failed_en"].pk, name="berlin",
                actor=alice.user)  # fmt: skip
    return jobs


def _listed(persona: Persona, query: str) -> set[str]:
    response = persona.client().get(f"/api/v1/transcribe/?{query}")
    assert response.status_code == 200, response.content
    return {job["id"] for job in response.json()["results"]}


def days_ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def _ids(jobs: dict[str, TranscriptionJob], *names: str) -> set[str]:
    return {str(jobs[name].pk) for name in names}


def test_each_filter_narrows_the_api_list(alice, varied_jobs):
    jobs = varied_jobs
    everything = _ids(jobs, "done_en", "done_de", "failed_en", "queued_en", "detected_de")
    assert _listed(alice, "") == everything
    assert _listed(alice, "status=completed") == _ids(jobs, "done_en", "done_de", "detected_de")
    assert _listed(alice, "language=en") == _ids(jobs, "done_en", "failed_en", "queued_en")
    assert _listed(alice, "language=de") == _ids(jobs, "done_de", "detected_de")
    assert _listed(alice, "tag=BERLIN") == _ids(jobs, "done_de", "failed_en")
    assert _listed(alice, f"created_from={days_ago(3)}") == _ids(
        jobs, "done_de", "failed_en", "queued_en", "detected_de"
    )
    assert _listed(alice, f"created_to={days_ago(3)}") == _ids(jobs, "done_en", "done_de")
    # Together: every filter must hold.
    assert _listed(alice, f"tag=berlin&language=en&created_from={days_ago(2)}") == _ids(
        jobs, "failed_en"
    )
    assert _listed(alice, "tag=nowhere") == set()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=finished",
         "status must be one of fetching, queued, processing, completed, failed, canceled."),
        ("created_from=yesterday", "created_from must be a date written as YYYY-MM-DD."),
        ("created_from=2026-12-05&created_to=2026-12-01",
         "created_to must be on or after created_from."),
    ],
)  # fmt: skip
def test_a_filter_that_cannot_mean_anything_is_a_400(alice, query, message):
    response = alice.client().get(f"/api/v1/transcribe/?{query}")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "message": message}


def test_filters_read_from_query_parameters_narrow_the_queryset(alice, varied_jobs):
    filters = job_filters_from({"status": "completed", "tag": "berlin"})
    assert list(jobs_matching(alice.organization, filters)) == [varied_jobs["done_de"]]
    with pytest.raises(InvalidJobRequest):
        job_filters_from({"created_to": "2026-13-01"})


def test_the_dashboard_filters_by_its_query_string_and_keeps_it_in_links(alice, varied_jobs):
    client = signed_in(alice)
    page = client.get("/?status=completed&language=de").content.decode()
    assert f'data-job-id="{varied_jobs["done_de"].pk}"' in page
    assert f'data-job-id="{varied_jobs["done_en"].pk}"' not in page
    assert f'data-job-id="{varied_jobs["queued_en"].pk}"' not in page
    assert '<option value="completed" selected>' in page
    assert '<option value="de" selected>' in page
    assert 'data-role="clear-filters"' in page

    page = client.get("/?tag=nowhere").content.decode()
    assert "No transcriptions match these filters" in page

    page = client.get("/?created_from=soon").content.decode()
    assert "created_from must be a date written as YYYY-MM-DD." in page
    # The list stays usable: unfiltered, with the sentence above it.
    assert f'data-job-id="{varied_jobs["done_en"].pk}"' in page


def test_the_dashboard_keeps_filters_across_pages(alice, settings):
    for _ in range(21):
        make_job(alice, status=JobStatus.COMPLETED)
    page = signed_in(alice).get("/?status=completed").content.decode()
    assert 'href="?status=completed&amp;page=2"' in page


# ---------------------------------------------------------------- live parts


def test_a_running_row_asks_htmx_to_poll_and_a_finished_one_stops_it(alice):
    job = make_job(alice)
    client = signed_in(alice)
    dashboard = client.get("/").content.decode()
    assert f'hx-get="/jobs/{job.pk}/row/' in dashboard
    # htmx comes from this installation's static files, never a CDN.
    assert '<script src="/static/django_htmx/htmx' in dashboard

    row = client.get(f"/jobs/{job.pk}/row/", HTTP_HX_REQUEST="true")
    assert row.status_code == 200
    assert "hx-trigger" in row.content.decode()

    TranscriptionJob.objects.filter(pk=job.pk).update(status=JobStatus.COMPLETED, progress=100)
    row = client.get(f"/jobs/{job.pk}/row/", HTTP_HX_REQUEST="true")
    # 286: htmx swaps this last row in and stops polling.
    assert row.status_code == 286
    assert "hx-trigger" not in row.content.decode()
    assert ">Completed<" in row.content.decode()


def test_the_job_pages_progress_refreshes_the_page_once_the_job_has_finished(alice):
    job = make_job(alice)
    client = signed_in(alice)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'hx-get="/jobs/{job.pk}/progress/"' in page

    TranscriptionJob.objects.filter(pk=job.pk).update(status=JobStatus.PROCESSING, progress=40)
    part = client.get(f"/jobs/{job.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert 'aria-valuenow="40"' in part
    assert "Transcribing…" in part
    # The heading's badge follows, out of band.
    assert 'id="job-badge" hx-swap-oob="true">Processing<' in part

    TranscriptionJob.objects.filter(pk=job.pk).update(status=JobStatus.COMPLETED, progress=100)
    done = client.get(f"/jobs/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


def test_another_organizations_live_parts_are_not_found(alice, bob):
    bobs = make_job(bob)
    client = signed_in(alice)
    assert client.get(f"/jobs/{bobs.pk}/row/").status_code == 404
    assert client.get(f"/jobs/{bobs.pk}/progress/").status_code == 404
    assert client.post(f"/jobs/{bobs.pk}/rename/", {"name": "x"}).status_code == 404
