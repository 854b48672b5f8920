"""Warnings about current crime (falska bankanställda, inbrott i förråd): written as drafts by the members who may
edit, published on the kommun's public page, in its Atom feed and by e-mail (`lofte.citizens.dispatch`), and
withdrawn when no longer needed; with the text for social media."""
