"""Löfte: the crime-prevention partnership between a kommun and its local police area."""
