"""An import of a module that does not exist."""

from shop.payments import charge  # expect: IMPORT_ERROR
