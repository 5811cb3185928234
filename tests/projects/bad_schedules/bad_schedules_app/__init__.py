"""Scheduled operations with exactly one problem each, and some without any (for contrast)."""
