"""A person's data on request: the register extract (JSON and PDF) and erasure, by an operator (förvaltare).

`collect` (everything Löfte holds about an e-mail address, grouped by kind), `actions` (export and erasure, each
audited), `views`/`urls`/`forms` (/drift/personer/). Time-based gallring is `operations.retention`'s.
"""
