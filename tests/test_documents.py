"""The one document toolkit (`lofte.lib.documents`)."""

from __future__ import annotations

from django.test import SimpleTestCase

from lofte.lib import documents


class RenderPdfTest(SimpleTestCase):
    def test_it_fetches_nothing(self) -> None:
        html = '<html lang="sv"><title>T</title><img src="http://127.0.0.1:9/bild.png" alt="Bild"></html>'
        with self.assertLogs("weasyprint", level="ERROR") as logs:
            data = documents.write_pdf(html)
        self.assertTrue(data.startswith(b"%PDF"))
        self.assertIn("A Löfte document fetches nothing: http://127.0.0.1:9/bild.png", "\n".join(logs.output))
