"""Nothing declared anywhere."""
