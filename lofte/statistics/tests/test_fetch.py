"""The fetcher against a scripted HTTP server on 127.0.0.1; the clock and sleep are fake so nothing really waits."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from lofte.statistics import fetch
from lofte.statistics.fetch import (
    KOLADA,
    POLISEN,
    SCB,
    Fetcher,
    FetchError,
    Source,
    base_url,
    kolada_values_url,
    polisen_events_url,
    scb_population_url,
)

UA = "Lofte-test/1.0 (+https://example.se/lofte)"
LOCAL = Source("polisen", "http://unused", 5.0)  # "polisen" so messages read "Polisen svarade …"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds the server waits before answering
    send_length: bool = True


@dataclass
class Seen:
    path: str
    headers: Message


@dataclass
class Server:
    url: str
    replies: list[Reply] = field(default_factory=list)  # answered in order; a plain 200 once they run out
    seen: list[Seen] = field(default_factory=list)


class FakeTime:
    """clock() and sleep() for the fetcher: sleeping only advances the clock and is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy from the environment would swallow requests meant for the local server.
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.seen.append(Seen(self.path, self.headers))
            reply = state.replies.pop(0) if state.replies else Reply()
            time.sleep(reply.delay)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            has_body = reply.status != 304
            if has_body and reply.send_length:
                self.send_header("Content-Length", str(len(reply.body)))
            if not reply.send_length:
                self.close_connection = True  # the body then ends when the connection does
            self.end_headers()
            if has_body:
                self.wfile.write(reply.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    class Quiet(ThreadingHTTPServer):
        daemon_threads = True  # a handler still sleeping after a client timeout must not block shutdown

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # the client hung up on a slow answer on purpose

    httpd = Quiet(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def fetcher(tmp_path: Path, fake_time: FakeTime) -> Fetcher:
    return Fetcher(
        cache_dir=tmp_path / "cache", user_agent=UA, timeout=5.0, clock=fake_time.clock, sleep=fake_time.sleep
    )


def test_it_sends_user_agent_and_accepts_json(server: Server, fetcher: Fetcher) -> None:
    result = fetcher.get(f"{server.url}/a", source=LOCAL)

    assert result.body == b'{"ok": true}'
    assert result.status == 200
    assert result.from_cache is False
    assert result.url == f"{server.url}/a"
    assert result.fetched_at.utcoffset() == timedelta(0)
    assert server.seen[0].headers["User-Agent"] == UA
    assert server.seen[0].headers["Accept"] == "application/json"


def test_it_answers_from_the_cache_within_max_age_without_a_request(server: Server, tmp_path: Path) -> None:
    url = f"{server.url}/a"
    first = Fetcher(cache_dir=tmp_path, user_agent=UA, sleep=lambda s: None).get(url, source=LOCAL, max_age=60)
    # A new Fetcher: the cache lives on disk, not in the object.
    second = Fetcher(cache_dir=tmp_path, user_agent=UA, sleep=lambda s: None).get(url, source=LOCAL, max_age=60)

    assert len(server.seen) == 1
    assert second.from_cache is True
    assert second.body == first.body
    assert second.status == 200
    assert second.fetched_at == first.fetched_at


def test_it_revalidates_with_etag_and_last_modified_and_uses_the_cache_on_304(server: Server, fetcher: Fetcher) -> None:
    url = f"{server.url}/a"
    modified = "Wed, 01 Jan 2025 00:00:00 GMT"
    server.replies = [Reply(body=b"[1, 2, 3]", headers={"ETag": '"v1"', "Last-Modified": modified}), Reply(status=304)]

    first = fetcher.get(url, source=LOCAL)
    second = fetcher.get(url, source=LOCAL)  # max_age=0: always asks, conditionally

    assert "If-None-Match" not in server.seen[0].headers
    assert server.seen[1].headers["If-None-Match"] == '"v1"'
    assert server.seen[1].headers["If-Modified-Since"] == modified
    assert (second.body, second.status, second.from_cache) == (b"[1, 2, 3]", 304, True)
    assert second.fetched_at >= first.fetched_at


def test_it_replaces_the_cached_body_when_the_source_changed(server: Server, fetcher: Fetcher) -> None:
    url = f"{server.url}/a"
    server.replies = [
        Reply(body=b"old", headers={"ETag": '"v1"'}),
        Reply(body=b"new", headers={"ETag": '"v2"'}),
        Reply(status=304),
    ]

    fetcher.get(url, source=LOCAL)
    changed = fetcher.get(url, source=LOCAL)
    confirmed = fetcher.get(url, source=LOCAL)

    assert (changed.body, changed.from_cache) == (b"new", False)
    assert server.seen[2].headers["If-None-Match"] == '"v2"'
    assert confirmed.body == b"new"


def test_it_keeps_requests_to_one_host_min_interval_apart(
    server: Server, fetcher: Fetcher, fake_time: FakeTime
) -> None:
    fetcher.get(f"{server.url}/a", source=LOCAL)
    fetcher.get(f"{server.url}/b", source=LOCAL)
    fake_time.now += 2.0  # time passes between calls, so only the rest of the interval is waited
    fetcher.get(f"{server.url}/c", source=LOCAL)

    assert fake_time.sleeps == [5.0, 3.0]
    assert len(server.seen) == 3


def test_it_does_not_wait_for_an_answer_from_the_cache(server: Server, fetcher: Fetcher, fake_time: FakeTime) -> None:
    fetcher.get(f"{server.url}/a", source=LOCAL, max_age=60)
    fetcher.get(f"{server.url}/a", source=LOCAL, max_age=60)

    assert fake_time.sleeps == []


def test_it_retries_429_once_and_sleeps_retry_after(server: Server, fetcher: Fetcher, fake_time: FakeTime) -> None:
    server.replies = [Reply(status=429, headers={"Retry-After": "7"}), Reply(body=b"[]")]

    result = fetcher.get(f"{server.url}/a", source=LOCAL)

    assert result.body == b"[]"
    assert len(server.seen) == 2
    assert fake_time.sleeps == [7.0]  # 7 s already covers the 5 s polite interval


def test_it_gives_up_after_two_retries(server: Server, fetcher: Fetcher, fake_time: FakeTime) -> None:
    server.replies = [Reply(status=503), Reply(status=502), Reply(status=504), Reply()]

    with pytest.raises(FetchError) as caught:
        fetcher.get(f"{server.url}/a", source=LOCAL)

    assert len(server.seen) == 3
    assert caught.value.status == 504
    assert str(caught.value) == f"Polisen svarade 504 för {server.url}/a"
    # Backoffs of 2 s and 4 s, each topped up to the 5 s polite interval.
    assert fake_time.sleeps == [2.0, 3.0, 4.0, 1.0]


def test_it_does_not_retry_when_retry_after_is_too_long(server: Server, fetcher: Fetcher, fake_time: FakeTime) -> None:
    server.replies = [Reply(status=429, headers={"Retry-After": "3600"})]

    with pytest.raises(FetchError, match="svarade 429"):
        fetcher.get(f"{server.url}/a", source=LOCAL)

    assert len(server.seen) == 1
    assert fake_time.sleeps == []


def test_it_raises_fetch_error_naming_source_url_and_status_on_500(server: Server, fetcher: Fetcher) -> None:
    server.replies = [Reply(status=500, body=b"boom")]
    url = f"{server.url}/a"

    with pytest.raises(FetchError) as caught:
        fetcher.get(url, source=LOCAL)

    assert str(caught.value) == f"Polisen svarade 500 för {url}"
    assert (caught.value.status, caught.value.url, caught.value.source) == (500, url, LOCAL)
    assert len(server.seen) == 1  # a server error is not retried


def test_it_raises_fetch_error_on_timeout(server: Server, tmp_path: Path, fake_time: FakeTime) -> None:
    server.replies = [Reply(delay=1.0), Reply(delay=1.0), Reply(delay=1.0)]
    fetcher = Fetcher(cache_dir=tmp_path, user_agent=UA, timeout=0.2, clock=fake_time.clock, sleep=fake_time.sleep)

    with pytest.raises(FetchError, match="kunde inte nå") as caught:
        fetcher.get(f"{server.url}/slow", source=LOCAL)

    assert "inget svar inom 0.2 s" in str(caught.value)
    assert caught.value.status is None
    assert len(server.seen) == 3  # a timeout counts as a connection error and is retried twice


def test_it_raises_fetch_error_when_nothing_listens(fetcher: Fetcher) -> None:
    # A port that was free a moment ago: the connection is refused, retried twice, then reported.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    with pytest.raises(FetchError, match=rf"^Polisen: kunde inte nå http://127\.0\.0\.1:{port}/a \("):
        fetcher.get(f"http://127.0.0.1:{port}/a", source=LOCAL)


@pytest.mark.parametrize("send_length", [True, False])
def test_it_refuses_bodies_over_the_limit(
    server: Server, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch, send_length: bool
) -> None:
    monkeypatch.setattr(fetch, "MAX_BODY_BYTES", 1000)
    server.replies = [Reply(body=b"x" * 1001, send_length=send_length)]

    with pytest.raises(FetchError, match="avvisades"):
        fetcher.get(f"{server.url}/big", source=LOCAL)


def test_it_accepts_a_body_at_the_limit(server: Server, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "MAX_BODY_BYTES", 1000)
    server.replies = [Reply(body=b"x" * 1000, send_length=False)]

    assert len(fetcher.get(f"{server.url}/big", source=LOCAL).body) == 1000


def test_it_keys_the_cache_by_sha256_and_leaves_no_temporary_files(server: Server, fetcher: Fetcher) -> None:
    url = f"{server.url}/a?x=1"
    fetcher.get(url, source=LOCAL)

    files = [p.name for p in fetcher.cache_dir.iterdir()]
    assert files == [f"{hashlib.sha256(url.encode()).hexdigest()}.cache"]


def test_it_ignores_an_unreadable_cache_file(server: Server, fetcher: Fetcher) -> None:
    url = f"{server.url}/a"
    fetcher.cache_dir.mkdir(parents=True)
    (fetcher.cache_dir / f"{hashlib.sha256(url.encode()).hexdigest()}.cache").write_bytes(b"not json\nbody")

    result = fetcher.get(url, source=LOCAL, max_age=60)

    assert (result.body, result.from_cache) == (b'{"ok": true}', False)


def test_it_refuses_urls_that_are_not_http(fetcher: Fetcher) -> None:
    with pytest.raises(ValueError, match="http"):
        fetcher.get("file:///etc/passwd", source=LOCAL)


def test_it_builds_the_kolada_url() -> None:
    url = kolada_values_url(KOLADA.base_url, "N07540", ["0586", "0583"], [2024, 2025])

    assert url == "https://api.kolada.se/v3/data/kpi/N07540/municipality/0586,0583/year/2024,2025"


def test_it_builds_the_scb_population_url() -> None:
    url = scb_population_url(SCB.base_url, 2024, ["0586", "0583"])

    assert url == (
        "https://statistikdatabasen.scb.se/api/v2/tables/TAB638/data?lang=sv&outputFormat=json-stat2"
        "&valueCodes[ContentsCode]=BE0101N1&valueCodes[Tid]=2024&valueCodes[Region]=0586,0583"
    )


def test_it_builds_the_polisen_url() -> None:
    assert polisen_events_url(POLISEN.base_url, None) == "https://polisen.se/api/events"
    assert polisen_events_url(POLISEN.base_url, []) == "https://polisen.se/api/events"
    assert polisen_events_url(POLISEN.base_url, ["Mjölby", "Motala"]) == (
        "https://polisen.se/api/events?locationname=Mj%C3%B6lby%3BMotala"
    )
    assert polisen_events_url(POLISEN.base_url, ["Upplands Väsby"]).endswith("=Upplands%20V%C3%A4sby")


def test_it_refuses_empty_selections() -> None:
    with pytest.raises(ValueError):
        scb_population_url(SCB.base_url, 2024, [])
    with pytest.raises(ValueError):
        kolada_values_url(KOLADA.base_url, "N07540", [], [2024])


def test_the_server_receives_the_decoded_query(server: Server, fetcher: Fetcher) -> None:
    fetcher.get(polisen_events_url(f"{server.url}/api/events", ["Mjölby", "Motala"]), source=LOCAL)
    fetcher.get(scb_population_url(server.url, 2024, ["0586", "0583"]), source=LOCAL)

    polisen, scb = (urlsplit(seen.path) for seen in server.seen)
    assert polisen.path == "/api/events"
    assert parse_qs(polisen.query) == {"locationname": ["Mjölby;Motala"]}
    assert scb.path == "/tables/TAB638/data"
    assert parse_qs(scb.query)["valueCodes[Region]"] == ["0586,0583"]


def test_it_lets_the_environment_override_base_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LOFTE_POLISEN_URL", "LOFTE_SCB_URL", "LOFTE_KOLADA_URL"):
        monkeypatch.delenv(name, raising=False)
    assert base_url(POLISEN) == "https://polisen.se/api/events"
    assert base_url(SCB) == "https://statistikdatabasen.scb.se/api/v2"

    monkeypatch.setenv("LOFTE_KOLADA_URL", "http://127.0.0.1:8999/kolada/")

    assert base_url(KOLADA) == "http://127.0.0.1:8999/kolada"
    assert kolada_values_url(base_url(KOLADA), "N07540", ["0586"], [2024]) == (
        "http://127.0.0.1:8999/kolada/data/kpi/N07540/municipality/0586/year/2024"
    )
    assert base_url(SCB) == "https://statistikdatabasen.scb.se/api/v2"  # the others keep their defaults
