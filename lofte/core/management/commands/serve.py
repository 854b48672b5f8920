"""`lofte serve`: gunicorn with WhiteNoise, and the supervised task workers (`lofte worker`) beside it.

The mails the server and its worker send link to where this server answers: SITE_URL when it is set, otherwise the
address bound here (`--host`/`--port`, or HOST/PORT). Settings are read before the command sees its options, so it
puts that address into the settings before gunicorn forks its workers and hands it to the task worker's process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from lofte.lib.links import served_site_url

DATABASE_TASKS = "django_tasks_db.DatabaseBackend"
# The supervisor's own grace for its workers (lofte.operations.worker.supervisor.STOP_SECONDS), and a little more.
STOP_SECONDS = 40

# gunicorn's default logs the whole request line, query string and referrer included: a key or a token someone
# put in an address would stay in the log. The path alone, without the query string, and no referrer.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'


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
            help="Do not start the task workers (when they run as their own service: lofte worker).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.core.servers.basehttp import get_internal_wsgi_application
        from gunicorn.app.base import BaseApplication

        from lofte.operations.observe.multiproc import prepare_multiprocess_dir

        # gunicorn's workers add their request counters up in var/metrics/ (lofte/operations/observe/metrics.py):
        # set before the application, and with it prometheus-client, is loaded.
        prepare_multiprocess_dir(settings.VAR_DIR)
        # The project's WSGI_APPLICATION (lofte.wsgi), found through the settings as runserver finds it: core
        # stands below the project modules and does not import them.
        application = get_internal_wsgi_application()

        bind = f"{options['host']}:{options['port']}"
        site = os.environ.get("SITE_URL") or served_site_url(options["host"], options["port"])
        settings.SITE_URL = site  # gunicorn's workers are forked from this process, settings and all
        config = {
            "bind": bind,
            "workers": options["workers"],
            "threads": 4,
            "reload": options["reload"],
            "accesslog": "-",
            "access_log_format": ACCESS_LOG_FORMAT,
            "errorlog": "-",
            "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        }

        class Server(BaseApplication):
            def load_config(self) -> None:
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        worker = self._start_worker(site) if options["worker"] else None
        self.stdout.write(f"Löfte serves {site}/ on {bind} (Ctrl-C stops)")
        try:
            Server().run()
        finally:
            if worker is not None:
                self._stop_worker(worker)

    def _start_worker(self, site: str) -> subprocess.Popen[bytes] | None:
        """The background tasks (large imports, e-mail) run beside the web server, linking to `site`: `lofte
        worker`, which restarts a worker that dies and settles the tasks it left."""
        if settings.TASKS["default"]["BACKEND"] != DATABASE_TASKS:
            return None
        self.stdout.write("The task workers run beside it (lofte worker).")
        environment = {**os.environ, "SITE_URL": site}
        return subprocess.Popen([sys.executable, "-m", "lofte.cli", "worker"], env=environment)

    def _stop_worker(self, worker: subprocess.Popen[bytes]) -> None:
        """SIGTERM: the supervisor lets its workers finish their tasks (it waits 30 s for them, then kills them)."""
        worker.terminate()
        try:
            worker.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
