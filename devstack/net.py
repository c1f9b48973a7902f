"""Ports for local stacks."""

import socket


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (for tests and benchmarks that start their own stack)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def ensure_ports_free(host: str, ports: dict[str, int]) -> None:
    """Fail at once, naming the port, rather than half-starting next to another stack."""
    for name, port in ports.items():
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:
                raise SystemExit(
                    f"port {port} ({name}) is in use: stop the other stack or choose another port"
                ) from None
