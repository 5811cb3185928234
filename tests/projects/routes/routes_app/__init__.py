"""Operations served where the project wants them, an upstream, and settings.

The generation and e2e tests' project for issue 10's routes: a GET with query
parameters, POSTs that require an Idempotency-Key (one receiving it as a parameter),
a POST without parameters, a DELETE, and a declared upstream whose breaker /health
reports.
"""
