"""`lofte backup` and `lofte restore`: a round trip gives the same answers, pages and files; a damaged archive, an
archive from another vendor or a newer Löfte, and a wrong key are refused and change nothing.

The instances are real ones in subprocesses (`python -m lofte.cli`), each with its own var/ directory and database:
a SQLite file, or under scripts/with-postgres a new database on the same throwaway cluster.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from lofte.operations.backup import archive, crypto, database, prune
from lofte.operations.backup.service import NAME_PREFIX

ROOT = Path(__file__).resolve().parent.parent
ON_POSTGRES = database.vendor_of(settings.DATABASES["default"]) == database.POSTGRESQL
DROPPED = {"DATABASE_URL", "LOFTE_ENV", "SECRET_KEY", "SECRET_KEY_FILE", "DEBUG", "CACHE_LOCATION", "MEDIA_ROOT"}

# The demo's partnerships, medborgarlöften and a year of EST in Mjölby, and three EST photos and a waiting upload.
SEED = """
import io
import django
django.setup()
from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image
from lofte.demo.partnerships import load_demo, load_demo_est
from lofte.demo.promises import load_demo_promises
from lofte.est.models import Incident
load_demo(); load_demo_promises(); load_demo_est()
for number, incident in enumerate(Incident.objects.exclude(partnership=None).order_by("pk")[:3]):
    buffer = io.BytesIO()
    Image.new("RGB", (40 + number, 30), (200, 40 * number, 90)).save(buffer, "JPEG")
    incident.photo.save(f"foto-{number}.jpg", ContentFile(buffer.getvalue()), save=True)
(settings.VAR_DIR / "uploads").mkdir(mode=0o700, exist_ok=True)
(settings.VAR_DIR / "uploads" / "job-1.upload").write_bytes(b"kommun;brott;antal\\n0586;inbrott;12\\n")
"""

# What a samordnare and the public see: the API, EST's pages and photos, Open311, the public page of Mjölby (0586).
ANSWERS = """
import hashlib, json, re
import django
django.setup()
from django.test import Client
from django.urls import reverse
from lofte.accounts.models import User
from lofte.est.models import Incident
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(User.objects.get(email="samordnare@mjolby.example"))
photos = Incident.objects.exclude(photo="").order_by("pk")
slug = photos[0].partnership.slug
urls = ["/api/v1/promises", "/api/v1/partnerships", f"/api/v1/partnerships/{slug}/members",
        "/open311/v2/services.json?jurisdiction_id=0586", "/kommun/0586/",
        reverse("est:index", args=[slug]), reverse("est_review:review", args=[slug])]
urls += [reverse("est_reporting:photo", args=[i.partnership.slug, i.pk]) for i in photos]
answers = {}
for url in urls:
    response = client.get(url) if url.startswith(("/api", "/samverkan")) else Client(HTTP_HOST="127.0.0.1").get(url)
    body = b"".join(response) if response.streaming else response.content
    body = re.sub(rb'(nonce|name="csrfmiddlewaretoken" value)="[^"]*"', b"", body)
    answers[url] = [response.status_code, len(body), hashlib.sha256(body).hexdigest()]
print(json.dumps({"photos": photos.count(), "answers": answers}))
"""


@dataclass
class Instance:
    var: Path
    database_url: str

    def env(self, **extra: str) -> dict[str, str]:
        variables = {k: v for k, v in os.environ.items() if k not in DROPPED and not k.startswith("LOFTE_BACKUP")}
        variables.update(
            LOFTE_VAR_DIR=str(self.var),
            DATABASE_URL=self.database_url,
            DJANGO_SETTINGS_MODULE="lofte.settings",
            LOFTE_MFA_REQUIRED="false",
            **extra,
        )
        return variables

    def lofte(self, *args: str, stdin: str | None = None, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "lofte.cli", *args],
            env=self.env(**extra),
            cwd=ROOT,
            input=stdin or "",
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def python(self, code: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", code], env=self.env(), cwd=ROOT, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def files(self) -> dict[str, str]:
        """Every uploaded file (media/, uploads/) with its SHA-256."""
        found = {}
        for top in ("media", "uploads"):
            for path in sorted((self.var / top).rglob("*")):
                if path.is_file():
                    found[f"{top}/{path.relative_to(self.var / top)}"] = hashlib.sha256(path.read_bytes()).hexdigest()
        return found

    def state(self) -> str:
        """A fingerprint of the database's contents, to show that a refused restore changed nothing."""
        if self.database_url.startswith("sqlite"):
            path = Path(self.database_url.removeprefix("sqlite:///"))
            return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "no file"
        return self.python(
            "import django; django.setup()\n"
            "from django.db import connection\n"
            "tables = sorted(connection.introspection.table_names())\n"
            "from lofte.accounts.models import User\n"
            "print(tables, User.objects.count() if 'accounts_user' in tables else None)"
        )


class Cluster:
    """New instances: a SQLite file each, or a new database each on the test's own PostgreSQL cluster."""

    def __init__(self, root: Path) -> None:
        self.root, self.databases = root, []

    def new(self, name: str) -> Instance:
        var = self.root / name
        if not ON_POSTGRES:
            return Instance(var, f"sqlite:///{var / 'lofte.sqlite3'}")
        dbname = f"lofte_backup_{name}_{uuid.uuid4().hex[:8]}"
        self._admin(f'CREATE DATABASE "{dbname}"')
        self.databases.append(dbname)
        return Instance(var, _with_database(os.environ["DATABASE_URL"], dbname))

    def drop_all(self) -> None:
        for dbname in self.databases:
            self._admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
            connection.execute(sql)  # type: ignore[arg-type]


def _with_database(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


@dataclass
class Source:
    instance: Instance
    archive: Path
    answers: dict[str, object]
    files: dict[str, str]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    made = Cluster(tmp_path_factory.mktemp("backup"))
    yield made
    made.drop_all()


@pytest.fixture(scope="module")
def source(cluster: Cluster) -> Source:
    """An instance with the demo's data and photos, and one archive of it."""
    instance = cluster.new("source")
    migrated = instance.lofte("migrate", "--noinput", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    instance.python(SEED)
    made = instance.lofte("backup", "--to", str(cluster.root / "archives"))
    assert made.returncode == 0, made.stderr
    archives = sorted((cluster.root / "archives").glob(f"{NAME_PREFIX}*.tar.gz"))
    assert len(archives) == 1
    return Source(instance, archives[0], json.loads(instance.python(ANSWERS)), instance.files())


@pytest.mark.processes
def test_it_restores_a_backup_into_a_fresh_instance_with_the_same_answers_pages_and_files(
    cluster: Cluster, source: Source
) -> None:
    assert source.answers["photos"] == 3
    assert all(status == 200 for status, _size, _hash in source.answers["answers"].values())  # type: ignore[attr-defined]
    assert len(source.files) == 4
    fresh = cluster.new("fresh")
    restored = fresh.lofte("restore", str(source.archive))
    assert restored.returncode == 0, restored.stderr
    assert "Arkivet är helt" in restored.stdout
    assert json.loads(fresh.python(ANSWERS)) == source.answers
    assert fresh.files() == source.files
    assert (fresh.var / "secret_key").read_text() == (source.instance.var / "secret_key").read_text()


@pytest.mark.processes
def test_it_writes_a_manifest_with_versions_migrations_and_checksums(source: Source, tmp_path: Path) -> None:
    manifest = archive.unpack(source.archive, tmp_path)
    assert manifest["lofte_version"] == "0.1.0"
    assert manifest["database_vendor"] == ("postgresql" if ON_POSTGRES else "sqlite")
    assert manifest["latest_migrations"]["est"].startswith("00")
    assert datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    photos = [name for name in manifest["files"] if name.startswith("media/est/")]
    assert len(photos) == 3
    for name, entry in manifest["files"].items():
        data = (tmp_path / name).read_bytes()
        assert entry == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert "secret_key" in manifest["files"]


def _refused(instance: Instance, archive_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    before = instance.state(), instance.files()
    result = instance.lofte("restore", str(archive_path), *args)
    assert result.returncode != 0, result.stdout
    assert (instance.state(), instance.files()) == before
    return result


@pytest.mark.processes
def test_it_refuses_a_truncated_archive_and_changes_nothing(cluster: Cluster, source: Source, tmp_path: Path) -> None:
    cut = tmp_path / source.archive.name
    cut.write_bytes(source.archive.read_bytes()[: source.archive.stat().st_size * 2 // 3])
    result = _refused(cluster.new("truncated"), cut)
    assert "skadat eller avkortat" in result.stderr
    assert "inget har ändrats" in result.stderr


@pytest.mark.processes
def test_it_refuses_an_archive_with_one_altered_byte_and_changes_nothing(
    cluster: Cluster, source: Source, tmp_path: Path
) -> None:
    data = bytearray(source.archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    altered = tmp_path / source.archive.name
    altered.write_bytes(bytes(data))
    result = _refused(cluster.new("altered"), altered)
    assert "skadat" in result.stderr


def _rewrite(original: Path, target: Path, change: dict[str, object]) -> None:
    """A copy of the archive whose manifest says something else (its checksums still right)."""
    with tarfile.open(original, "r:gz") as source, tarfile.open(target, "w:gz") as copy:
        for info in source:
            data = source.extractfile(info).read()  # type: ignore[union-attr]
            if info.name == archive.MANIFEST:
                data = json.dumps({**json.loads(data), **change}).encode()
                info.size = len(data)
            copy.addfile(info, io.BytesIO(data))


@pytest.mark.processes
def test_it_refuses_an_archive_from_a_newer_lofte_or_migration(
    cluster: Cluster, source: Source, tmp_path: Path
) -> None:
    target = cluster.new("newer")
    newer = tmp_path / "newer.tar.gz"
    _rewrite(source.archive, newer, {"lofte_version": "99.0"})
    assert "nyare än denna" in _refused(target, newer).stderr
    migrated = tmp_path / "migrated.tar.gz"
    applied = archive.unpack(source.archive, tmp_path / "unpacked")["applied_migrations"]
    _rewrite(source.archive, migrated, {"applied_migrations": [*applied, ["est", "9999_from_the_future"]]})
    assert "est.9999_from_the_future" in _refused(target, migrated).stderr


@pytest.mark.processes
def test_it_refuses_an_archive_from_another_database_vendor(cluster: Cluster, source: Source, tmp_path: Path) -> None:
    other = tmp_path / "other.tar.gz"
    _rewrite(source.archive, other, {"database_vendor": "sqlite" if ON_POSTGRES else "postgresql"})
    result = _refused(cluster.new("vendor"), other)
    assert "dumpdata" in result.stderr


@pytest.mark.processes
def test_it_refuses_an_instance_that_is_not_empty_unless_forced_and_confirmed(cluster: Cluster, source: Source) -> None:
    used = cluster.new("used")
    first = used.lofte("restore", str(source.archive))
    assert first.returncode == 0, first.stderr
    assert "inte tom" in _refused(used, source.archive).stderr
    declined = _refused(used, source.archive, "--force")  # no terminal: the question is answered no
    assert "Det går inte att ångra" in declined.stdout
    forced = used.lofte("restore", str(source.archive), "--force", stdin="ja\n")
    assert forced.returncode == 0, forced.stderr
    assert used.files() == source.files


@pytest.mark.processes
def test_it_restores_an_encrypted_archive_and_refuses_a_wrong_key(cluster: Cluster, source: Source) -> None:
    keys = cluster.root / "keys"
    keys.mkdir(exist_ok=True)
    made = source.instance.lofte("backup", "--new-key-file", str(keys / "backup.key"))
    assert made.returncode == 0, made.stderr
    assert (keys / "backup.key").stat().st_mode & 0o777 == 0o600
    assert source.instance.lofte("backup", "--new-key-file", str(keys / "backup.key")).returncode != 0
    crypto.new_key_file(keys / "other.key")
    out = cluster.root / "encrypted"
    written = source.instance.lofte("backup", "--to", str(out), LOFTE_BACKUP_KEY_FILE=str(keys / "backup.key"))
    assert written.returncode == 0, written.stderr
    (encrypted,) = out.glob("*.tar.gz.enc")
    assert b"manifest.json" not in encrypted.read_bytes()
    target = cluster.new("encrypted")
    assert "Fel nyckel" in _refused(target, encrypted, "--key-file", str(keys / "other.key")).stderr
    assert "krypterat" in _refused(target, encrypted).stderr
    restored = target.lofte("restore", str(encrypted), "--key-file", str(keys / "backup.key"))
    assert restored.returncode == 0, restored.stderr
    assert target.files() == source.files


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's online backup API")
def test_it_copies_a_consistent_sqlite_snapshot_while_another_connection_writes(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite3"
    writer = sqlite3.connect(live, isolation_level=None, check_same_thread=False)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (n INTEGER)")
    writer.execute("INSERT INTO t VALUES (1)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t VALUES (2)")  # open, uncommitted write transaction
    done = threading.Event()
    errors: list[BaseException] = []

    def copy() -> None:
        try:
            database.dump_sqlite(live, tmp_path / "copy.sqlite3")
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        done.set()

    threading.Thread(target=copy).start()
    assert done.wait(10), "the backup waited for the writer"
    writer.execute("COMMIT")
    writer.close()
    assert not errors
    copied = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copied.execute("SELECT n FROM t").fetchall() == [(1,)]
    assert copied.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    copied.close()


def test_it_refuses_an_encrypted_archive_cut_short_or_altered() -> None:
    key = bytes(range(32))
    plain = os.urandom(crypto.CHUNK * 2 + 10)
    sealed = io.BytesIO()
    crypto.encrypt(io.BytesIO(plain), sealed, key)
    data = sealed.getvalue()
    opened = io.BytesIO()
    crypto.decrypt(io.BytesIO(data), opened, key)
    assert opened.getvalue() == plain
    whole_chunks = len(data) - (10 + crypto.TAG)  # the last chunk dropped: still a valid-looking stream
    for damaged in (data[:whole_chunks], data[:-1], data[:100] + bytes([data[100] ^ 1]) + data[101:]):
        with pytest.raises(crypto.CryptoError, match="skadat eller avkortat"):
            crypto.decrypt(io.BytesIO(damaged), io.BytesIO(), key)
    with pytest.raises(crypto.CryptoError, match="Fel nyckel"):
        crypto.decrypt(io.BytesIO(data), io.BytesIO(), bytes(32))


def test_it_keeps_the_newest_archive_of_each_day_week_and_month() -> None:
    def name(when: str) -> Path:
        return Path(f"{NAME_PREFIX}{when}.tar.gz")

    days = [datetime(2026, 12, 7, tzinfo=UTC).replace(day=day) for day in range(1, 8)]
    archives = [name(day.strftime("%Y%m%dT0300%SZ")) for day in days]
    archives += [name("20261206T150000Z"), name("20261115T030000Z"), name("20261001T030000Z"), Path("notes.txt")]
    deleted = prune.to_delete(archives, daily=3, weekly=2, monthly=3)
    assert set(deleted) == {name(f"202612{day:02d}T030000Z") for day in (1, 2, 3, 4, 6)}
    assert prune.to_delete(archives, daily=0, weekly=0, monthly=0) == []


@pytest.mark.processes
def test_it_says_why_a_backup_fails_and_leaves_no_half_archive(cluster: Cluster, source: Source) -> None:
    blocked = cluster.root / "blocked"
    blocked.write_text("a file where the directory should be")
    result = source.instance.lofte("backup", "--to", str(blocked / "archives"))
    assert result.returncode != 0
    assert "Säkerhetskopieringen misslyckades" in result.stderr
    target = cluster.root / "half"
    result = source.instance.lofte("backup", "--to", str(target), LOFTE_BACKUP_KEY_FILE=str(cluster.root / "nokey"))
    assert result.returncode != 0
    assert "Nyckelfilen" in result.stderr
    assert not target.exists() or not any(target.iterdir())
    shutil.rmtree(blocked, ignore_errors=True)
