"""The mock upstream: one server that plays any declared upstream from its ``Mock``.

A project declares what its stand-in answers (:class:`pulpo.declare.Mock`); this package
serves it. The mock OFD and the mock Odoo of the store-and-forward document are two
declarations and one image::

    ofd = upstream("ofd", url=OFD_API_URL, mock=Mock(
        port=9000, health="/ofd/v1/health", control="/ofd/v1/_test",
        failure_answer={"error": "OFD unavailable"},
        routes=[MockRoute("POST", "/ofd/v1/receipt", counter="receipts_received",
                          answer={"status": "accepted", "ofd_id": "OFD-{sequence:06d}"})]))

The pieces, one idea each:

- :mod:`pulpo.mock.spec`: the declaration as a JSON file, and its checks;
- :mod:`pulpo.mock.template`: answer templates (``"OFD-{sequence:06d}"``, ``"{unix_time}"``);
- :mod:`pulpo.mock.state`: counters, failure config and received calls;
- :mod:`pulpo.mock.app`: the ASGI app (Starlette): routes, health, control API;
- :mod:`pulpo.mock.serve` and ``python -m pulpo.mock``: uvicorn, for the image and
  ``pulpo mock PROJECT UPSTREAM``.
"""

from pulpo.mock.spec import MockSpec, MockSpecError, dumps, load, parse, problems, spec_of

__all__ = ["MockSpec", "MockSpecError", "dumps", "load", "parse", "problems", "spec_of"]
