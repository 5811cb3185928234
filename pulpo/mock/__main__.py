"""``python -m pulpo.mock --spec spec.json [--host 127.0.0.1] [--port N]``: serve one mock.

The mock image's command. A spec that cannot be served or a port in use is one line on
stderr and exit status 2, never a traceback.
"""

import argparse
import sys
from typing import NoReturn

from pulpo.errors import PulpoError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block
        self.exit(2, f"error: {message} (see python -m pulpo.mock --help)\n")


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"must be an integer in 1..65535, not {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m pulpo.mock", description=__doc__.splitlines()[0])
    parser.add_argument("--spec", required=True, help="The mock's spec file (JSON).")
    parser.add_argument("--host", default="127.0.0.1", help="Interface to bind.")
    parser.add_argument("--port", type=_port, help="Port to listen on (default: the spec's).")
    arguments = parser.parse_args(argv)

    from pulpo.mock.serve import serve
    from pulpo.mock.spec import load

    try:
        serve(
            load(arguments.spec),
            host=arguments.host,
            port=arguments.port,
            announce=lambda line: print(line, file=sys.stderr, flush=True),
        )
    except PulpoError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
