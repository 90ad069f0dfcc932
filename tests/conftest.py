"""Shared fixtures: personas, API clients, real worker processes.

Personas follow healthchecks' test base: alice and bob each own an organization with
an API key; charlie is a member of bob's organization and should have no access to
alice's stuff.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import ApiKey, Organization, Role, User
from accounts.services import api_key_create, membership_add, organization_create
from lib.queue import DELIVERIES_CLUSTER
from tests.support.s3 import s3_media  # noqa: F401 - media in a real S3-compatible bucket

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Persona:
    user: User
    organization: Organization
    api_key: ApiKey
    raw_key: str

    def client(self, scheme: str = "Bearer") -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"{scheme} {self.raw_key}")
        return client


# The password every persona signs in with (tests.browser.sign_in).
PERSONA_PASSWORD = "correct horse battery"


def make_persona(email: str, org_name: str) -> Persona:
    user = User.objects.create_user(email=email, password=PERSONA_PASSWORD)
    organization = organization_create(name=org_name, owner=user)
    api_key, raw_key = api_key_create(organization=organization, name="test", created_by=user)
    return Persona(user, organization, api_key, raw_key)


@pytest.fixture
def alice(db: None) -> Persona:
    return make_persona("alice@example.org", "Alice Org")


@pytest.fixture
def bob(db: None) -> Persona:
    return make_persona("bob@example.org", "Bob Org")


@pytest.fixture
def charlie(bob: Persona) -> User:
    membership = membership_add(
        organization=bob.organization,
        actor=bob.user,
        email="charlie@example.org",
        role=Role.MEMBER,
    )
    user = membership.user
    user.set_password("correct horse battery")
    user.save(update_fields=["password"])
    return user


@pytest.fixture(autouse=True)
def isolated_media(settings, tmp_path: Path) -> Path:
    """A media folder of the test's own, so stored files can be asserted exactly."""
    media_root = tmp_path / "media"
    media_root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media_root)},
        },
    }
    return media_root


def database_url() -> str:
    """The URL of the test database this process is using, for worker subprocesses."""
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    user = params.get("USER") or ""
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or "localhost"
    port = f":{params['PORT']}" if params.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{params['NAME']}"


@dataclass
class Worker:
    """A real qcluster; the main one carries the deliveries cluster started with it
    (``deliveries``), as ``manage.py serve`` starts both."""

    process: subprocess.Popen[bytes]
    log: Path
    deliveries: Worker | None = None

    def kill(self) -> None:
        """SIGKILL the whole cluster (sentinel and worker processes): a machine lost."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        if self.deliveries is not None:
            self.deliveries.kill()

    def stop(self) -> None:
        # Only the main process gets SIGTERM: it stops its own workers in about 1.5 s,
        # while SIGTERM to the whole group makes django-q2's main process hang.
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        if self.deliveries is not None:
            self.deliveries.stop()


@pytest.fixture
def start_worker(
    transactional_db: None, isolated_media: Path, tmp_path: Path
) -> Iterator[Callable[..., Worker]]:
    """Start real ``manage.py qcluster`` processes against the test database: the main
    cluster and, unless ``deliveries=False``, the webhook deliveries' cluster beside it
    (``cluster="deliveries"`` starts that one alone)."""
    workers: list[Worker] = []
    count = iter(range(1000))

    def launch(cluster: str | None, env: dict[str, str]) -> Worker:
        log = tmp_path / f"qcluster-{cluster or 'main'}-{next(count)}.log"
        env = {**env, "Q_CLUSTER_NAME": cluster} if cluster else env
        process = subprocess.Popen(
            [sys.executable, str(REPO_ROOT / "manage.py"), "qcluster"],
            cwd=REPO_ROOT, env=env, start_new_session=True,
            stdout=log.open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        return Worker(process, log)

    def start(
        *, cluster: str | None = None, deliveries: bool = True, **env_overrides: str
    ) -> Worker:
        env = {key: value for key, value in os.environ.items() if key != "Q_CLUSTER_NAME"} | {
            "DATABASE_URL": database_url(),
            "HARK_MEDIA_ROOT": str(isolated_media),
            "HARK_WORKERS": "1",
            "HARK_DELIVERY_WORKERS": "1",
            **env_overrides,
        }
        worker = launch(cluster, env)
        if cluster is None and deliveries:
            worker.deliveries = launch(DELIVERIES_CLUSTER, env)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class WebServer:
    """A real ``manage.py serve --no-worker`` (gunicorn) on a loopback port."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def start_web(
    transactional_db: None, isolated_media: Path, tmp_path: Path
) -> Iterator[Callable[..., WebServer]]:
    """Start real web servers against the test database, each answering before it is
    handed over."""
    servers: list[WebServer] = []

    def start(**env_overrides: str) -> WebServer:
        port = free_port()
        log = tmp_path / f"web-{len(servers)}.log"
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "HARK_MEDIA_ROOT": str(isolated_media),
            "HARK_WEB_PROCESSES": "1",
            "HARK_WEB_THREADS": "4",
            **env_overrides,
        }
        process = subprocess.Popen(
            [sys.executable, str(REPO_ROOT / "manage.py"), "serve", f"127.0.0.1:{port}",
             "--no-worker"],
            cwd=REPO_ROOT, env=env, start_new_session=True,
            stdout=log.open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        server = WebServer(process, f"http://127.0.0.1:{port}", log)
        servers.append(server)

        def answering() -> bool:
            assert process.poll() is None, log.read_text()
            try:
                return httpx.get(f"{server.url}/api/v1/languages/").status_code < 500
            except httpx.HTTPError:
                return False

        wait_for(answering, timeout=60)
        return server

    yield start
    for server in servers:
        server.stop()


def wait_for(predicate: Callable[[], object], *, timeout: float, interval: float = 0.2) -> None:
    """Poll ``predicate`` until it is truthy; fail with a clear message on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


@pytest.fixture(autouse=True)
def fresh_cache(settings) -> Iterator[None]:
    """Throttle counters live in the cache; organization ids repeat across tests.

    In this process a memory cache of the test's own: the database cache would need the
    database in every test, even those that never touch it. Servers started as
    processes (``start_web``) keep the shared database cache, and are tested with it.
    """
    from django.core.cache import cache

    from config.throttling import OrganizationRateThrottle

    # Each process's uncounted share of the budget, too.
    OrganizationRateThrottle._windows.clear()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()
