"""Running a local stand-in for a remote service (Twilio, LINE) in a thread of this process: a uvicorn server on a
free port of 127.0.0.1, for the demo and the tests. Each stand-in speaks its service's wire format in app()."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn


class LocalServer:
    """A stand-in's start and stop; the subclass gives its Litestar app() and its name (for the thread and errors)."""

    name = "stand-in"
    url = ""
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    def app(self):
        raise NotImplementedError

    def start(self, port: int = 0) -> str:
        if not port:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
        config = uvicorn.Config(self.app(), host="127.0.0.1", port=port, log_level="warning", access_log=False,
                                lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=f"fake-{self.name}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the local {self.name} did not start")
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    def stop(self) -> None:
        if self._server:
            self._server.should_exit = True
            self._thread.join(timeout=5)
