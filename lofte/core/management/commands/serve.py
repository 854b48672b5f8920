from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

DATABASE_TASKS = "django_tasks_db.DatabaseBackend"


class Command(BaseCommand):
    help = "Serve Löfte over HTTP with gunicorn (static files through WhiteNoise)."
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--reload", action="store_true", help="Restart when the code changes (development).")
        parser.add_argument(
            "--no-worker",
            action="store_false",
            dest="worker",
            help="Do not start a task worker (when one runs as its own service: lofte db_worker).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        from lofte.wsgi import application

        bind = f"{options['host']}:{options['port']}"
        config = {
            "bind": bind,
            "workers": options["workers"],
            "threads": 4,
            "reload": options["reload"],
            "accesslog": "-",
            "errorlog": "-",
            "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        }

        class Server(BaseApplication):
            def load_config(self) -> None:
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        worker = self._start_worker() if options["worker"] else None
        self.stdout.write(f"Löfte serves http://{bind}/ (Ctrl-C stops)")
        try:
            Server().run()
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)

    def _start_worker(self) -> subprocess.Popen[bytes] | None:
        """The background tasks (large imports, e-mail) run in a worker beside the web server."""
        if settings.TASKS["default"]["BACKEND"] != DATABASE_TASKS:
            return None
        self.stdout.write("A task worker runs beside it (lofte db_worker).")
        return subprocess.Popen([sys.executable, "-m", "lofte.cli", "db_worker", "--no-reload"])
