"""Operations served at a method and path of their own, each wrong in one way."""

from pydantic import BaseModel

from pulpo import IdempotencyKey, operation


class Done(BaseModel):
    ok: bool = True


class Filter(BaseModel):
    name: str


@operation("shop.routes.fetch", method="FETCH", path="/v1/fetch")
async def fetch() -> Done:
    return Done()


@operation("shop.routes.relative", method="GET", path="v1/relative")
async def relative() -> Done:
    return Done()


@operation("shop.routes.templated", method="GET", path="/v1/items/{item}")
async def templated() -> Done:
    return Done()


@operation("shop.routes.health", method="GET", path="/health")
async def health() -> Done:
    return Done()


@operation("shop.routes.gadgets", method="GET", path="/gadgets/count")
async def gadgets() -> Done:
    return Done()


@operation("shop.routes.status", method="GET", path="/v1/status")
async def status() -> Done:
    return Done()


@operation("shop.routes.status_again", method="GET", path="/v1/status")
async def status_again() -> Done:
    return Done()


@operation("shop.routes.status_post", method="POST", path="/v1/status")
async def status_post() -> Done:  # another method at the same path: fine
    return Done()


@operation("shop.routes.search", method="GET", path="/v1/search")
async def search(
    tags: list[str],
) -> Done:
    return Done()


@operation("shop.routes.lookup", method="DELETE", path="/v1/lookup")
async def lookup(
    gadget_filter: Filter,
) -> Done:
    return Done()


@operation("shop.routes.peek", method="GET", path="/v1/peek", idempotency="required")
async def peek() -> Done:
    return Done()


@operation("shop.routes.replace", method="PUT", path="/v1/replace")
async def replace(
    put_key: IdempotencyKey,
) -> Done:
    return Done()


@operation("shop.routes.maybe", idempotency="sometimes")  # type: ignore[arg-type]
async def maybe() -> Done:
    return Done()


@operation("shop.routes.two_keys")
async def two_keys(
    first_key: IdempotencyKey,
    second_key: IdempotencyKey,
) -> Done:
    return Done()
