"""The page structure assistive technology relies on: language, landmarks, one h1, labelled controls."""

from __future__ import annotations

from tests.axe import problems
from tests.base import BaseTestCase

PAGES = {
    None: ["/", "/kommun/0586/", "/omraden/", "/omraden/0586/", "/konto/logga-in/", "/konto/losenord/glomt/"],
    "samordnare": [
        "/samverkan/mjolby/",
        "/samverkan/mjolby/parter/",
        "/konto/profil/",
        "/konto/losenord/byt/",
        "/konto/nycklar/",
        "/omraden/0586/",
        "/statistik/importer/",
    ],
}


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
