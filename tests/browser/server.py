"""Serve the app on a listening socket inherited from the test process: ``python -m tests.browser.server FD``.

The fixture binds a free 127.0.0.1 port itself and hands the socket over, so there is no window in which
another process could take the port, and requests made before the app is up simply wait in the backlog.
"""

from __future__ import annotations

import socket
import sys

import uvicorn


def main() -> None:
    listener = socket.socket(fileno=int(sys.argv[1]))  # family and type are read from the descriptor
    server = uvicorn.Server(uvicorn.Config("handler.app:app", log_level="warning"))
    server.run(sockets=[listener])


if __name__ == "__main__":
    main()
