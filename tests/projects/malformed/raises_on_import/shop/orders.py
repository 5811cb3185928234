"""A module that raises while it is imported."""

RATES = {"eur": 1.0}
DEFAULT = RATES["usd"]  # expect: IMPORT_ERROR
