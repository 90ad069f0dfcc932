"""Translation in the browser, page by page: ordering from a job's page (languages a
translator reaches, its engine and price, the 402 sentence), the translation page
(progress, side by side, exports, cancel and delete through the lifecycle with the
person's role), fixing a translated line through the editing API, the dashboard and the
help. Another organization's translation is a 404 everywhere."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import replace
from typing import Any

import pytest
from django.template.defaultfilters import floatformat
from django.test import Client
from django_q.models import OrmQ

from accounts.models import Role, User
from accounts.services import membership_add
from billing.models import Hold, HoldStatus
from billing.selectors import available_credits
from billing.services import credits_grant
from jobs.models import TranscriptionJob
from jobs.transcripts.models import Revision, Transcript
from jobs.transcripts.selectors import transcript_read
from jobs.translation.models import TranslationJob
from jobs.translation.selectors import translation_choices
from jobs.translation.services.intake import translation_quote
from jobs.translation.tasks import translate
from tests.audio_fixtures import whisper_transcribe
from tests.browser import parse_srt
from tests.conftest import Persona
from tests.transcripts.helpers import JFK, TranscriptClient, completed_job


@pytest.fixture
def jfk(alice: Persona) -> TranscriptionJob:
    return completed_job(alice)


def signed_in(persona: Persona) -> Client:
    client = Client()
    client.force_login(persona.user)
    return client


def order_page(client: Client, job: TranscriptionJob, choice: str) -> Any:
    return client.post(f"/jobs/{job.pk}/translate/", {"choice": choice})


def translated(
    persona: Persona, job: TranscriptionJob, choice: str = "es:apertium"
) -> TranslationJob:
    """Order from the job page, then run the task as the worker does."""
    response = order_page(signed_in(persona), job, choice)
    assert response.status_code == 302, response.content[:500]
    translation = TranslationJob.objects.get(source_job=job, to_language=choice.split(":")[0])
    translate(str(translation.pk))
    translation.refresh_from_db()
    assert translation.status == "completed", translation.error_message
    return translation


# --- Ordering from the job page ----------------------------------------------------------


def test_the_job_page_offers_only_languages_a_translator_reaches_with_engine_and_price(alice, jfk):
    page = signed_in(alice).get(f"/jobs/{jfk.pk}/").content.decode()

    options = dict(re.findall(r'<option value="([a-z]+:[a-z]+)">([^<]+)</option>', page))
    view = transcript_read(jfk)
    assert view is not None
    price = floatformat(translation_quote(len(view.text.split()), "apertium"), "-2")
    assert options["es:apertium"] == (
        f"Spanish · {price} credits · Apertium (rule-based, on this server)"
    )
    # English → French goes through Spanish; Catalan directly.
    assert {"es:apertium", "fr:apertium", "ca:apertium"} <= options.keys()
    # Never the transcript's own language, nor Whisper (it only translates into English).
    assert not any(value.startswith("en:") or value.endswith(":whisper") for value in options)
    assert "How translation works" in page


def test_from_another_language_english_is_offered_by_apertium_and_by_whisper(alice):
    result = whisper_transcribe(JFK)
    spanish = replace(result, language="es",
                      segments=[replace(s, language="es") for s in result.segments])  # fmt: skip
    job = completed_job(alice, result=spanish)

    choices = [(c.to_language, c.translator) for c in translation_choices(job)]

    assert ("en", "apertium") in choices
    assert ("en", "whisper") in choices
    assert choices.index(("en", "apertium")) < choices.index(("en", "whisper"))
    assert not any(target == "es" for target, _ in choices)
    page = signed_in(alice).get(f"/jobs/{job.pk}/").content.decode()
    assert "English · " in page
    assert "Whisper (hears the audio again, into English)" in page


def test_ordering_holds_the_price_queues_the_work_and_opens_its_page_with_progress(alice, jfk):
    before = available_credits(alice.organization)
    client = signed_in(alice)

    response = order_page(client, jfk, "es:apertium")

    translation = TranslationJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/translations/{translation.pk}/"
    assert (translation.status, translation.to_language, translation.route) == (
        "queued", "es", ["apertium"],
    )  # fmt: skip
    assert translation.created_by == alice.user
    hold = Hold.objects.get(reference=translation.billing_reference)
    assert hold.status == HoldStatus.ACTIVE
    assert available_credits(alice.organization) == before - translation.estimated_credits

    page = client.get(response["Location"]).content.decode()
    assert "Waiting for a free worker" in page
    # htmx asks for the progress card again until it is done, then refreshes the page.
    assert f'hx-get="/translations/{translation.pk}/progress/"' in page
    assert "Cancel translation" in page
    # Listed under its transcription, with its status.
    job_page = client.get(f"/jobs/{jfk.pk}/").content.decode()
    assert f'href="/translations/{translation.pk}/"' in job_page
    assert "Queued" in job_page


def test_progress_and_badges_follow_a_running_translation_and_stop_once_it_is_done(alice, jfk):
    client = signed_in(alice)
    order_page(client, jfk, "es:apertium")
    translation = TranslationJob.objects.get(source_job=jfk)
    progress = client.get(f"/translations/{translation.pk}/progress/", HTTP_HX_REQUEST="true")
    badge = client.get(f"/translations/{translation.pk}/badge/", HTTP_HX_REQUEST="true")
    listed = client.get(f"/jobs/{jfk.pk}/").content.decode()

    assert progress.status_code == 200
    assert "Waiting for a free worker" in progress.content.decode()
    assert f'hx-get="/translations/{translation.pk}/badge/"' in badge.content.decode()
    assert f'hx-get="/translations/{translation.pk}/badge/"' in listed

    translate(str(translation.pk))
    done = client.get(f"/translations/{translation.pk}/progress/", HTTP_HX_REQUEST="true")
    badge = client.get(f"/translations/{translation.pk}/badge/", HTTP_HX_REQUEST="true")

    # Finished: the page is refreshed once (rendered with the translation), and the badge
    # says so and asks no more.
    assert done["HX-Refresh"] == "true"
    assert ">Completed<" in badge.content.decode()
    assert "hx-get" not in badge.content.decode()


def test_a_wallet_that_cannot_pay_shows_the_402_sentence_and_creates_nothing(alice, jfk):
    credits_grant(organization=alice.organization, amount=-available_credits(alice.organization),
                  reason="empty the wallet")  # fmt: skip
    client = signed_in(alice)

    response = client.post(f"/jobs/{jfk.pk}/translate/", {"choice": "es:apertium"}, follow=True)

    page = response.content.decode()
    assert "You have 0 credits remaining but this translation requires" in page
    assert not TranslationJob.objects.exists()
    assert not Hold.objects.filter(reference__startswith="translation:").exists()


@pytest.mark.parametrize(
    ("choice", "sentence"),
    [
        ("tlh:apertium", "cannot translate English into Klingon"),
        ("en:apertium", "already in English"),
        ("", "to_language must be a language code"),
    ],
)
def test_a_choice_nobody_can_do_shows_why_and_creates_nothing(alice, jfk, choice, sentence):
    response = signed_in(alice).post(f"/jobs/{jfk.pk}/translate/", {"choice": choice}, follow=True)
    assert response.status_code == 200
    assert sentence in response.content.decode()
    assert not TranslationJob.objects.exists()


# --- The translation page ------------------------------------------------------------------


def test_a_completed_translation_reads_beside_the_original_with_every_export(alice, jfk):
    translation = translated(alice, jfk)
    source = TranscriptClient(alice, jfk).get()

    page = signed_in(alice).get(f"/translations/{translation.pk}/").content.decode()

    assert "English → Spanish" in page
    assert "Apertium (rule-based, on this server)" in page
    editor = f'data-api-url="/api/v1/translate/{translation.pk}/transcript/"'
    assert editor in page
    assert 'data-mode="translation"' in page
    found = re.search(r'id="source-rows" type="application/json">(.*?)</script>', page, re.S)
    assert found is not None
    rows = json.loads(found.group(1))
    # Paired by segment id with the original's text.
    assert rows == {s["id"]: {"text": s["text"]} for s in source["segments"]}
    assert f'src="/jobs/{jfk.pk}/audio"' in page
    for fmt in ("txt", "srt", "vtt", "json", "docx", "pdf", "html"):
        assert f'href="/api/v1/translate/{translation.pk}/?format={fmt}"' in page
    assert f'action="/api/v1/translate/{translation.pk}/"' in page  # with options
    assert "Delete translation" in page
    assert "Cancel translation" not in page


def test_a_source_split_after_translating_still_shows_all_it_said_and_warns(alice, jfk):
    translation = translated(alice, jfk)
    source = TranscriptClient(alice, jfk)
    [whole] = source.get()["segments"]
    source.ok("post", f"segments/{whole['id']}/split/", version=1, word_index=5)

    page = signed_in(alice).get(f"/translations/{translation.pk}/").content.decode()

    found = re.search(r'id="source-rows" type="application/json">(.*?)</script>', page, re.S)
    assert found is not None
    # The translated line spans both halves of the split original.
    assert json.loads(found.group(1)) == {whole["id"]: {"text": whole["text"]}}
    assert 'data-role="source-changed"' in page
    assert "The transcript was edited after this translation was made" in page


def test_a_failed_translation_says_why_and_that_nothing_was_charged(alice, jfk):
    order_page(signed_in(alice), jfk, "es:apertium")
    translation = TranslationJob.objects.get()
    # A pair the translator refuses for good (a permanent failure, not retried).
    TranslationJob.objects.filter(pk=translation.pk).update(from_language="xx")
    translate(str(translation.pk))

    page = signed_in(alice).get(f"/translations/{translation.pk}/").content.decode()

    assert "This translation failed." in page
    assert "apertium cannot translate from xx to es." in page
    assert "You have not been charged." in page
    assert "Cancel translation" not in page
    assert 'data-mode="translation"' not in page
    hold = Hold.objects.get(reference=translation.billing_reference)
    assert hold.status == HoldStatus.RELEASED


def test_another_organizations_translation_is_a_404_on_every_page(alice, bob, jfk):
    translation = translated(alice, jfk)
    client = signed_in(bob)
    for method, path in [
        ("get", f"/translations/{translation.pk}/"),
        ("post", f"/translations/{translation.pk}/cancel/"),
        ("post", f"/translations/{translation.pk}/delete/"),
        ("post", f"/jobs/{jfk.pk}/translate/"),
        ("get", f"/translations/{translation.pk}/progress/"),
        ("get", f"/translations/{translation.pk}/badge/"),
    ]:
        foreign = getattr(client, method)(path, {"choice": "es:apertium"})
        assert foreign.status_code == 404, path
        missing = getattr(client, method)(path.replace(str(translation.pk), str(uuid.uuid4())))
        assert missing.status_code == 404
    assert TranslationJob.objects.filter(organization=bob.organization).count() == 0
    assert TranslationJob.objects.get(pk=translation.pk).status == "completed"
    assert "Recent translations" not in client.get("/").content.decode()


def test_a_member_cancels_but_deletes_only_what_they_ordered(bob, charlie):
    charlie_persona = Persona(charlie, bob.organization, bob.api_key, bob.raw_key)
    job = completed_job(bob)
    bobs = signed_in(bob)
    order_page(bobs, job, "es:apertium")
    translation = TranslationJob.objects.get()
    member = signed_in(charlie_persona)

    denied = member.post(f"/translations/{translation.pk}/delete/")
    assert denied.status_code == 403
    assert "Only owners and admins" in denied.content.decode()
    assert TranslationJob.objects.filter(pk=translation.pk).exists()

    canceled = member.post(f"/translations/{translation.pk}/cancel/", follow=True)
    assert "Translation canceled" in canceled.content.decode()
    translation.refresh_from_db()
    assert translation.status == "canceled"
    assert Hold.objects.get(reference=translation.billing_reference).status == HoldStatus.RELEASED
    again = member.post(f"/translations/{translation.pk}/cancel/", follow=True)
    assert "already canceled and cannot be canceled" in again.content.decode()

    # Charlie's own order is Charlie's to delete; the owner may delete anyone's.
    order_page(member, job, "fr:apertium")
    own = TranslationJob.objects.get(to_language="fr")
    assert member.post(f"/translations/{own.pk}/delete/").status_code == 302
    deleted = bobs.post(f"/translations/{translation.pk}/delete/")
    assert deleted.status_code == 302
    assert deleted["Location"] == f"/jobs/{job.pk}/"
    assert not TranslationJob.objects.exists()


def test_an_admin_deletes_a_members_translation_and_its_fixes(bob, charlie):
    membership_add(organization=bob.organization, actor=bob.user, email="dana@example.org",
                   role=Role.ADMIN)  # fmt: skip
    job = completed_job(bob)
    charlie_persona = Persona(charlie, bob.organization, bob.api_key, bob.raw_key)
    translation = translated(charlie_persona, job)
    admin = Client()
    admin.force_login(User.objects.get(email="dana@example.org"))
    assert admin.post(f"/translations/{translation.pk}/delete/").status_code == 302
    assert not TranslationJob.objects.exists()
    assert not Transcript.objects.filter(kind="translated").exists()
    assert TranscriptionJob.objects.filter(pk=job.pk).exists()


# --- Fixing a translated line --------------------------------------------------------------


def test_a_fixed_line_is_a_new_version_in_every_export_and_undo_brings_the_translators_back(
    alice, jfk, django_capture_on_commit_callbacks
):
    translation = translated(alice, jfk)
    editor = alice.client()
    base = f"/api/v1/translate/{translation.pk}/transcript/"
    doc = editor.get(base).json()
    [first, *_] = doc["segments"]
    machine = first["text"]

    fix = {"version": 1, "text": "Compatriotas estadounidenses."}
    tasks_before = OrmQ.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        fixed = editor.patch(f"{base}segments/{first['id']}/", fix, format="json")

    assert fixed.status_code == 200, fixed.content
    assert fixed.json()["version"] == 2
    assert fixed.json()["can_undo"] is True
    srt = editor.get(f"/api/v1/translate/{translation.pk}/?format=srt").content.decode()
    cues = [cue[3] for cue in parse_srt(srt)]
    assert " ".join(cue.removeprefix("SPEAKER_00: ") for cue in cues) == fix["text"]
    assert machine.split()[1] not in srt
    body = editor.get(f"/api/v1/translate/{translation.pk}/").json()
    assert body["transcript"] == fix["text"]
    # Translated words were never spoken: nothing is queued to align them to the audio.
    assert OrmQ.objects.count() == tasks_before
    # The source transcript is untouched; the revision names who fixed the line.
    assert TranscriptClient(alice, jfk).get()["version"] == 1
    revision = Revision.objects.get(transcript__translation=translation)
    assert (revision.version, revision.author, revision.api_key) == (2, alice.user, alice.api_key)
    history = editor.get(f"{base}revisions/").json()["revisions"]
    assert [r["action"] for r in history] == ["edit", "translated"]

    undone = editor.post(f"{base}undo/", {"version": 2}, format="json")
    assert undone.status_code == 200
    assert undone.json()["segments"][0]["text"] == machine
    stale = editor.patch(f"{base}segments/{first['id']}/", {"version": 2, "text": "x"},
                         format="json")  # fmt: skip
    assert stale.status_code == 409


@pytest.mark.parametrize(
    ("method", "route", "body"),
    [
        ("post", "segments/{id}/split/", {"version": 1, "word_index": 1}),
        ("post", "segments/{id}/merge/", {"version": 1}),
        ("patch", "segments/{id}/", {"version": 1, "start": 0.5}),
    ],
)
def test_a_translations_lines_are_never_split_merged_or_retimed(alice, jfk, method, route, body):
    translation = translated(alice, jfk)
    base = f"/api/v1/translate/{translation.pk}/transcript/"
    segment = alice.client().get(base).json()["segments"][0]["id"]

    response = getattr(alice.client(), method)(base + route.format(id=segment), body,
                                               format="json")  # fmt: skip

    assert response.status_code == 400
    assert "stay one-to-one with the original" in response.json()["message"]
    assert not Revision.objects.exists()


def test_an_emptied_translated_line_is_refused_with_a_sentence(alice, jfk):
    translation = translated(alice, jfk)
    base = f"/api/v1/translate/{translation.pk}/transcript/"
    segment = alice.client().get(base).json()["segments"][0]["id"]

    response = alice.client().patch(f"{base}segments/{segment}/", {"version": 1, "text": "  "},
                                    format="json")  # fmt: skip

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "message": "A translated line cannot be empty: it translates what was said.",
    }
    assert not Revision.objects.exists()


def test_another_organizations_translation_text_is_a_404_like_a_missing_one(alice, bob, jfk):
    translation = translated(alice, jfk)
    base = f"/api/v1/translate/{translation.pk}/transcript/"
    segment = alice.client().get(base).json()["segments"][0]["id"]
    for method, route in [("get", ""), ("patch", f"segments/{segment}/"), ("post", "undo/"),
                          ("get", "revisions/"), ("post", "replace/")]:  # fmt: skip
        body = {"version": 1, "text": "x", "find": "a", "replace": "b"}
        foreign = getattr(bob.client(), method)(base + route, body, format="json")
        missing = getattr(bob.client(), method)(
            base.replace(str(translation.pk), str(uuid.uuid4())) + route, body, format="json"
        )
        assert foreign.status_code == missing.status_code == 404
        assert foreign.json() == missing.json()
    assert not Revision.objects.exists()


def test_a_translation_still_running_cannot_be_edited(alice, jfk):
    order_page(signed_in(alice), jfk, "es:apertium")
    translation = TranslationJob.objects.get()
    response = alice.client().get(f"/api/v1/translate/{translation.pk}/transcript/")
    assert response.status_code == 409
    assert "queued" in response.json()["message"]


# --- Lists and help --------------------------------------------------------------------------


def test_the_dashboard_lists_recent_translations_with_status_and_languages(alice, jfk):
    translation = translated(alice, jfk)
    page = signed_in(alice).get("/").content.decode()
    assert "Recent translations" in page
    row = page[page.index(f'data-translation-id="{translation.pk}"') :]
    row = row[: row.index("</tr>")]
    assert f'href="/translations/{translation.pk}/"' in row
    assert "English → Spanish" in row
    assert "Completed" in row


def test_the_help_says_how_to_translate_and_what_prices_mean(alice):
    page = signed_in(alice).get("/help/").content.decode()
    assert 'id="translation"' in page
    assert "price per word" in page
    assert "Apertium (rule-based, on this server)" in page
    assert "Can I fix a translated line?" in page
