"""Errors the accounts services raise; each maps to one API error code and status
(config/api_errors.py) and to a sentence on the pages."""

from __future__ import annotations


class AccountsError(Exception):
    status = 400
    code = "invalid_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInvitation(AccountsError):
    """Inviting someone who is already a member."""


class InvalidMembership(AccountsError):
    """A role change that would leave the organization without an owner."""


class InvitationNotFound(AccountsError):
    status = 404
    code = "not_found"

    def __init__(self, message: str = "No pending invitation with that id was found.") -> None:
        super().__init__(message)


class MemberNotFound(AccountsError):
    status = 404
    code = "not_found"

    def __init__(self, message: str = "No member with that id was found.") -> None:
        super().__init__(message)


class InvalidOrganizationSettings(AccountsError):
    """An engine that is not enabled, a language it cannot hear, too many words."""


class InvitationUnusable(AccountsError):
    """An invitation link that cannot be used, with the reason the page shows.

    ``reason`` is one of ``broken`` (not a link we signed), ``expired``, ``used``,
    ``revoked`` or ``other_account`` (someone else is signed in)."""

    status = 410
    code = "invitation_unusable"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
