"""Make sure a fresh installation has a staff account, and say how to log in."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from accounts.models import User
from accounts.services import default_organization_name, organization_create

ADMIN_EMAIL = "admin@localhost"


class Command(BaseCommand):
    help = "Create admin@localhost on first run and print how to log in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--address", default="127.0.0.1:8000", help="where Hark listens")

    def handle(self, *args: Any, address: str, **options: Any) -> None:
        password_file = settings.VAR_DIR / "admin-password.txt"
        if not User.objects.filter(email=ADMIN_EMAIL).exists():
            password = secrets.token_urlsafe(12)
            user = User.objects.create_superuser(email=ADMIN_EMAIL, password=password)
            organization_create(name=default_organization_name(user), owner=user)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        password = (
            password_file.read_text().strip()
            if password_file.exists()
            else "(changed since first run)"
        )
        address = settings.HARK_PUBLIC_URL or f"http://{address}"
        self.stdout.write(
            "\n"
            f"  Hark is starting at {address}/\n"
            f"  Sign up there with any email, or log in as {ADMIN_EMAIL} / {password}\n"
            f"  (staff: {address}/admin/; the password is kept in {password_file}).\n"
        )
