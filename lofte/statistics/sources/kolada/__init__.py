"""Kolada (RKA) API v3 data answers."""
