"""Settings for bench/serving.py's server: Hark's own, plus the baseline it is measured
against — a bare DRF view behind DRF's token authentication, on the same server."""

from __future__ import annotations

from typing import Any

from config.settings import *  # noqa: F403
from config.settings import HARK_API_RATE, INSTALLED_APPS, REST_FRAMEWORK

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework.authtoken"]
ROOT_URLCONF = "bench.serving_urls"
# The baseline is throttled like Hark's API, in the same shared cache at the same rate,
# so the comparison is of everything else a status poll costs.
_rates: Any = {"user": HARK_API_RATE}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": _rates}
