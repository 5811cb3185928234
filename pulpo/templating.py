"""The Jinja2 environment every generated file is rendered with.

The app's templates (``pulpo/templates``) and the stack's (``pulpo/stack/templates``)
ship inside the package and share one set of options: whitespace as a hand-written
file has it, and an undefined name is an error, never an empty string. A module of
its own, so that :mod:`pulpo.generate` and :mod:`pulpo.stack` both use it without
importing each other.
"""

import jinja2


def environment(package: str = "pulpo") -> jinja2.Environment:
    """The Jinja2 environment of the templates in ``package``'s ``templates`` folder.

    Whitespace as a hand-written file has it, and an undefined name is an error,
    never an empty string.
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # the output is Python source, not HTML
    )
    # ``{{ value | py }}`` writes a Python literal; ruff then normalizes its quotes.
    env.filters["py"] = repr
    return env
