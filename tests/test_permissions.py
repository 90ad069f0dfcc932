"""Roles are enforced by the services: every write route, every role, API key and
session gets the answer the roles table in the README gives (accounts.permissions)."""

from __future__ import annotations

from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts.models import ApiKey, Membership, Organization, Role, User
from accounts.permissions import Capability, roles_for
from accounts.services import api_key_create, organization_create
from billing.models import Hold, HoldStatus
from config.api import WRITE_METHODS, OrganizationApiView
from jobs.engines.base import Segment, TranscriptionResult, Word
from jobs.models import TranscriptionJob
from jobs.options import TranscriptionOptions
from jobs.services.intake import job_create
from jobs.services.worker import job_claim, job_complete
from review.models import ReviewTask
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
    owners_job: TranscriptionJob
    own_jobs: dict[str, TranscriptionJob]
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
    return World(
        organization=organization,
        users=users,
        keys=keys,
        endpoint=endpoint,
        delivery=delivery,
        owners_job=_job(organization, owner),
        own_jobs={role: _job(organization, users[role]) for role in (Role.ADMIN, Role.MEMBER)},
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
    ("post", "/api/v1/transcribe/{reviewable_job}/review/", {}, "everyone"),
]


def _path(world: World, role: str, template: str) -> str:
    return template.format(
        endpoint=world.endpoint.pk,
        delivery=world.delivery.pk,
        owners_job=world.owners_job.pk,
        own_job=world.own_jobs.get(role, world.owners_job).pk,
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
        sorted(TranscriptionJob.objects.values_list("id", "status")),
        Hold.objects.filter(status=HoldStatus.ACTIVE).count(),
        ReviewTask.objects.count(),
    )


@pytest.mark.parametrize("credential", ["key", "session"])
@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.MEMBER])
@pytest.mark.parametrize(("method", "route", "body", "who"), API_ROUTES)
def test_each_api_route_answers_each_role_by_the_roles_table(
    world, credential, role, method, route, body, who
):
    before = _state(world)
    client = world.api(role, credential)
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
