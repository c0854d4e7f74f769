#!/usr/bin/python3
"""Echo peer for the wsx interop tests, on Debian's python3-websockets (10.4, legacy asyncio API).

Run it with /usr/bin/python3: the module lives in Debian's dist-packages, not in a pyenv python.
It serves the same echo behaviour on four 127.0.0.1 ports, all chosen by the kernel:

  ws    plain ws://, with python-websockets' default permessage-deflate (window 12 both ways)
  plain plain ws:// without compression
  wss   wss:// with test/fixtures/tls/server.crt (signed by ca.crt), compression as ws
  mtls  wss:// that also requires a client certificate signed by client-ca.crt

Protocol, shared with test/helpers/peers.ts:
  * every message is echoed with its type;
  * a text message "__wsc_close__ <code> <reason>" makes the server close with that code and reason;
  * subprotocols wsx.v1 and wsx.v2: the first one the client offers wins;
  * a request for a path under /forbidden is refused with HTTP 403 (process_request).

Stdout carries one JSON object per line: first {"ws": port, "plain": port, ...} once every
server listens, then {"event": "open" | "closed", ...} per connection. The server stops on SIGTERM,
SIGINT or when its stdin closes (so it never outlives the test that started it).
"""

import asyncio
import http
import json
import pathlib
import signal
import ssl
import sys

import websockets

TLS_DIR = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "tls"
PROTOCOLS = ["wsx.v1", "wsx.v2"]
CLOSE_COMMAND = "__wsc_close__ "


def emit(value):
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


def select_subprotocol(client_protocols, server_protocols):
    # The default picks by the sum of both list positions; the other peers use client order.
    for protocol in client_protocols:
        if protocol in server_protocols:
            return protocol
    return None


async def process_request(path, request_headers):
    if path.startswith("/forbidden"):
        return (
            http.HTTPStatus.FORBIDDEN,
            [("Content-Type", "text/plain"), ("X-Refused-By", "python-websockets")],
            b"forbidden by the interop server\n",
        )
    return None


def make_handler(name):
    async def handler(websocket):
        emit(
            {
                "event": "open",
                "server": name,
                "path": websocket.path,
                "subprotocol": websocket.subprotocol,
                "origin": websocket.request_headers.get("Origin"),
                "extensions": websocket.response_headers.get("Sec-WebSocket-Extensions"),
            }
        )
        try:
            async for message in websocket:
                if isinstance(message, str) and message.startswith(CLOSE_COMMAND):
                    code, _, reason = message[len(CLOSE_COMMAND) :].partition(" ")
                    await websocket.close(int(code), reason)
                    break
                await websocket.send(message)
        except websockets.ConnectionClosed:
            pass
        await websocket.wait_closed()
        emit(
            {
                "event": "closed",
                "server": name,
                "path": websocket.path,
                "code": websocket.close_code,
                "reason": websocket.close_reason,
            }
        )

    return handler


def server_context(require_client_certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(TLS_DIR / "server.crt", TLS_DIR / "server.key")
    if require_client_certificate:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(TLS_DIR / "client-ca.crt")
    return context


async def wait_for_stdin_eof(loop):
    reader = asyncio.StreamReader()
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    except (OSError, ValueError):
        # stdin is a regular file or closed: rely on signals alone.
        await asyncio.Future()
    while await reader.read(65536):
        pass


async def main():
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, lambda: stop.done() or stop.set_result(None))

    common = dict(
        subprotocols=PROTOCOLS,
        select_subprotocol=select_subprotocol,
        process_request=process_request,
        max_size=None,
        max_queue=None,
        ping_interval=None,
        close_timeout=5,
    )
    contexts = {
        "ws": None,
        "plain": None,
        "wss": server_context(False),
        "mtls": server_context(True),
    }
    servers = {}
    for name, context in contexts.items():
        extra = {} if context is None else {"ssl": context}
        if name == "plain":
            extra["compression"] = None
        servers[name] = await websockets.serve(
            make_handler(name), "127.0.0.1", 0, **common, **extra
        )
    emit({name: server.sockets[0].getsockname()[1] for name, server in servers.items()})

    stdin_closed = asyncio.ensure_future(wait_for_stdin_eof(loop))
    await asyncio.wait([stop, stdin_closed], return_when=asyncio.FIRST_COMPLETED)
    stdin_closed.cancel()
    for server in servers.values():
        server.close()
    for server in servers.values():
        await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
