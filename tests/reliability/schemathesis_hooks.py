"""Schemathesis hooks for the fuzzing suite (loaded through ``SCHEMATHESIS_HOOKS``).

The ``Idempotency-Key`` header is taken out of the schema schemathesis reads.
Schemathesis draws header values from their schema, and its coverage phase sends
the same well-formed key with different requests; the API rightly answers the
second with 422 (the IETF draft's "key reused with another request"), which
schemathesis would count as a valid request refused. A client sends a fresh key
per request; that contract (replays, reuse, malformed keys) is proven by
``tests/reliability/test_idempotency.py`` instead.
"""

from typing import Any

import schemathesis

HEADER = "idempotency-key"


@schemathesis.hook
def before_load_schema(context: Any, raw_schema: dict[str, Any]) -> None:
    for path in raw_schema.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "parameters" in operation:
                operation["parameters"] = [
                    parameter
                    for parameter in operation["parameters"]
                    if not (parameter.get("in") == "header" and parameter["name"].lower() == HEADER)
                ]
