"""devstack.common's port check: a port a stopped stack left in TIME-WAIT is free, one something listens on is not."""

import socket
import time
from pathlib import Path

import pytest

from devstack.common import ensure_ports_free

TCP_TIME_WAIT = "06"  # the state column of /proc/net/tcp


def in_time_wait(port: int) -> bool:
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if int(local.rsplit(":", 1)[1], 16) == port and state == TCP_TIME_WAIT:
            return True
    return False


def leave_in_time_wait() -> int:
    """A port with no listener whose last connection the server side closed first, as a stopped server does.

    The listener sets SO_REUSEADDR as every server of the stack does (http.server's allow_reuse_address): its
    connections' TIME-WAIT then blocks only a bind without the option."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = listener.accept()
    listener.close()
    accepted.close()  # the active close: this end, bound to `port`, goes to TIME-WAIT
    client.recv(1)  # the FIN arrived
    client.close()
    deadline = time.monotonic() + 5
    while not in_time_wait(port):
        assert time.monotonic() < deadline, "the connection never reached TIME-WAIT"
        time.sleep(0.01)
    return port


def test_given_port_whose_connections_sit_in_time_wait_when_checked_then_it_counts_as_free():
    port = leave_in_time_wait()

    ensure_ports_free("127.0.0.1", {"API": port})  # raised SystemExit while the old connection was in TIME-WAIT

    assert in_time_wait(port)  # still there: the check passed with it, not after it


def test_given_port_something_listens_on_when_checked_then_exit_names_it():
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        with pytest.raises(SystemExit, match=rf"port {port} \(API\) is in use"):
            ensure_ports_free("127.0.0.1", {"API": port})
