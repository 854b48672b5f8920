"""The `lofte` command: Django's management commands under one name.

`lofte serve`, `lofte demo`, `lofte check --deploy`, `lofte load-areas FILE …` and every other
management command; a dash in the command name may stand for an underscore.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lofte.settings")
    from lofte.lib.env import private_files

    private_files()  # the database, var/ and uploads: for the service user only (lofte.lib.env)
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    args[0] = "lofte"
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
