"""Upstreams with mocks as the store-and-forward document declares them (test_mock_cli.py)."""
