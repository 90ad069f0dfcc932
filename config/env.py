"""Typed readers for environment variables, so settings fail loudly on bad values."""

from __future__ import annotations

import json
import os
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_decimal(name: str, default: str) -> Decimal:
    raw = os.environ.get(name) or default
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}.") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_map(name: str, default: str) -> dict[str, str]:
    """``"voxtral-mini-latest=openai,whisper-1=whisper"`` → ``{"voxtral-mini-latest":
    "openai", "whisper-1": "whisper"}``."""
    result: dict[str, str] = {}
    for item in env_list(name, default):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ImproperlyConfigured(f"{name} entries look like model=engine, not {item!r}.")
        result[key.strip()] = value.strip()
    return result


def env_decimal_map(name: str, default: str) -> dict[str, Decimal]:
    """``"local=1,openai=3.5"`` → ``{"local": Decimal("1"), "openai": Decimal("3.5")}``;
    a JSON object (``{"local": 1, "openai": "3.5"}``) is read the same way."""
    raw = os.environ.get(name, default).strip()
    if raw.startswith("{"):
        return _json_decimal_map(name, raw)
    result: dict[str, Decimal] = {}
    for item in env_list(name, default):
        key, sep, value = item.partition("=")
        try:
            if not sep:
                raise InvalidOperation
            result[key.strip()] = Decimal(value.strip())
        except InvalidOperation:
            raise ImproperlyConfigured(
                f"{name} entries look like name=number, not {item!r}."
            ) from None
    return result


def _json_decimal_map(name: str, raw: str) -> dict[str, Decimal]:
    try:
        # Numbers parsed as decimals: 0.1 stays exactly 0.1.
        data = json.loads(raw, parse_float=Decimal, parse_int=Decimal)
        if not isinstance(data, dict):
            raise ValueError
        return {str(key).strip(): Decimal(str(value)) for key, value in data.items()}
    except (ValueError, InvalidOperation):
        raise ImproperlyConfigured(
            f'{name} is a JSON object of names and numbers ({{"deepl": 0.01}}), not {raw!r}.'
        ) from None
