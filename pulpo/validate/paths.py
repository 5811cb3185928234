"""What a declared URL path may be: an operation's route, a mock upstream's routes.

A path is written as it is sent: it starts with ``/``, its segments are made of
RFC 3986's path characters (letters, digits, ``-._~``, ``!$&'()*+,;=:@`` and
``%XX`` escapes), and none is empty, ``.`` or ``..`` (a client or a proxy would
rewrite those). ``{name}`` path parameters are not supported: an operation's
inputs come from its body or its query string.
"""

import re

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
"""The methods a declared route may answer."""

_SEGMENT = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})+")


def path_problem(path: object) -> str | None:
    """Why ``path`` is not a path a route can be declared at; None when it is."""
    if not isinstance(path, str) or not path.startswith("/"):
        return f"path {path!r:.80} must be a string that starts with '/'"
    if path == "/":
        return None
    if "{" in path or "}" in path:
        return f"path {path!r:.80} has a {{parameter}}: path parameters are not supported"
    for segment in path[1:].split("/"):
        if segment in ("", ".", ".."):
            return f"path {path!r:.80} has an empty, '.' or '..' segment"
        if not _SEGMENT.fullmatch(segment):
            return f"path {path!r:.80} holds a character a URL path cannot (escape it as %XX)"
    return None


def method_problem(method: object) -> str | None:
    """Why ``method`` is not one a declared route may answer; None when it is."""
    if isinstance(method, str) and method in METHODS:
        return None
    return f"method {method!r:.40} must be one of {', '.join(METHODS)} (in capitals)"
