"""``manage.py check`` (and every server start) says which listed engines cannot serve."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Warning, register


@register()
def engines_available(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    from jobs.engines import disabled_engines

    return [
        Warning(
            f"The {name} engine is listed in HARK_ENGINES but cannot serve: {reason}",
            hint="Until this is fixed, requests cannot choose it and routing skips it.",
            id="hark.W001",
        )
        for name, reason in disabled_engines().items()
    ]
