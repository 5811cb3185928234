"""A project whose stack adds Redis, a mocked upstream and settings (test_stack_extras)."""
