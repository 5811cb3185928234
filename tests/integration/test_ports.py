"""pulpo.run.processes: the one free-port helper, and whether a given port is taken."""

import socket

import pytest

from pulpo.run.processes import LOOPBACK, free_port, port_free

pytestmark = pytest.mark.integration


def test_a_free_port_can_be_listened_on_and_is_taken_while_it_is() -> None:
    port = free_port()
    assert 0 < port < 65536 and port_free(LOOPBACK, port)
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((LOOPBACK, port))
        server.listen()
        assert not port_free(LOOPBACK, port)
    assert port_free(LOOPBACK, port)


def test_successive_free_ports_differ_while_each_is_in_use() -> None:
    taken: list[socket.socket] = []
    try:
        for _ in range(3):
            port = free_port()
            assert port not in [sock.getsockname()[1] for sock in taken]
            sock = socket.socket()
            sock.bind((LOOPBACK, port))
            sock.listen()
            taken.append(sock)
    finally:
        for sock in taken:
            sock.close()
