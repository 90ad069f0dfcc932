"""Errors the webhooks services raise; each maps to one API error code and status
(config/api_errors.py) and to a message on the pages."""

from __future__ import annotations


class WebhookError(Exception):
    status = 400
    code = "invalid_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class WebhookUrlRefused(WebhookError):
    """The URL is not one Hark will send to (see lib.outbound)."""


class InvalidEndpoint(WebhookError):
    """A bad event name, an empty event list, a too-long description."""


class EndpointNotFound(WebhookError):
    status = 404
    code = "not_found"

    def __init__(self, message: str = "No webhook endpoint with that id was found.") -> None:
        super().__init__(message)


class DeliveryNotFound(WebhookError):
    status = 404
    code = "not_found"

    def __init__(self, message: str = "No webhook delivery with that id was found.") -> None:
        super().__init__(message)


class WebhookConflict(WebhookError):
    status = 409
    code = "conflict"
