"""The page structure assistive technology relies on: language, landmarks, one h1, labelled controls."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.base import BaseTestCase

PAGES = {
    None: ["/", "/kommun/0586/", "/omraden/", "/omraden/0586/", "/konto/logga-in/", "/konto/losenord/glomt/"],
    "samordnare": [
        "/samverkan/mjolby/",
        "/samverkan/mjolby/parter/",
        "/konto/profil/",
        "/konto/losenord/byt/",
        "/omraden/0586/",
        "/statistik/importer/",
    ],
}


class Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def problems(html: str) -> list[str]:
    page = Structure()
    page.feed(html)
    found = []
    if not page.all("html") or not page.all("html")[0].get("lang"):
        found.append("<html> has no lang")
    for landmark in ("header", "main", "footer"):
        if len(page.all(landmark)) != 1:
            found.append(f"expected one <{landmark}>")
    if len(page.all("h1")) != 1:
        found.append(f"expected one <h1>, found {len(page.all('h1'))}")
    if any(not nav.get("aria-label") for nav in page.all("nav")):
        found.append("a <nav> without aria-label")
    if not any(a.get("class") == "skip-link" for a in page.all("a")):
        found.append("no skip link")
    labelled = {label.get("for") for label in page.all("label")}
    for tag in ("input", "select", "textarea"):
        for control in page.all(tag):
            if control.get("type") in {"hidden", "submit"}:
                continue
            if control.get("id") not in labelled and not control.get("aria-label"):
                found.append(f"<{tag} name={control.get('name')!r}> has no label")
    if any(img.get("alt") is None for img in page.all("img")):
        found.append("an <img> without alt")
    return found


class AccessibilityTest(BaseTestCase):
    def test_it_gives_every_page_landmarks_a_heading_and_labels(self) -> None:
        for persona, urls in PAGES.items():
            client = self.client_for(self.samordnare if persona else None)
            for url in urls:
                with self.subTest(url=url, persona=persona):
                    response = client.get(url)
                    self.assertEqual(response.status_code, 200)
                    self.assertEqual(problems(response.content.decode()), [])

    def test_it_finds_a_missing_label(self) -> None:
        self.assertIn("<input name='q'> has no label", problems('<html lang="sv"><input id="q" name="q"></html>'))
