"""The shop's supplier, whose mock cannot listen where it says."""

from pulpo import Mock, upstream

supplier = upstream("supplier", url="http://supplier.example", mock=Mock(port=70000))  # expect: INVALID_MOCK_PORT
