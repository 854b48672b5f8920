"""Grannsamverkan groups: the samordnare's list of contact persons for an area, who receive the warnings for that
area by e-mail (`lofte.citizens.dispatch`) and can leave with one click. Members' pages only."""
