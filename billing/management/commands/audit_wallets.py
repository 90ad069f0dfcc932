"""Check every wallet against its ledger and holds; exit non-zero on any mismatch."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from billing.audit import wallets_audit


class Command(BaseCommand):
    help = (
        "Audit every wallet: balance = sum of its ledger, held = sum of its active holds, "
        "nothing negative, each job charged at most once, no active hold for a finished or "
        "missing job. Exits 1 on any problem."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count, problems = wallets_audit()
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"{len(problems)} problem(s) found in {count} wallet(s).")
        self.stdout.write(f"Audited {count} wallet(s): every balance equals its ledger.")
