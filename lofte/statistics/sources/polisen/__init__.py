"""Police events from polisen.se/api/events."""
