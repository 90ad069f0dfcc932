"""Secure defaults: with debug off on a real host name Hark sets secure cookies, HSTS and
the https redirect, and ``check --deploy`` is clean; on loopback (bin/run) plain http
still signs people in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.django_db

PRODUCTION = {
    "HARK_DEBUG": "false",
    "HARK_ALLOWED_HOSTS": "hark.example.com",
    "HARK_SECRET_KEY": "k" * 10 + "a-long-random-looking-secret-0123456789-ABCDEFGHIJKLMNOP",
}
SHOWN = [
    "DEBUG", "HARK_HTTPS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER",
]  # fmt: skip


def _clean_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HARK_", "DJANGO_"))}
    return {**env, "HARK_VAR_DIR": str(tmp_path / "var"), **overrides}


def _settings(tmp_path: Path, **overrides: str) -> dict[str, Any]:
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {SHOWN!r}}}))"
    )
    env = _clean_env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings", **overrides)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
        timeout=120, check=True,
    )  # fmt: skip
    values: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return values


def test_debug_off_on_a_real_host_is_https_with_secure_cookies_and_hsts(tmp_path):
    values = _settings(tmp_path, **PRODUCTION)
    assert values == {
        "DEBUG": False,
        "HARK_HTTPS": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_PROXY_SSL_HEADER": None,
    }


def test_hsts_redirect_and_the_proxy_header_are_configurable(tmp_path):
    values = _settings(
        tmp_path,
        **PRODUCTION,
        HARK_HSTS_SECONDS="3600",
        HARK_SSL_REDIRECT="false",
        HARK_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
    )
    assert values["SECURE_HSTS_SECONDS"] == 3600
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SESSION_COOKIE_SECURE"] is True


def test_debug_off_on_loopback_stays_plain_http_so_bin_run_can_sign_in(tmp_path):
    values = _settings(tmp_path, HARK_DEBUG="false")
    assert (values["DEBUG"], values["HARK_HTTPS"], values["SESSION_COOKIE_SECURE"]) == (
        False,
        False,
        False,
    )
    assert values["SECURE_HSTS_SECONDS"] == 0
    # The generated key is kept under var/ for the next start.
    assert (tmp_path / "var" / "secret_key").read_text().strip()


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_ROOT, env=_clean_env(tmp_path, **PRODUCTION), capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.fixture
def https_settings(settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


def test_plain_http_is_redirected_to_https(https_settings):
    response = Client().get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"


def test_through_the_proxy_cookies_are_secure_and_hsts_is_sent(https_settings):
    response = Client().get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response.cookies["csrftoken"]["secure"] is True
    assert response["Strict-Transport-Security"].startswith("max-age=3600")


def test_with_debug_off_unknown_paths_are_our_json_and_our_page():
    api = Client().get("/api/v1/no-such-thing/")
    assert api.status_code == 404
    assert api.json() == {
        "error": "not_found",
        "message": "There is no API endpoint at this address.",
    }
    page = Client().get("/no-such-page/")
    assert page.status_code == 404
    assert "Hark speech-to-text" in page.content.decode()
