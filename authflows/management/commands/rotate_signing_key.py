"""Rotate the key that signs session tokens (the Frontend API's RS256 JWTs)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from authflows.fapi import tokens


class Command(BaseCommand):
    help = (
        "A new key signs session tokens from now on. The old keys stay in the JWKS for a while "
        "(tokens they signed keep verifying), or are withdrawn at once with --withdraw."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--withdraw",
            action="store_true",
            help="remove the old keys from the JWKS now (after a suspected leak)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        key = tokens.rotate(withdraw_old=options["withdraw"])
        self.stdout.write(f"signing with {key.kid}")
