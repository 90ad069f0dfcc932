"""The translators' registry: what is offered, why not, at what price, best first."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from jobs.engines.base import ProviderError
from jobs.translation.engines import (
    TRANSLATORS,
    disabled_translators,
    enabled_translators,
    get_translator,
    translator_info,
    translators_for,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_only_apertium_is_offered_until_an_upstream_is_configured(settings):
    settings.HARK_TRANSLATORS = ["apertium"]
    assert [info.name for info in enabled_translators()] == ["apertium"]
    assert disabled_translators() == {}
    assert [info.name for info in translators_for("en", "es")] == ["apertium"]
    assert translators_for("en", "ja") == []


def test_listed_translators_without_settings_are_disabled_with_reasons(settings):
    settings.HARK_TRANSLATORS = list(TRANSLATORS)
    settings.HARK_TRANSLATION_OPENAI_BASE_URL = ""
    settings.HARK_DEEPL_API_KEY = ""
    settings.HARK_LIBRETRANSLATE_URL = ""
    assert set(disabled_translators()) == {"openai", "deepl", "libretranslate"}


def test_translators_for_a_pair_are_best_quality_first(settings, chat, deepl, libre):
    settings.HARK_TRANSLATORS = ["apertium", "libretranslate", "openai", "deepl"]
    assert [info.name for info in translators_for("en", "es")] == [
        "deepl", "openai", "libretranslate", "apertium",
    ]  # fmt: skip
    # LibreTranslate's server has no Japanese, Apertium no pair for it.
    assert [info.name for info in translators_for("en", "ja")] == ["deepl", "openai"]
    # Only Apertium has Catalan among these.
    assert "apertium" in [info.name for info in translators_for("ca", "it")]
    assert "deepl" not in [info.name for info in translators_for("ca", "it")]


def test_prices_per_word_come_from_settings_with_apertium_cheapest(settings):
    prices = {name: translator_info(name).price_per_word for name in TRANSLATORS}
    assert all(isinstance(price, Decimal) for price in prices.values())
    assert prices["apertium"] == min(prices.values())
    settings.HARK_TRANSLATION_PRICES = {
        **settings.HARK_TRANSLATION_PRICES,
        "deepl": Decimal("0.02"),
    }
    assert translator_info("deepl").price_per_word == Decimal("0.02")


@pytest.mark.parametrize(
    "value", ['{"deepl": 0.02, "apertium": "0.0005"}', "deepl=0.02,apertium=0.0005"]
)
def test_prices_are_read_from_json_or_name_equals_number(value):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "p = settings.HARK_TRANSLATION_PRICES; print(p['deepl'], p['apertium'], p['openai'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(REPO_ROOT),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "HARK_TRANSLATION_PRICES": value,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["0.02", "0.0005", "0.004"]


def test_a_half_configured_upstream_stops_the_server():
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=REPO_ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(REPO_ROOT),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "HARK_TRANSLATION_OPENAI_API_KEY": "sk-something",
        },
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "HARK_TRANSLATION_OPENAI_BASE_URL" in done.stderr


def test_an_unknown_translator_is_a_permanent_error():
    with pytest.raises(ProviderError) as caught:
        get_translator("babelfish")
    assert caught.value.permanent
