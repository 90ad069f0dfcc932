"""How API keys appear in the OpenAPI schema (drf-spectacular finds this extension once
it is imported, which ``AccountsConfig.ready`` does)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

# The names the schema's ``securitySchemes`` and the docs' "Authorize" dialog show.
BEARER_SCHEME = "ApiKeyBearer"
TOKEN_SCHEME = "ApiKeyToken"  # noqa: S105 - a scheme's name, not a secret


class ApiKeyScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """One authentication class, two ways to send the key: each is its own scheme, and
    either one alone is enough (a list of requirements is an OR in OpenAPI)."""

    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = [BEARER_SCHEME, TOKEN_SCHEME]

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[Any]]]:
        return [{BEARER_SCHEME: []}, {TOKEN_SCHEME: []}]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, str]]:
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "description": "An organization's API key: `Authorization: Bearer <key>` "
                "(as AudioToTextAI and OpenAI clients send it).",
            },
            # OpenAPI's "http" type knows only IANA's schemes, and "Token" is not one: the
            # header is described as an API key whose value carries the prefix, which is
            # also how Swagger UI sends it (paste `Token <key>` into the dialog).
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "The same API key as `Authorization: Token <key>` (as "
                "Gumzo's clients send it). In the Authorize dialog, enter `Token ` "
                "followed by the key.",
            },
        ]
