#!/usr/bin/python3
# t/browser/ws_echo.py: the WebSocket echo backend of t/browser_protect.t,
# behind httpd's `ProxyPass /protect/ws/ ... upgrade=websocket`.
#
#   /usr/bin/python3 t/browser/ws_echo.py PORT LOG READY
#
# Listens on 127.0.0.1:PORT (Debian's python3-websockets) and echoes every
# message. Appends to LOG one line per TCP connection accepted ("connect"),
# before anything is read from it, one per handshake ("handshake PATH
# origin=ORIGIN") and one per message ("message PATH TEXT"): a connection
# CorsProtect refused in httpd never shows up here. Writes its pid to READY
# once it listens. Exits on SIGTERM, when its parent (the test) is gone, or
# after LIMIT seconds, whichever comes first: it never outlives the test.
import asyncio
import os
import sys
import time

import websockets
from websockets.legacy.server import WebSocketServerProtocol

LIMIT = 300

port, log_path, ready_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
parent = os.getppid()


def log(line):
    with open(log_path, 'a') as f:
        f.write(line + '\n')


class LoggingProtocol(WebSocketServerProtocol):
    def connection_made(self, transport):
        peer = transport.get_extra_info('peername')
        log('connect %s:%s' % (peer[0], peer[1]))
        super().connection_made(transport)


async def on_request(path, headers):
    log('handshake %s origin=%s' % (path, headers.get('Origin', '-')))
    return None    # go on with the handshake


async def echo(ws, path=None):
    async for message in ws:
        log('message %s %s' % (ws.path, message))
        await ws.send(message)


async def main():
    async with websockets.serve(echo, '127.0.0.1', port,
                                create_protocol=LoggingProtocol,
                                process_request=on_request):
        with open(ready_path + '.tmp', 'w') as f:
            f.write('%d\n' % os.getpid())
        os.rename(ready_path + '.tmp', ready_path)
        deadline = time.monotonic() + LIMIT
        while os.getppid() == parent and time.monotonic() < deadline:
            await asyncio.sleep(0.2)


asyncio.run(main())
