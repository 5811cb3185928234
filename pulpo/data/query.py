"""Small helpers that turn API query parameters into MongoDB query parts."""


def sort_order(sort: str | None) -> list[tuple[str, int]]:
    """``"-level"`` → ``[("level", -1)]``; ``"name"`` → ``[("name", 1)]``; ``None`` → ``[]``."""
    if not sort:
        return []
    if sort.startswith("-"):
        return [(sort[1:], -1)]
    return [(sort, 1)]
