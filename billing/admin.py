"""Money in the admin: every record read-only; refunds and staff adjustments are admin
actions that go through billing.services, so they become ledger entries naming who
made them and why."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts.models import User
from billing.models import (
    EntryKind,
    Hold,
    IdempotencyRecord,
    LedgerEntry,
    StripeEvent,
    TopUp,
    Wallet,
)
from billing.pricing import format_credits
from billing.services import InvalidAmount, charge_refund, credits_grant
from lib.admin_columns import credits_column

MONEY_PERMISSION = "billing.add_ledgerentry"


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Money records change only through billing services, never by editing rows."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_money_permission(self, request: HttpRequest) -> bool:
        # Superusers, or staff given "Can add ledger entry": the power to move credits.
        return request.user.has_perm(MONEY_PERMISSION)


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        required=False, min_value=Decimal("0.01"), decimal_places=2,
        help_text="Leave empty to refund what is left of each charge in full.",
    )  # fmt: skip
    reason = forms.CharField(max_length=200, help_text="Shown in the customer's ledger.")


class AdjustForm(forms.Form):
    amount = forms.DecimalField(
        decimal_places=2, help_text="Credits to add; negative to take away (never below zero)."
    )
    reason = forms.CharField(max_length=200, help_text="Shown in the customer's ledger.")


def _action_form(
    modeladmin: ReadOnlyAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    form_class: type[forms.Form],
    title: str,
    action: str,
) -> forms.Form | TemplateResponse:
    """The bound form once confirmed and valid; otherwise the page that asks for it."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        return form
    return TemplateResponse(request, "billing/admin_action.html", {
        **modeladmin.admin_site.each_context(request),
        "title": title, "form": form, "objects": queryset, "action": action,
        "opts": modeladmin.model._meta,
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
    })  # fmt: skip


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ("organization", credits_column("balance", "balance"),
                    credits_column("held", "held"), "updated_at")  # fmt: skip
    search_fields = ("organization__name",)
    list_select_related = ("organization",)
    actions = ["adjust_credits"]

    @admin.action(description="Adjust credits (grant or take away, with a reason)",
                  permissions=["money"])  # fmt: skip
    def adjust_credits(
        self, request: HttpRequest, queryset: QuerySet[Wallet]
    ) -> HttpResponse | None:
        form = _action_form(self, request, queryset, AdjustForm, "Adjust credits",
                            "adjust_credits")  # fmt: skip
        if isinstance(form, TemplateResponse):
            return form
        for wallet in queryset.select_related("organization"):
            try:
                entry = credits_grant(
                    organization=wallet.organization,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    actor=_actor(request),
                )
            except InvalidAmount as exc:
                self.message_user(request, f"{wallet.organization}: {exc.message}", messages.ERROR)
                continue
            balance = format_credits(entry.balance_after)
            self.message_user(
                request,
                f"{wallet.organization}: {format_credits(entry.amount)} credits, "
                f"balance now {balance}.",
            )
        return None


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "wallet", "kind", credits_column("amount", "amount"),
                    credits_column("balance_after", "balance after"), "description",
                    "reference", "created_by")  # fmt: skip
    list_filter = ("kind", "created_at")
    search_fields = ("wallet__organization__name", "description", "reference")
    list_select_related = ("wallet__organization", "created_by")
    date_hierarchy = "created_at"
    actions = ["refund_charges"]

    @admin.action(description="Refund selected charges (whole or part, with a reason)",
                  permissions=["money"])  # fmt: skip
    def refund_charges(
        self, request: HttpRequest, queryset: QuerySet[LedgerEntry]
    ) -> HttpResponse | None:
        charges = queryset.filter(kind=EntryKind.CHARGE)
        if not charges.exists():
            self.message_user(request, "Only charges can be refunded.", messages.WARNING)
            return None
        form = _action_form(self, request, charges, RefundForm, "Refund charges", "refund_charges")
        if isinstance(form, TemplateResponse):
            return form
        for charge in charges:
            try:
                refund = charge_refund(
                    charge_id=charge.pk,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    actor=_actor(request),
                )
            except InvalidAmount as exc:
                self.message_user(request, f"Charge {charge.pk}: {exc.message}", messages.ERROR)
                continue
            self.message_user(request, f"Refunded {format_credits(refund.amount)} credits of "
                                       f"charge {charge.pk} ({charge.reference}).")  # fmt: skip
        return None


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "wallet", credits_column("amount", "amount"), "status",
                    credits_column("captured_amount", "captured"),
                    credits_column("shortfall", "shortfall"),
                    "reference", "settled_at")  # fmt: skip
    list_filter = ("status", "created_at")
    search_fields = ("wallet__organization__name", "reference")
    list_select_related = ("wallet__organization",)


@admin.register(TopUp)
class TopUpAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "wallet", credits_column("credits", "credits"), "amount_minor",
                    "currency", "status",
                    "checkout_session_id", "paid_at")  # fmt: skip
    list_filter = ("status",)
    search_fields = ("wallet__organization__name", "checkout_session_id", "payment_intent")
    list_select_related = ("wallet__organization",)


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "event_id", "type", "outcome", "topup")
    list_filter = ("type", "outcome")
    search_fields = ("event_id",)


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "organization", "key", "path", "status_code", "expires_at")
    search_fields = ("organization__name", "key")
    list_select_related = ("organization",)
    exclude = ("response_body",)
