"""A small valid shop: each case next to it breaks one thing."""
