"""One problem per declaration: routes of operations, settings, upstreams and their mocks."""
