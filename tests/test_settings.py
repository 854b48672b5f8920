from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from lofte.lib import env

LOFTE = str(Path(sys.executable).parent / "lofte")

PRODUCTION = {
    "LOFTE_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "lofte.mjolby.se",
    "SITE_URL": "https://lofte.mjolby.se",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.mjolby.se",
}


def run_lofte(*args: str, tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    # Only what a production host would have: none of the test run's own switches.
    dropped = {"DATABASE_URL", "LOFTE_ENV", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    clean.update(LOFTE_VAR_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", **variables)
    return subprocess.run([LOFTE, *args], env=clean, capture_output=True, text=True, timeout=120, check=False)


def test_it_passes_the_deploy_check_with_the_documented_production_variables(tmp_path: Path) -> None:
    result = run_lofte("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_it_warns_when_production_mail_would_go_to_the_console(tmp_path: Path) -> None:
    variables = {k: v for k, v in PRODUCTION.items() if not k.startswith("EMAIL")}
    result = run_lofte("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path, **variables)
    assert result.returncode != 0
    assert "lofte.W001" in result.stderr


def test_it_requires_a_secret_key_in_production(tmp_path: Path) -> None:
    variables = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = run_lofte("check", tmp_path=tmp_path, **variables)
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set" in result.stderr


def test_it_reads_the_secret_key_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(PRODUCTION["SECRET_KEY"])
    variables = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = run_lofte("check", "--deploy", tmp_path=tmp_path, SECRET_KEY_FILE=str(key_file), **variables)
    assert result.returncode == 0, result.stderr


def test_it_generates_a_local_secret_key_once(tmp_path: Path) -> None:
    first = env.local_secret_key(tmp_path)
    assert env.local_secret_key(tmp_path) == first
    assert len(first) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_it_uses_sqlite_in_wal_mode_by_default(tmp_path: Path) -> None:
    code = "from django.db import connection; c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "LOFTE_ENV"}}
    clean["LOFTE_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [LOFTE, "shell", "-c", code], env=clean, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.stdout.strip().splitlines()[-1] == "wal", result.stderr
    assert (tmp_path / "lofte.sqlite3").exists()


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("true", True), ("Yes", True), ("0", False), ("off", False)]
)
def test_it_reads_booleans(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("LOFTE_TEST_FLAG", raw)
    assert env.env_bool("LOFTE_TEST_FLAG") is expected


def test_it_names_the_variable_it_cannot_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOFTE_TEST_FLAG", "kanske")
    with pytest.raises(ImproperlyConfigured, match="LOFTE_TEST_FLAG"):
        env.env_bool("LOFTE_TEST_FLAG")
    monkeypatch.setenv("LOFTE_TEST_NUMBER", "tio")
    with pytest.raises(ImproperlyConfigured, match="LOFTE_TEST_NUMBER"):
        env.env_int("LOFTE_TEST_NUMBER", 1)


def test_it_sends_a_strict_content_security_policy(client, db) -> None:  # type: ignore[no-untyped-def]
    policy = client.get("/omraden/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_it_maps_dashes_in_command_names(tmp_path: Path) -> None:
    result = run_lofte("load-areas", "--help", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "--kommun-property" in result.stdout
