"""Roles are enforced by the services: every write route, every role, API key and
session gets the answer the roles table in the README gives (accounts.permissions)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts.invitations import invitation_create
from accounts.models import ApiKey, Invitation, Membership, Organization, Role, User
from accounts.permissions import Capability, roles_for
from accounts.services import api_key_create, organization_create
from billing.models import Hold, HoldStatus
from config.api import WRITE_METHODS, OrganizationApiView
from jobs.engines.base import Segment, TranscriptionResult, Word
from jobs.lifecycle.transcription import job_claim, job_complete
from jobs.models import Tag, TranscriptionJob
from jobs.options import TranscriptionOptions
from jobs.services.intake import job_create
from jobs.services.organize import tag_create
from jobs.translation.models import TranslationJob
from jobs.translation.services.intake import translation_create
from orders.models import Order, OrderCallback, OrderSettings
from review.models import ReviewTask
from tests.upstreams.loopback import Reply
from tests.upstreams.media import MediaHost
from webhooks.models import Delivery, DeliveryStatus, Endpoint, SigningSecret
from webhooks.services import endpoint_create, organization_secret

pytestmark = pytest.mark.django_db

AUDIO = Path(__file__).resolve().parents[2] / "shared" / "audio" / "jfk.flac"
MANAGERS = {Role.OWNER, Role.ADMIN}


@dataclass
class World:
    organization: Organization
    users: dict[str, User]
    keys: dict[str, str]
    endpoint: Endpoint
    delivery: Delivery
    invitation: Invitation
    owners_job: TranscriptionJob
    own_jobs: dict[str, TranscriptionJob]
    tag: Tag
    reviewable_job: TranscriptionJob

    def api(self, role: str, credential: str) -> APIClient:
        client = APIClient()
        if credential == "key":
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.keys[role]}")
        else:
            client.force_login(self.users[role])
        return client

    def page(self, role: str) -> Client:
        client = Client()
        client.force_login(self.users[role])
        return client


def _job(organization: Organization, user: User) -> TranscriptionJob:
    return job_create(
        organization=organization,
        path=AUDIO,
        filename="jfk.flac",
        options=TranscriptionOptions(),
        created_by=user,
    )


def _completed_job(organization: Organization, user: User) -> TranscriptionJob:
    """A completed job with a doubtful word, so its review can be ordered. The words are
    made here: the roles are under test, not the engine."""
    job = _job(organization, user)
    claim = job_claim(str(job.pk))
    assert claim is not None
    word = Word(text="Americans", start=0.0, end=1.0, confidence=0.3)
    segment = Segment(start=0.0, end=1.0, text="Americans", confidence=0.3, words=(word,))
    result = TranscriptionResult(segments=[segment], language="en", duration=11.0, engine="local")
    assert job_complete(claim, result)
    job.refresh_from_db()
    return job


@pytest.fixture
def world() -> World:
    owner = User.objects.create_user(email="owner@example.org", password="x")
    organization = organization_create(name="Acme", owner=owner)
    keys: dict[str, str] = {
        Role.OWNER: api_key_create(organization=organization, name="o", created_by=owner)[1]
    }
    for role in (Role.ADMIN, Role.MEMBER):
        out = StringIO()
        # The operator's way in: the membership is created with the role, the key with it.
        call_command(
            "create_api_key", f"{role}@example.org", "--org", "Acme", "--role", role, stdout=out
        )
        keys[role] = out.getvalue().strip()
    users = {m.role: m.user for m in Membership.objects.filter(organization=organization)}
    endpoint, _ = endpoint_create(
        organization=organization, actor=None, url="https://93.184.216.34/hook"
    )
    delivery = Delivery.objects.create(
        organization=organization,
        endpoint=endpoint,
        url=endpoint.url,
        event_type="job.completed",
        message_id="msg_1",
        payload="{}",
        status=DeliveryStatus.SUCCEEDED,
    )
    organization_secret(organization)
    owners_job = _job(organization, owner)
    tag, _ = tag_create(organization=organization, name="kept", actor=owner)
    owners_job.tags.add(tag)
    invitation = invitation_create(
        organization=organization, actor=None, email="invitee@example.org"
    ).invitation
    OrderSettings.objects.create(organization=organization, callback_url="https://93.184.216.34/gt")
    return World(
        organization=organization,
        users=users,
        keys=keys,
        endpoint=endpoint,
        delivery=delivery,
        owners_job=owners_job,
        invitation=invitation,
        own_jobs={role: _job(organization, users[role]) for role in (Role.ADMIN, Role.MEMBER)},
        tag=tag,
        reviewable_job=_completed_job(organization, owner),
    )


def test_the_cli_creates_memberships_with_the_role_asked_for(world):
    roles = dict(
        Membership.objects.filter(organization=world.organization).values_list(
            "user__email", "role"
        )
    )
    assert roles == {
        "owner@example.org": "owner",
        "admin@example.org": "admin",
        "member@example.org": "member",
    }
    assert ApiKey.objects.filter(organization=world.organization).count() == 3


# (method, path, body, capability): the API's write routes and its secret read.
API_ROUTES = [
    ("post", "/api/v1/webhooks/", {"url": "https://93.184.216.34/new"}, "webhooks"),
    ("patch", "/api/v1/webhooks/{endpoint}/", {"url": "https://93.184.216.34/x"}, "webhooks"),
    ("put", "/api/v1/webhooks/{endpoint}/", {"description": "changed"}, "webhooks"),
    ("delete", "/api/v1/webhooks/{endpoint}/", None, "webhooks"),
    ("post", "/api/v1/webhooks/{endpoint}/rotate-secret/", None, "webhooks"),
    ("post", "/api/v1/webhooks/{endpoint}/test/", None, "webhooks"),
    ("post", "/api/v1/webhooks/deliveries/{delivery}/resend/", None, "webhooks"),
    ("get", "/api/v1/webhooks/signing-secret/", None, "webhooks"),
    ("post", "/api/v1/webhooks/signing-secret/rotate/", None, "webhooks"),
    ("post", "/api/v1/transcribe/{owners_job}/cancel/", None, "everyone"),
    ("delete", "/api/v1/transcribe/{own_job}/", None, "everyone"),
    ("delete", "/api/v1/transcribe/{owners_job}/", None, "managers"),
    ("patch", "/api/v1/transcribe/{owners_job}/", {"name": "Renamed", "tags": ["new"]}, "everyone"),
    ("post", "/api/v1/tags/", {"name": "another"}, "everyone"),
    ("delete", "/api/v1/tags/{tag}/", None, "everyone"),
    ("post", "/api/v1/invitations/", {"email": "new@example.org", "role": "member"}, "managers"),
    ("post", "/api/v1/invitations/{invitation}/resend/", None, "managers"),
    ("delete", "/api/v1/invitations/{invitation}/", None, "managers"),
    ("patch", "/api/v1/organization/", {"name": "Renamed", "vocabulary": ["Hark"]}, "managers"),
    # GoTranscript's orders (a live order from the loopback media host).
    ("post", "/api/v4/transcriptions", {"url": "{media}", "language": "english"}, "everyone"),
    ("post", "/api/v4/captions", {"url": "{media}", "language": "english"}, "everyone"),
    (
        "post",
        "/api/v4/automatic_transcriptions",
        {"url": "{media}", "language": "english"},
        "everyone",
    ),
    (
        "post",
        "/api/v4/subtitles",
        {"url": "{media}", "translate_from": "english", "translate_to": "spanish"},
        "everyone",
    ),
    (
        "post",
        "/api/v4/translations",
        {"url": "{media}.txt", "translate_from": "english", "translate_to": "spanish"},
        "everyone",
    ),
    (
        "post",
        "/api/v4/forced_alignment",
        {"audio_url": "{media}", "transcription_url": "{media}.txt", "language": "english"},
        "everyone",
    ),
    (
        "post",
        "/api/v4/transcription_proofreading",
        {"audio_url": "{media}", "transcription_url": "{media}.txt", "language": "english"},
        "everyone",
    ),
    ("post", "/api/v1/transcribe/{reviewable_job}/review/", {}, "everyone"),
]


@pytest.fixture
def media(settings) -> Iterator[str]:
    """A loopback host serving the audio that order routes fetch, and its text at the
    same URL plus ``.txt`` (orders that bring their own transcript)."""
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    with MediaHost().running() as host:
        host.serve("/jfk.flac.txt", Reply(200, AUDIO.with_suffix(".txt").read_bytes()))
        yield host.serve("/jfk.flac", Reply(200, AUDIO.read_bytes()))


def _path(world: World, role: str, template: str) -> str:
    return template.format(
        endpoint=world.endpoint.pk,
        delivery=world.delivery.pk,
        invitation=world.invitation.pk,
        member=Membership.objects.get(organization=world.organization, role=Role.MEMBER).pk,
        owners_job=world.owners_job.pk,
        own_job=world.own_jobs.get(role, world.owners_job).pk,
        tag=world.tag.pk,
        reviewable_job=world.reviewable_job.pk,
    )


def _may(role: str, who: str) -> bool:
    return who == "everyone" or role in MANAGERS


def _state(world: World) -> tuple[object, ...]:
    endpoint = Endpoint.objects.filter(pk=world.endpoint.pk).values_list(
        "url", "description", "secret"
    )
    return (
        list(endpoint),
        Endpoint.objects.count(),
        Delivery.objects.count(),
        SigningSecret.objects.get(organization=world.organization).secret,
        sorted(TranscriptionJob.objects.values_list("id", "status", "name")),
        sorted(Tag.objects.values_list("name", "jobs")),
        Hold.objects.filter(status=HoldStatus.ACTIVE).count(),
        sorted(Invitation.objects.values_list("id", "status", "nonce")),
        sorted(Membership.objects.values_list("user_id", "role")),
        list(Organization.objects.values_list("name", "default_engine", "vocabulary")),
        list(OrderSettings.objects.values_list("callback_url", flat=True)),
        Order.objects.count(),
        OrderCallback.objects.count(),
        ReviewTask.objects.count(),
    )


@pytest.mark.parametrize("credential", ["key", "session"])
@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.MEMBER])
@pytest.mark.parametrize(("method", "route", "body", "who"), API_ROUTES)
def test_each_api_route_answers_each_role_by_the_roles_table(
    world, media, credential, role, method, route, body, who
):
    before = _state(world)
    client = world.api(role, credential)
    if body:
        body = {
            key: value.format(media=media) if isinstance(value, str) else value
            for key, value in body.items()
        }
    response = getattr(client, method)(_path(world, role, route), body, format="json")
    if _may(role, who):
        assert response.status_code in {200, 201, 202, 204}, response.content
        if method != "get":
            assert _state(world) != before
    else:
        assert response.status_code == 403, response.content
        assert response.json()["error"] == "forbidden"
        assert "owners and admins" in response.json()["message"]
        assert _state(world) == before


# (path, form, capability): the pages' write routes, session only.
PAGE_ROUTES = [
    ("/webhooks/", {"url": "https://93.184.216.34/new", "events": ["job.completed"]}, "managers"),
    (
        "/webhooks/{endpoint}/",
        {"url": "https://93.184.216.34/x", "events": ["job.failed"], "enabled": "on"},
        "managers",
    ),
    ("/webhooks/{endpoint}/rotate/", {}, "managers"),
    ("/webhooks/{endpoint}/test/", {}, "managers"),
    ("/webhooks/{endpoint}/delete/", {}, "managers"),
    ("/webhooks/deliveries/{delivery}/resend/", {}, "managers"),
    ("/webhooks/signing-secret/rotate/", {}, "managers"),
    ("/settings/api-keys/", {"name": "another"}, "managers"),
    ("/settings/members/", {"email": "new@example.org", "role": "member"}, "managers"),
    ("/wallet/top-up/", {"pack": "100"}, "managers"),
    ("/jobs/{owners_job}/cancel/", {}, "everyone"),
    ("/jobs/{own_job}/delete/", {}, "everyone"),
    ("/jobs/{owners_job}/delete/", {}, "managers"),
    ("/jobs/{owners_job}/rename/", {"name": "Renamed"}, "everyone"),
    ("/jobs/{owners_job}/tags/", {"name": "another"}, "everyone"),
    ("/jobs/{owners_job}/tags/{tag}/remove/", {}, "everyone"),
    ("/settings/members/{member}/role/", {"role": "admin"}, "managers"),
    ("/settings/members/invitations/{invitation}/resend/", {}, "managers"),
    ("/settings/members/invitations/{invitation}/revoke/", {}, "managers"),
    (
        "/settings/",
        {"name": "Renamed", "default_engine": "whisper", "default_language": "", "vocabulary": ""},
        "managers",
    ),
    ("/settings/orders-api/", {"callback_url": "https://93.184.216.34/new"}, "managers"),
    ("/settings/orders-api/test/", {}, "managers"),
    ("/jobs/{reviewable_job}/review/", {}, "everyone"),
]


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.MEMBER])
@pytest.mark.parametrize(("route", "form", "who"), PAGE_ROUTES)
def test_each_page_route_answers_each_role_by_the_roles_table(world, role, route, form, who):
    before = (_state(world), ApiKey.objects.count(), Membership.objects.count())
    response = world.page(role).post(_path(world, role, route), form)
    if _may(role, who):
        assert response.status_code in {200, 302, 303}, response.content[:2000]
    else:
        assert response.status_code == 403
        assert (_state(world), ApiKey.objects.count(), Membership.objects.count()) == before


def test_an_api_key_acts_with_its_creators_current_role(world):
    client = world.api(Role.ADMIN, "key")
    assert client.get("/api/v1/webhooks/signing-secret/").status_code == 200
    Membership.objects.filter(user=world.users[Role.ADMIN]).update(role=Role.MEMBER)
    assert client.get("/api/v1/webhooks/signing-secret/").status_code == 403
    Membership.objects.filter(user=world.users[Role.ADMIN]).delete()
    # A key whose creator has left still works, as a member's would.
    assert client.get("/api/v1/webhooks/signing-secret/").status_code == 403
    assert client.get("/api/v1/transcribe/").status_code == 200


def test_only_owners_make_owners_whatever_the_credential(world):
    response = world.page(Role.ADMIN).post(
        "/settings/members/", {"email": "boss@example.org", "role": "owner"}
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="boss@example.org").exists()


def _views(patterns: list[URLPattern | URLResolver]) -> list[type]:
    found: list[type] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _views(pattern.url_patterns)
        else:
            view_class = getattr(pattern.callback, "view_class", None)
            if view_class is not None:
                found.append(view_class)
    return found


def test_every_api_write_method_declares_the_capability_it_needs():
    views = [v for v in _views(get_resolver().url_patterns) if issubclass(v, OrganizationApiView)]
    assert len(views) > 20
    missing = [
        f"{view.__name__}.{method}"
        for view in views
        for method in WRITE_METHODS
        if hasattr(view, method.lower()) and method not in view.scopes
    ]
    assert missing == []


def test_the_roles_table_in_the_readme_matches_the_grants():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    rows = {
        cells[0].strip("` "): [c.strip() for c in cells[-3:]]
        for line in readme.splitlines()
        if line.startswith("| `") and (cells := line.strip("|").split("|"))
    }
    for capability in Capability:
        expected = ["yes" if r in roles_for(capability) else "no" for r in Role.values]
        assert rows.get(capability.value) == expected, capability


# Translations: ordering and canceling are everyone's; deleting another member's
# translation is for owners and admins (jobs.translation.services.lifecycle).
TRANSLATION_API_ROUTES = [
    ("post", "/api/v1/translate/", {"job_id": "{done_job}", "to_language": "es"}, "everyone"),
    ("post", "/api/v1/translate/{owners_translation}/cancel/", None, "everyone"),
    ("delete", "/api/v1/translate/{own_translation}/", None, "everyone"),
    ("delete", "/api/v1/translate/{owners_translation}/", None, "managers"),
]
TRANSLATION_PAGE_ROUTES = [
    ("/jobs/{done_job}/translate/", {"choice": "es:apertium"}, "everyone"),
    ("/translations/{owners_translation}/cancel/", {}, "everyone"),
    ("/translations/{own_translation}/delete/", {}, "everyone"),
    ("/translations/{owners_translation}/delete/", {}, "managers"),
]


@dataclass
class Translations:
    done_job: TranscriptionJob
    by_role: dict[str, TranslationJob]

    def path(self, role: str, template: str) -> str:
        return template.format(
            done_job=self.done_job.pk,
            owners_translation=self.by_role[Role.OWNER].pk,
            own_translation=self.by_role[role].pk,
        )

    def state(self) -> list[tuple[object, ...]]:
        return sorted(TranslationJob.objects.values_list("id", "status"))


@pytest.fixture
def translations(world: World) -> Translations:
    """A completed English job (a one-line transcript: what is under test is who may
    act on its translations) and one queued Spanish translation ordered by each role."""
    job = _job(world.organization, world.users[Role.OWNER])
    claim = job_claim(str(job.pk))
    assert claim is not None
    heard = [Segment(0.0, 2.0, "And so my fellow Americans.", 0.9, language="en")]
    assert job_complete(claim, TranscriptionResult(heard, "en", 11.0, "whisper"))
    by_role: dict[str, TranslationJob] = {
        role: translation_create(
            organization=world.organization,
            job_id=job.pk,
            to_language="es",
            model="apertium",
            created_by=world.users[role],
        )
        for role in (Role.OWNER, Role.ADMIN, Role.MEMBER)
    }
    return Translations(done_job=job, by_role=by_role)


def _filled(body: object, translations: Translations, role: str) -> object:
    if isinstance(body, dict):
        return {k: translations.path(role, v) if isinstance(v, str) else v for k, v in body.items()}
    return body


@pytest.mark.parametrize("credential", ["key", "session"])
@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.MEMBER])
@pytest.mark.parametrize(("method", "route", "body", "who"), TRANSLATION_API_ROUTES)
def test_each_translation_api_route_answers_each_role_by_the_roles_table(
    world, translations, credential, role, method, route, body, who
):
    before = (translations.state(), Hold.objects.filter(status=HoldStatus.ACTIVE).count())
    client = world.api(role, credential)
    response = getattr(client, method)(
        translations.path(role, route), _filled(body, translations, role), format="json"
    )
    after = (translations.state(), Hold.objects.filter(status=HoldStatus.ACTIVE).count())
    if _may(role, who):
        assert response.status_code in {200, 201, 202, 204}, response.content
        assert after != before
    else:
        assert response.status_code == 403, response.content
        assert response.json()["error"] == "forbidden"
        assert after == before


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.MEMBER])
@pytest.mark.parametrize(("route", "form", "who"), TRANSLATION_PAGE_ROUTES)
def test_each_translation_page_route_answers_each_role_by_the_roles_table(
    world, translations, role, route, form, who
):
    before = (translations.state(), Hold.objects.filter(status=HoldStatus.ACTIVE).count())
    response = world.page(role).post(translations.path(role, route), form)
    after = (translations.state(), Hold.objects.filter(status=HoldStatus.ACTIVE).count())
    if _may(role, who):
        assert response.status_code in {200, 302, 303}, response.content[:2000]
        assert after != before
    else:
        assert response.status_code == 403
        assert after == before
