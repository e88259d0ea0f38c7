#!/usr/bin/env python
"""Django's command-line utility for Ledgerline."""

import os
import sys

# Schema changes run as the migration role (DESIGN.md, "Audit mechanics").
MIGRATION_COMMANDS = {"migrate", "makemigrations", "sqlmigrate", "showmigrations"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    if len(sys.argv) > 1 and sys.argv[1] in MIGRATION_COMMANDS:
        os.environ.setdefault("LEDGERLINE_DB_ROLE", "migration")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
