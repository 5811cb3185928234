"""Datamodels with exactly one problem each (two for a duplicated class name)."""
