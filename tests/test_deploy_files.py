"""The deployment files (Dockerfile, compose.yaml, deploy/): checked without a container runtime.

CI has no Docker: the Dockerfile is parsed and held to the rules of docs/operations.md, compose.yaml is validated
against the Compose Specification's JSON schema (tests/fixtures/compose-spec/) and its own rules, the systemd units
go through `systemd-analyze verify` where it exists, and the proxy examples must pass the headers Löfte relies on.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SCHEMA = ROOT / "tests" / "fixtures" / "compose-spec" / "compose-spec.json"


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) for each instruction, continuation lines joined, comments left out."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    logical: list[str] = []
    current = ""
    for line in text.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.lstrip().startswith("#"):
            continue
        current += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            logical.append(current.strip())
            current = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in logical]


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


class TestDockerfile:
    def test_it_builds_on_a_pinned_debian_python_in_stages(self) -> None:
        bases = [args.split()[0] for name, args in dockerfile_instructions() if name == "FROM"]
        assert len(bases) >= 2, "a multi-stage build"
        for base in bases:
            assert re.fullmatch(r"(python:3\.11(\.\d+)?-slim-bookworm|debian:bookworm(-\d+)?-slim)", base), base

    def test_it_runs_as_a_fixed_non_root_user(self) -> None:
        instructions = dockerfile_instructions()
        users = [args for name, args in instructions if name == "USER"]
        assert users and users[-1].split(":")[0] not in {"root", "0"}
        runs = " ".join(args for name, args in instructions if name == "RUN")
        assert re.search(r"useradd .*--uid 10001", runs)

    def test_it_installs_with_the_constraints_and_weasyprints_libraries(self) -> None:
        runs = " ".join(args for name, args in dockerfile_instructions() if name == "RUN")
        assert re.search(r"pip install -c constraints\.txt", runs)
        for library in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "libcairo2", "fonts-"):
            assert library in runs, library
        assert "collectstatic" in runs

    def test_it_fetches_nothing_itself_and_keeps_no_secret(self) -> None:
        for name, args in dockerfile_instructions():
            assert not (name == "ADD" and re.search(r"https?://", args)), args
            assert not re.search(r"\b(curl|wget)\b", args), args
            if name in {"ENV", "ARG"}:
                assert not re.search(r"(SECRET|PASSWORD|TOKEN|DSN)[A-Z_]*=", args.replace("_FILE=", "")), args

    def test_it_serves_with_a_healthcheck_on_healthz(self) -> None:
        instructions = dict(dockerfile_instructions())
        assert "healthcheck.py" in instructions["HEALTHCHECK"]
        assert "/healthz" in (DEPLOY / "healthcheck.py").read_text(encoding="utf-8")
        assert json.loads(instructions["CMD"]) == ["lofte", "serve", "--no-worker"]
        assert "LOFTE_ENV=production" in instructions["ENV"]
        assert "LOG_FORMAT=json" in instructions["ENV"]
        assert "/var/lib/lofte" in instructions["VOLUME"]

    def test_dockerignore_leaves_out_local_state(self) -> None:
        ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
        assert {".venv", "var", "node_modules", "test-results"} <= ignored

    def test_what_it_copies_exists(self) -> None:
        for name, args in dockerfile_instructions():
            if name == "COPY" and "--from" not in args:
                for source in args.split()[:-1]:
                    assert (ROOT / source).exists(), source


class TestCompose:
    def test_it_is_valid_against_the_compose_specification(self) -> None:
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        jsonschema.validate(compose(), schema, cls=jsonschema.Draft7Validator)

    def test_the_schema_catches_a_mistake(self) -> None:
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        broken = compose()
        broken["services"]["web"]["depends_on"]["db"]["condition"] = "service_ready"
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema, cls=jsonschema.Draft7Validator)

    def test_it_has_every_part(self) -> None:
        services = compose()["services"]
        assert services["db"]["image"].startswith("postgres:")
        assert services["migrate"]["command"] == ["lofte", "migrate", "--noinput"]
        assert services["web"]["command"] == ["lofte", "serve", "--no-worker"]
        assert services["worker"]["command"] == ["lofte", "worker"]
        assert services["proxy"]["image"].startswith("caddy:")

    def test_every_service_is_checked_or_waits_for_a_condition(self) -> None:
        for name, service in compose()["services"].items():
            healthcheck = service.get("healthcheck", {})
            checked = "test" in healthcheck or (name == "web" and not healthcheck)  # web: the image's HEALTHCHECK
            waits = any(
                isinstance(dependency, dict) and "condition" in dependency
                for dependency in (service.get("depends_on") or {}).values()
            )
            assert checked or waits, name

    def test_postgresql_publishes_no_port(self) -> None:
        assert "ports" not in compose()["services"]["db"]

    def test_secrets_are_files_not_values(self) -> None:
        config = compose()
        for name, secret in config["secrets"].items():
            assert set(secret) == {"file"}, name
        for name, service in config["services"].items():
            for key, value in (service.get("environment") or {}).items():
                if re.search(r"SECRET_KEY|PASSWORD|TOKEN|DATABASE_URL", key):
                    assert key.endswith("_FILE") and str(value).startswith("/run/secrets/"), (name, key)

    def test_the_application_trusts_one_proxy(self) -> None:
        environment = compose()["services"]["web"]["environment"]
        assert environment["LOFTE_BEHIND_PROXY"] == "true"
        assert environment["LOFTE_PROXY_COUNT"] == "1"
        assert environment["LOG_FORMAT"] == "json"

    def test_make_secrets_writes_every_secret_compose_reads(self, tmp_path: Path) -> None:
        subprocess.run(["sh", str(DEPLOY / "make-secrets"), str(tmp_path / "s")], check=True, capture_output=True)
        for secret in compose()["secrets"].values():
            assert (tmp_path / "s" / Path(secret["file"]).name).exists(), secret
        url = (tmp_path / "s" / "database_url").read_text().strip()
        assert url == f"postgres://lofte:{(tmp_path / 's' / 'postgres_password').read_text().strip()}@db:5432/lofte"


UNITS = sorted((DEPLOY / "systemd").glob("lofte-*.*"))


class TestSystemd:
    @pytest.mark.parametrize("unit", [u for u in UNITS if u.suffix == ".service"], ids=lambda u: u.name)
    def test_the_service_is_hardened(self, unit: Path) -> None:
        text = unit.read_text(encoding="utf-8")
        for line in (
            "User=lofte",
            "ProtectSystem=strict",
            "NoNewPrivileges=yes",
            "PrivateTmp=yes",
            "EnvironmentFile=/etc/lofte/lofte.env",
        ):
            assert line in text.splitlines(), (unit.name, line)
        assert re.search(r"^ReadWritePaths=/var/lib/lofte\b", text, re.MULTILINE)
        if "Type=oneshot" not in text:
            assert "Restart=on-failure" in text.splitlines()
            assert "LOG_FORMAT=json" in text

    def test_the_units_run_the_agreed_commands(self) -> None:
        text = {unit.name: unit.read_text(encoding="utf-8") for unit in UNITS}
        assert "ExecStart=/opt/lofte/venv/bin/lofte serve --no-worker" in text["lofte-web.service"]
        assert "ExecStart=/opt/lofte/venv/bin/lofte worker" in text["lofte-worker.service"]
        assert "ExecStart=/opt/lofte/venv/bin/lofte backup --to /var/backups/lofte" in text["lofte-backup.service"]
        assert "OnCalendar=" in text["lofte-backup.timer"]

    @pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
    def test_systemd_analyze_verifies_the_units(self, tmp_path: Path) -> None:
        # verify wants ExecStart's program to exist: this checkout's `lofte` stands in for /opt/lofte/venv/bin/lofte.
        lofte = Path(sys.executable).parent / "lofte"
        for unit in UNITS:
            text = unit.read_text(encoding="utf-8").replace("/opt/lofte/venv/bin/lofte", str(lofte))
            (tmp_path / unit.name).write_text(text, encoding="utf-8")
        result = subprocess.run(
            ["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
            capture_output=True,
            text=True,
            check=False,
        )
        problems = [line for line in result.stderr.splitlines() if "lofte" in line]
        assert result.returncode == 0 and not problems, result.stderr


class TestProxies:
    def test_nginx_passes_the_headers_and_the_body_size(self) -> None:
        text = (DEPLOY / "proxy" / "nginx.conf").read_text(encoding="utf-8")
        for header in (
            "proxy_set_header Host $host;",
            "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
            "proxy_set_header X-Forwarded-Proto $scheme;",
            "proxy_set_header X-Request-ID $request_id;",
        ):
            assert header in text, header
        assert "client_max_body_size 100m;" in text  # LOFTE_UPLOAD_BODY_MAX_BYTES' default
        assert "listen 443 ssl" in text
        assert "$request_uri" not in text.split("log_format", 1)[1].split(";", 1)[0]

    def test_caddy_passes_the_headers_and_the_body_size(self) -> None:
        text = (DEPLOY / "proxy" / "Caddyfile").read_text(encoding="utf-8")
        assert re.search(r"reverse_proxy \{\$LOFTE_UPSTREAM:web:8000\}", text)
        assert "header_up X-Forwarded-Proto {scheme}" in text
        assert "header_up Host {host}" in text
        assert "header_up X-Request-ID {http.request.uuid}" in text
        assert "header_up -X-Forwarded-For" not in text  # Caddy sets it itself; Löfte counts one proxy
        assert "max_size {$LOFTE_UPLOAD_BODY_MAX_BYTES:104857600}" in text

    def test_the_limits_match_loftes_default(self) -> None:
        from django.conf import settings

        assert settings.LOFTE_UPLOAD_BODY_MAX_BYTES == 104857600 == 100 * 1024 * 1024
