"""Upstreams with mocks, as the store-and-forward document declares them (tests/cli/test_mock_cli.py)."""
