"""Loopback upstreams for the translators, and settings pointing at them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.upstreams.chat import ChatUpstream
from tests.upstreams.deepl import DeepLUpstream
from tests.upstreams.libretranslate import LibreTranslateUpstream


@pytest.fixture
def quick(settings: Any) -> Any:
    """Short deadlines, so a hanging upstream fails a test in seconds."""
    settings.HARK_TRANSLATION_TIMEOUT_SECONDS = 5
    return settings


@pytest.fixture
def chat(quick: Any) -> Iterator[ChatUpstream]:
    with ChatUpstream().running() as server:
        server.configure(quick)
        yield server


@pytest.fixture
def deepl(quick: Any) -> Iterator[DeepLUpstream]:
    with DeepLUpstream().running() as server:
        server.configure(quick)
        yield server


@pytest.fixture
def libre(quick: Any) -> Iterator[LibreTranslateUpstream]:
    with LibreTranslateUpstream(key="libre-key").running() as server:
        server.configure(quick)
        yield server
