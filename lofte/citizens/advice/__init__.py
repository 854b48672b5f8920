"""Advice pages for risk groups: the shared pages every kommun starts with (`shared`), a partnership's own pages
written by its members, and the public list with its filter by risk group."""
