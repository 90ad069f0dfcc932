"""Staff tools: the admin lists every model usefully, the ledger is read-only, and the
operators' transcribe command runs the real pipeline."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Model
from django.urls import reverse

from accounts.models import ApiKey, User
from accounts.services import hash_api_key
from billing.models import Hold, LedgerEntry, Wallet
from jobs.models import TranscriptionJob
from tests.audio_fixtures import SHARED_AUDIO
from tests.test_api_transcribe import upload

pytestmark = pytest.mark.django_db
OUR_APPS = {"accounts", "billing", "jobs"}


@pytest.fixture
def staff_client(client, alice):
    staff = User.objects.create_superuser(email="staff@example.org", password="x" * 12)
    client.force_login(staff)
    upload(alice)  # something to list in every table
    return client


def our_models() -> list[type[Model]]:
    return [m for m in admin.site._registry if m._meta.app_label in OUR_APPS]


def test_every_model_of_ours_is_in_the_admin():
    registered = {m._meta.label for m in our_models()}
    assert registered >= {
        "accounts.User", "accounts.Organization", "accounts.Membership", "accounts.ApiKey",
        "billing.Wallet", "billing.LedgerEntry", "billing.Hold",
        "jobs.TranscriptionJob",
    }  # fmt: skip


def test_every_changelist_renders_with_search_and_filters(staff_client):
    for model in our_models():
        model_admin = admin.site._registry[model]
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = staff_client.get(url, {"q": "alice"} if model_admin.search_fields else {})
        assert response.status_code == 200, url
        assert model_admin.list_display != ("__str__",), f"{model} has no list columns"


def test_money_records_are_read_only_in_the_admin(staff_client, alice):
    entry = LedgerEntry.objects.first()
    assert entry is not None
    for model in (LedgerEntry, Wallet, Hold):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(staff_client)
        assert not model_admin.has_change_permission(staff_client)
        assert not model_admin.has_delete_permission(staff_client)
    response = staff_client.post(
        reverse("admin:billing_ledgerentry_change", args=[entry.pk]), {"amount": "1000"}
    )
    assert response.status_code == 403
    assert LedgerEntry.objects.get(pk=entry.pk).amount == entry.amount


def test_an_api_key_made_in_the_admin_is_shown_once_and_works(staff_client, alice):
    response = staff_client.post(
        reverse("admin:accounts_apikey_add"),
        {"organization": alice.organization.pk, "name": "from admin"},
        follow=True,
    )
    assert response.status_code == 200
    raw_key = re.search(r"hark_[\w-]+", response.content.decode())
    assert raw_key is not None
    key = ApiKey.objects.get(name="from admin")
    assert key.hashed_key == hash_api_key(raw_key.group(0))
    assert key.organization == alice.organization


def test_a_job_page_in_the_admin_shows_its_segments(staff_client):
    job = TranscriptionJob.objects.get()
    response = staff_client.get(reverse("admin:jobs_transcriptionjob_change", args=[job.pk]))
    assert response.status_code == 200
    assert job.original_filename in response.content.decode()


def test_transcribe_command_prints_subtitles_for_a_real_file():
    out = io.StringIO()
    call_command("transcribe", str(SHARED_AUDIO / "jfk.flac"), "--format", "srt", stdout=out)
    srt = out.getvalue()
    assert srt.startswith("1\n00:00:")
    assert "-->" in srt
    assert "country" in srt


def test_transcribe_command_refuses_non_audio_with_the_same_message_as_the_api(tmp_path):
    path = tmp_path / "notes.mp3"
    path.write_text("not audio at all " * 100)
    with pytest.raises(CommandError, match="MP3, WAV"):
        call_command("transcribe", str(path))
