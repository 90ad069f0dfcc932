"""Organization settings: owners and admins set the name, default model and language,
and the vocabulary; every member reads them; uploads and API requests that do not say
otherwise start from them."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import Organization
from jobs.models import TranscriptionJob
from jobs.options import TranscriptionOptions
from jobs.organization_data.defaults import options_with_organization_defaults
from jobs.routing import provider_request
from jobs.services.worker import job_request, job_route
from tests.test_api_transcribe import JFK, upload

pytestmark = pytest.mark.django_db

SETTINGS_FORM = {
    "name": "Alice Research",
    "default_engine": "whisper",
    "default_language": "de",
    "vocabulary": "Hark, Kubernetes\nDr. Okonkwo, hark",
}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def german_whisper_with_words(organization: Organization) -> None:
    organization.default_engine = "whisper"
    organization.default_language = "de"
    organization.vocabulary = ["Hark", "Okonkwo"]
    organization.save()


def test_an_owner_saves_the_settings_on_the_page(alice):
    client = signed_in(alice.user)
    response = client.post("/settings/", SETTINGS_FORM, follow=True)

    assert response.status_code == 200
    assert "Settings saved" in response.content.decode()
    organization = Organization.objects.get(pk=alice.organization.pk)
    assert organization.name == "Alice Research"
    assert (organization.default_engine, organization.default_language) == ("whisper", "de")
    # Commas and new lines both separate; repeats (in any case) are dropped.
    assert organization.vocabulary == ["Hark", "Kubernetes", "Dr. Okonkwo"]
    page = client.get("/settings/").content.decode()
    assert 'value="Alice Research"' in page
    assert '<option value="de" selected>German</option>' in page
    assert "Hark, Kubernetes, Dr. Okonkwo" in page


def test_the_settings_page_links_each_setting_to_the_page_that_holds_it(alice):
    client = signed_in(alice.user)
    page = client.get("/settings/").content.decode()
    links = dict(re.findall(r'<a class="btn block"[^>]*href="([^"]+)">([^<]+)</a>', page))
    assert links == {
        "/settings/members/": "Invite and manage members",
        "/settings/data/#retention": "Retention, export and deletion",
        "/settings/api-keys/": "API keys",
        "/settings/orders-api/#callback-url": "Order callback URL",
        "/webhooks/": "Webhooks",
    }
    # Each link's page holds what the link names (its #fragment included).
    assert 'id="retention"' in client.get("/settings/data/").content.decode()
    assert "callback" not in client.get("/settings/api-keys/").content.decode().lower()
    orders = client.get("/settings/orders-api/").content.decode()
    assert re.search(r'id="callback-url"[^>]*>\s*<h2>Callback URL</h2>', orders)
    assert 'name="callback_url"' in orders


def test_a_member_reads_the_settings_but_cannot_change_them(bob, charlie):
    client = signed_in(charlie)
    page = client.get("/settings/").content.decode()
    assert "Only owners and admins can change these settings." in page
    assert re.search(r'<input[^>]*name="name"[^>]*disabled', page)
    assert "Save settings" not in page

    response = client.post("/settings/", {**SETTINGS_FORM, "name": "Charlie's now"})

    assert response.status_code == 403
    assert "Only owners and admins of this organization can change its settings." in (
        response.content.decode()
    )
    assert Organization.objects.get(pk=bob.organization.pk).name == "Bob Org"


def test_a_language_the_default_model_cannot_hear_is_refused_with_a_sentence(alice):
    response = signed_in(alice.user).post(
        "/settings/", {**SETTINGS_FORM, "default_engine": "local", "default_language": "de"}
    )
    assert response.status_code == 400
    assert "The Local (pocketsphinx, English) engine cannot transcribe German" in (
        response.content.decode()
    )
    assert Organization.objects.get(pk=alice.organization.pk).default_language == ""


def test_the_api_reads_and_patches_the_settings(alice):
    client = alice.client()
    assert client.get("/api/v1/organization/").json() == {
        "id": alice.organization.pk, "name": "Alice Org", "default_language": "",
        "default_engine": "", "vocabulary": [], "media_retention_days": None,
        "delete_transcripts": False,
    }  # fmt: skip

    response = client.patch(
        "/api/v1/organization/",
        {"default_language": "fr", "vocabulary": ["Hark", "GateFlow"]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["default_language"] == "fr"
    assert response.json()["name"] == "Alice Org"  # untouched: not sent
    organization = Organization.objects.get(pk=alice.organization.pk)
    assert (organization.default_language, organization.vocabulary) == ("fr", ["Hark", "GateFlow"])


def test_the_api_refuses_an_engine_that_is_not_enabled(alice):
    response = alice.client().patch(
        "/api/v1/organization/", {"default_engine": "deepgram"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "message": "'deepgram' is not an engine enabled here. Choose one of: whisper, local, "
        "or auto.",
    }


def test_a_member_cannot_patch_the_settings_with_a_session_or_a_key(bob, charlie):
    session = Client()
    session.force_login(charlie)
    response = session.patch(
        "/api/v1/organization/", {"name": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert session.get("/api/v1/organization/").json()["name"] == "Bob Org"


def test_an_upload_that_says_nothing_gets_the_organizations_defaults(alice):
    german_whisper_with_words(alice.organization)

    response = upload(alice)

    assert response.status_code == 200, response.content
    job = TranscriptionJob.objects.get()
    assert (job.engine, job.language) == ("whisper", "de")
    assert job.vocabulary == ["Hark", "Okonkwo"]


def test_an_automatic_job_carries_the_organizations_vocabulary_to_the_engine_that_takes_it(
    alice,
):
    alice.organization.default_engine = "auto"
    alice.organization.vocabulary = ["Hark", "Okonkwo"]
    alice.organization.save()

    response = upload(alice)

    assert response.status_code == 200, response.content
    job = TranscriptionJob.objects.get(pk=response.json()["id"])
    # The words do not narrow the route: local, which takes none, stays the fallback.
    assert (job.engine, job.route) == ("auto", ["whisper", "local"])
    assert job.vocabulary == ["Hark", "Okonkwo"]
    route, request = job_route(job), job_request(job, JFK)
    assert provider_request(route, request, "whisper").vocabulary == ("Hark", "Okonkwo")
    assert provider_request(route, request, "local").vocabulary == ()


def test_the_organizations_vocabulary_never_makes_a_fallback_refuse_the_job(alice):
    german_whisper_with_words(alice.organization)

    response = upload(alice, language="en", fallbacks="local")

    assert response.status_code == 200, response.content
    job = TranscriptionJob.objects.get(pk=response.json()["id"])
    assert (job.route, job.vocabulary) == (["whisper", "local"], ["Hark", "Okonkwo"])


def test_what_a_request_says_wins_over_the_defaults(alice):
    german_whisper_with_words(alice.organization)

    upload(alice, language="auto", vocabulary="Okonkwo,Nairobi")
    upload(alice, model="local")

    detected, local = TranscriptionJob.objects.order_by("created_at")
    assert (detected.engine, detected.language) == ("whisper", "")
    # The job's own words first, the organization's added without repeats.
    assert detected.vocabulary == ["Okonkwo", "Nairobi", "Hark"]
    # Local hears English only and takes no vocabulary: neither default is forced on it.
    assert (local.engine, local.language, local.vocabulary) == ("local", "en", [])


def test_a_quote_is_priced_with_the_defaults(alice):
    german_whisper_with_words(alice.organization)
    response = upload(alice, mode="test")
    assert response.status_code == 200
    assert (response.json()["model"], response.json()["language"]) == ("whisper", "de")
    assert not TranscriptionJob.objects.exists()


def test_applying_the_defaults_twice_changes_nothing(alice):
    german_whisper_with_words(alice.organization)
    once = options_with_organization_defaults(TranscriptionOptions(), alice.organization)
    assert options_with_organization_defaults(once, alice.organization) == once
    assert (once.model, once.language) == ("whisper", "de")
    assert (once.vocabulary, once.organization_vocabulary) == ((), ("Hark", "Okonkwo"))


def test_the_upload_page_starts_from_the_defaults(alice):
    german_whisper_with_words(alice.organization)
    page = signed_in(alice.user).get("/transcribe/new/").content.decode()
    assert '<option value="whisper" selected>' in page
    assert 'data-default="de"' in page
    assert "vocabulary is added: Hark, Okonkwo." in page
