"""Swedish is the source language; English must be a complete, compiled translation.

Regenerate and compile the catalogues with `make messages`, then translate what is new in
lofte/locale/en/LC_MESSAGES/django.po and run `make messages` again.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polib
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

import lofte

PACKAGE_DIR = Path(lofte.__file__).resolve().parent
EN_PO = PACKAGE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
EN_MO = EN_PO.with_suffix(".mo")
SV_PO = PACKAGE_DIR / "locale" / "sv" / "LC_MESSAGES" / "django.po"

# The files makemessages reads for the "django" domain, plus the catalogue it merges into.
MESSAGE_SOURCES = {".py", ".html", ".txt", ".po"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{\s*\w+\s*\}\}")

Key = tuple[str | None, str, str]
Entry = polib.POEntry | polib.MOEntry


def key_of(entry: Entry) -> Key:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


def label(key: Key) -> str:
    msgctxt, msgid, msgid_plural = key
    text = f"{msgid!r} / {msgid_plural!r}" if msgid_plural else repr(msgid)
    return f"[{msgctxt}] {text}" if msgctxt else text


def translations(catalogue: polib.POFile | polib.MOFile) -> dict[Key, tuple[str, ...]]:
    """The translated messages in a .po or .mo file, without the header."""
    found: dict[Key, tuple[str, ...]] = {}
    for entry in catalogue:
        if not entry.msgid or entry.obsolete or "fuzzy" in entry.flags:
            continue
        if entry.msgid_plural:
            strings = tuple(entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural))
        else:
            strings = (entry.msgstr,)
        if strings and all(strings):
            found[key_of(entry)] = strings
    return found


@pytest.fixture(autouse=True)
def _restore_language() -> Iterator[None]:
    # Requests through LocaleMiddleware leave their language active; don't leak English into other tests.
    language = translation.get_language()
    yield
    if language:
        translation.activate(language)
    else:
        translation.deactivate()


def test_it_has_catalogue_headers_for_english_and_swedish() -> None:
    for path, language in ((EN_PO, "en"), (SV_PO, "sv")):
        catalogue = polib.pofile(str(path))
        assert catalogue.metadata.get("Language") == language, path
        assert catalogue.metadata.get("Plural-Forms") == "nplurals=2; plural=(n != 1);", path
        assert "charset=UTF-8" in catalogue.metadata.get("Content-Type", ""), path
        assert not catalogue.metadata_is_fuzzy, f"{path}: remove the fuzzy flag from the header"


def test_it_translates_every_message_to_english() -> None:
    catalogue = polib.pofile(str(EN_PO))
    untranslated = [label(key_of(e)) for e in catalogue.untranslated_entries() if not e.obsolete and not e.fuzzy]
    fuzzy = [label(key_of(e)) for e in catalogue.fuzzy_entries() if not e.obsolete]
    assert not untranslated and not fuzzy, (
        f"{EN_PO} is incomplete; translate these and run `make messages`.\n"
        "Untranslated:\n" + "\n".join(untranslated) + "\n"
        "Fuzzy (check the translation, then remove the fuzzy flag):\n" + "\n".join(fuzzy)
    )
    assert translations(catalogue), f"{EN_PO} has no translations"


def test_it_keeps_every_placeholder_in_the_english_translation() -> None:
    wrong = []
    for entry in polib.pofile(str(EN_PO)):
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        expected = set().union(*(PLACEHOLDER.findall(text) for text in sources))
        strings = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in strings:
            if text and set(PLACEHOLDER.findall(text)) != expected:
                wrong.append(f"{entry.msgid!r} -> {text!r}")
    assert not wrong, "Placeholders differ between msgid and msgstr:\n" + "\n".join(wrong)


def test_it_has_compiled_catalogues_matching_the_po() -> None:
    assert EN_MO.exists(), f"{EN_MO} is missing: run `make messages`"
    assert SV_PO.with_suffix(".mo").exists(), f"{SV_PO.with_suffix('.mo')} is missing: run `make messages`"
    in_po = translations(polib.pofile(str(EN_PO)))
    in_mo = translations(polib.mofile(str(EN_MO)))
    stale = sorted(label(k) for k in in_po if in_mo.get(k) != in_po[k])
    extra = sorted(label(k) for k in in_mo.keys() - in_po.keys())
    assert not stale and not extra, (
        f"{EN_MO} does not match {EN_PO}; run `make messages` to compile it.\n"
        f"Missing or different in the .mo: {stale}\nOnly in the .mo: {extra}"
    )


def _copy_message_sources(src: Path, dst: Path) -> None:
    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = set()
        for name in names:
            path = Path(directory, name)
            if path.is_dir():
                if name in {"static", "__pycache__"} or name.startswith("."):
                    skipped.add(name)
            elif path.suffix not in MESSAGE_SOURCES:
                skipped.add(name)
        return skipped

    shutil.copytree(src, dst, ignore=ignore)


def test_it_covers_every_marked_string(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # makemessages writes next to the sources it scans, so run it on a copy of the package.
    package = tmp_path / "lofte"
    _copy_message_sources(PACKAGE_DIR, package)
    settings.LOCALE_PATHS = [package / "locale"]
    monkeypatch.chdir(package)
    call_command(
        "makemessages", locale=["en"], no_obsolete=True, ignore_patterns=["static/*"], verbosity=0, stdout=io.StringIO()
    )

    fresh = polib.pofile(str(package / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    translated = translations(polib.pofile(str(EN_PO)))
    missing = sorted(label(key_of(e)) for e in fresh if e.msgid and not e.obsolete and key_of(e) not in translated)
    assert not missing, (
        "These marked strings are not translated in lofte/locale/en/LC_MESSAGES/django.po. Run `make messages`, "
        "translate them to English, and run `make messages` again:\n" + "\n".join(missing)
    )


def test_it_serves_english_when_asked(client: Client, db: None) -> None:
    english = client.get("/", headers={"accept-language": "en"})
    assert english.status_code == 200
    html = english.content.decode()
    assert '<html lang="en">' in html
    assert "Sign in" in html
    assert "Police and municipality working together for safety" in html
    assert "Logga in" not in html

    swedish = client.get("/")
    assert swedish.status_code == 200
    html = swedish.content.decode()
    assert '<html lang="sv">' in html
    assert "Logga in" in html
    assert "Polis och kommun tillsammans för trygghet" in html
    assert "Sign in" not in html


def test_it_switches_language_with_the_form(client: Client, db: None) -> None:
    assert "Logga in" in client.get("/").content.decode()

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"

    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Sign in" in html

    client.post("/i18n/setlang/", {"language": "sv", "next": "/"})
    assert "Logga in" in client.get("/").content.decode()
