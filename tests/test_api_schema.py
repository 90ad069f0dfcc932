"""The OpenAPI schema tells the truth: it is valid, declares both API key schemes, shows
no free-form objects (Redoc's ``{"property1": null}``), has an example for every request
body and every response, and every example fits its schema — and what routes really answer
fits it too."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from orders.api.serializers import INPUTS, input_for

pytestmark = pytest.mark.django_db

OPENAPI_JSON = "application/vnd.oai.openapi+json"
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict[str, Any]:
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT=OPENAPI_JSON)
    assert response.status_code == 200
    body: dict[str, Any] = json.loads(response.content)
    return body


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable`` in JSON Schema terms, so jsonschema can check examples;
    and an object's named properties are all it may have, so a field an example or a
    route shows but the schema leaves out is caught too."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: as_json_schema(value) for key, value in node.items() if key != "nullable"}
    if "properties" in node and "additionalProperties" not in node:
        converted["additionalProperties"] = False
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def validator_for(schema: dict[str, Any], node: dict[str, Any]) -> Draft202012Validator:
    # The components ride along in the root, where "#/components/schemas/…" points.
    root = {**as_json_schema(node), "components": as_json_schema(schema["components"])}
    return Draft202012Validator(root)


def example_errors(schema: dict[str, Any]) -> list[str]:
    """Every documented example (requests and responses) that does not fit its schema."""
    errors = []
    for name, operation in operations(schema):
        bodies = [("request", operation.get("requestBody", {}))]
        bodies += [(status, r) for status, r in operation["responses"].items()]
        for where, body in bodies:
            for media_type, content in body.get("content", {}).items():
                validator = validator_for(schema, content.get("schema", {}))
                for example_name, example in content.get("examples", {}).items():
                    for error in validator.iter_errors(example["value"]):
                        errors.append(
                            f"{name} {where} {media_type} example {example_name!r}: "
                            f"{error.message} at {list(error.absolute_path)}"
                        )
    return errors


def free_form_objects(node: Any, where: str = "") -> Iterator[str]:
    """Objects whose properties the schema does not name: Redoc and Swagger UI show them
    as ``{"property1": null}``."""
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" not in node:
            extra = node.get("additionalProperties")
            if extra in (None, True, {}):
                yield where
        for key, value in node.items():
            yield from free_form_objects(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from free_form_objects(value, f"{where}[{index}]")


def test_the_schema_is_valid_openapi(schema):
    validate(schema)


def test_drf_spectacular_generates_it_without_a_warning(tmp_path: Path):
    # The command manage.py check --deploy users would run in CI; warnings fail it.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))
    assert (tmp_path / "s.yaml").read_text().startswith("openapi: 3.0")


def test_both_api_key_schemes_and_the_session_are_declared(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ApiKeyBearer"] == {
        **schemes["ApiKeyBearer"],
        "type": "http",
        "scheme": "bearer",
    }
    token = schemes["ApiKeyToken"]
    assert (token["type"], token["in"], token["name"]) == ("apiKey", "header", "Authorization")
    assert "Token <key>" in token["description"]
    assert schemes["cookieAuth"]["in"] == "cookie"


def test_every_route_accepts_either_key_scheme_on_its_own(schema):
    for name, operation in operations(schema):
        # A list of requirements is an OR; one requirement naming both would be an AND.
        assert {"ApiKeyBearer": []} in operation["security"], name
        assert {"ApiKeyToken": []} in operation["security"], name


def test_every_route_is_in_a_named_section_of_the_docs_and_every_section_is_described(
    schema,
):
    declared = {tag["name"]: tag.get("description", "") for tag in schema["tags"]}
    used = {(name, tuple(op["tags"])) for name, op in operations(schema)}
    assert all(len(tags) == 1 and tags[0] in declared for _, tags in used), sorted(used)
    assert not {"api", "v1", "webhooks"} & set(declared)
    assert all(declared.values())
    assert {tags[0] for _, tags in used} == set(declared)  # no empty section


def test_no_response_or_request_is_a_free_form_object(schema):
    assert "property1" not in json.dumps(schema)
    assert list(free_form_objects(schema["paths"])) == []
    assert list(free_form_objects(schema["components"]["schemas"])) == []


def is_binary(content: dict[str, Any]) -> bool:
    return bool(content.get("schema", {}).get("format") == "binary")


def without_examples(schema: dict[str, Any]) -> list[str]:
    """Request bodies and responses the docs show no example of: every request body (in
    the media type the docs show first) and every response with a body, in each of its
    media types but those of bytes (a PDF, a ZIP), which no example can show."""
    missing = []
    for name, operation in operations(schema):
        request = operation.get("requestBody", {}).get("content", {})
        if request and not next(iter(request.values())).get("examples"):
            missing.append(f"{name} request {next(iter(request))}")
        for status, response in operation["responses"].items():
            for media_type, content in response.get("content", {}).items():
                if not is_binary(content) and not content.get("examples"):
                    missing.append(f"{name} {status} {media_type}")
    return missing


def test_every_request_body_and_response_declares_an_example(schema):
    assert without_examples(schema) == []


def test_a_request_or_response_without_an_example_is_caught(schema):
    # The check above would pass on a schema it cannot read; prove it finds a gap.
    broken = json.loads(json.dumps(schema))
    quote = broken["paths"]["/api/v1/quote/"]["post"]
    del next(iter(quote["requestBody"]["content"].values()))["examples"]
    del quote["responses"]["401"]["content"]["application/json"]["examples"]
    assert without_examples(broken) == [
        "POST /api/v1/quote/ request multipart/form-data",
        "POST /api/v1/quote/ 401 application/json",
    ]


def is_gotranscript(name: str) -> bool:
    return name.split(" ", 1)[1].startswith("/api/v4/")


def test_every_order_example_is_one_its_route_accepts(schema):
    # Fitting the schema's types is not enough: a GoTranscript client copies these.
    checked = 0
    for order_type in INPUTS:
        body = schema["paths"][f"/api/v4/{order_type}"]["post"]["requestBody"]["content"]
        for media_type, content in body.items():
            for example in content["examples"].values():
                serializer = input_for(order_type, example["value"])
                assert serializer.is_valid(), (order_type, media_type, serializer.errors)
                serializer.order_request()
                checked += 1
    assert checked == 3 * len(INPUTS)


def test_every_route_documents_its_errors_in_the_one_error_shape(schema):
    for name, operation in operations(schema):
        errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
        if is_gotranscript(name):
            # The one exemption: /api/v4/ is a drop-in for GoTranscript, whose clients parse
            # its own error body {"mode", "status": "error", "error"}, and which refuses a
            # missing or bad api_token with HTTP 400 like any other mistake
            # (orders/api/base.py). There the 400 must show both token sentences instead.
            shape = {"$ref": "#/components/schemas/GoTranscriptErrorOutput"}
            assert "400" in errors, f"{name} does not document a missing or bad api_token"
            shown = json.dumps(errors["400"]["content"]["application/json"]["examples"])
            assert "api_token is required" in shown, name
            assert "api_token is not valid" in shown, name
        else:
            shape = {"$ref": "#/components/schemas/ErrorOutput"}
            assert "401" in errors, f"{name} does not document a missing or bad key"
        for status, response in errors.items():
            content = response["content"]["application/json"]
            assert content["schema"] == shape, name
            assert content["examples"], f"{name} {status}"


def test_every_documented_example_fits_its_schema(schema):
    assert example_errors(schema) == []


def test_an_example_that_does_not_fit_is_caught(schema):
    # The check above would pass on an empty list; prove it finds a wrong example.
    broken = json.loads(json.dumps(schema))
    account = broken["paths"]["/api/v1/account/"]["get"]["responses"]["200"]
    account["content"]["application/json"]["examples"]["Account"]["value"]["held"] = "7.5"
    del account["content"]["application/json"]["examples"]["Account"]["value"]["balance"]
    errors = example_errors(broken)
    assert len(errors) == 2
    assert all(e.startswith("GET /api/v1/account/ 200") for e in errors)


def test_speech_translation_is_documented_as_translation(schema):
    operation = schema["paths"]["/v1/audio/translations"]["post"]
    described = operation["summary"] + operation["description"]
    assert "translation" in described
    assert "English" in described
    request = operation["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    assert "Translation" in request
    assert "transcription" not in json.dumps(operation["responses"]["200"]).lower()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/account/",
        "/api/v1/pricing/",
        "/api/v1/models/",
        "/api/v1/languages/",
        "/api/v1/usage/",
        "/api/v1/retention/",
        "/api/v1/transcribe/",
        "/api/v1/translate/",
        "/api/v1/webhooks/",
        "/v1/models",
    ],
)
def test_what_a_route_answers_fits_what_its_schema_promises(schema, alice, path):
    response = alice.client().get(path)
    assert response.status_code == 200
    documented = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    errors = [e.message for e in validator_for(schema, documented["schema"]).iter_errors(
        response.json())]  # fmt: skip
    assert errors == []


def test_every_route_a_description_mentions_exists(schema):
    def shape(path: str) -> str:
        return re.sub(r"\{[^}]*\}", "{}", path)

    routes = {shape(path) for path in schema["paths"]}
    texts = [schema["info"]["description"]] + [
        f"{operation.get('summary', '')} {operation.get('description', '')}"
        for _, operation in operations(schema)
    ]
    mentioned = {
        shape(match)
        for text in texts
        for match in re.findall(r"(?<![\w.])(/(?:api/)?v1/[\w{}/-]*)", text)
    }
    assert sorted(mentioned - routes) == []
