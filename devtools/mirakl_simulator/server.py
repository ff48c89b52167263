"""The HTTP transport: stdlib ThreadingHTTPServer, plus the deliberate misbehaviour of faults."""

import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .web import Request


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "MiraklSimulator/1.0"
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's
    # delayed ACK (~40 ms), capping keep-alive clients at ~22 calls/s.
    disable_nagle_algorithm = True

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(self.command, self.path, dict(self.headers.items()), body)
        response = self.server.simulator.handle(request)
        fault = getattr(response, "fault", None)
        kind = fault["kind"] if fault else None
        if kind == "delay":
            time.sleep(fault["seconds"])
        if kind == "reset":
            # SO_LINGER 0: close() sends a TCP RST instead of a clean FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        try:
            self._write(response, kind)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up first (the point of a delay fault): nobody is left to answer.
            self.close_connection = True

    def _write(self, response, kind):
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if kind == "truncated":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if kind == "truncated":
            self.wfile.write(response.body[: len(response.body) // 2])
        elif self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        if self.server.verbose:
            super().log_message(format, *args)


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    # Keep-alive handler threads wait for their client; stopping must not wait for them.
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, simulator, host="127.0.0.1", port=0, verbose=False):
        super().__init__((host, port), _Handler)
        self.simulator = simulator
        self.verbose = verbose
        simulator.base_url = "http://%s:%d" % (host, self.server_address[1])
        self._thread = None

    def start_background(self):
        # A short poll interval keeps stop() quick for suites that start one simulator per test.
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="mirakl-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()
        if self._thread:
            self._thread.join()
