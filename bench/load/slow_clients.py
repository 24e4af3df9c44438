#!/usr/bin/env python3
"""Slow clients against a running `unspun serve` (issue #13): opens N connections that send
a request body one byte per second (or a request head one byte per second), then sends normal
/v1/trace and /healthz requests for a while and prints what they answered. A measurement, not
a test. Only the given loopback address is contacted; every socket is closed at the end.

    python3 bench/load/slow_clients.py 127.0.0.1:18081 body 100 20
    python3 bench/load/slow_clients.py 127.0.0.1:18081 header 1000 20
    # args: ADDR MODE(body|header) N_SLOW SECONDS
"""
import collections
import http.client
import json
import socket
import sys
import threading
import time

addr, mode, n_slow, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
host, port = addr.rsplit(":", 1)
port = int(port)
TEXT = ("The central bank raised interest rates by half a percentage point on Tuesday. "
        "Officials said inflation had spread from energy into food and rents.")

stop = threading.Event()
socks = []
n_open_failed = 0


def drip(sock, head, rest):
    """Sends head at once, then rest one byte per second until stopped or closed."""
    try:
        sock.sendall(head)
        for byte in rest:
            if stop.wait(1.0):
                return
            sock.sendall(bytes([byte]))
    except OSError:
        pass


body = json.dumps({"text": TEXT}).encode()
for _ in range(n_slow):
    try:
        sock = socket.create_connection((host, port), timeout=5)
    except OSError:
        n_open_failed += 1
        continue
    socks.append(sock)
    if mode == "body":
        head = (f"POST /v1/trace HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        rest = body
    else:
        head, rest = b"", b"POST /v1/trace HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"
    threading.Thread(target=drip, args=(sock, head, rest), daemon=True).start()
time.sleep(1.0)


def ask(method, path, payload=None):
    try:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        headers = {"Content-Type": "application/json"} if payload else {}
        conn.request(method, path, body=payload, headers=headers)
        status = conn.getresponse().status
        conn.close()
        return str(status)
    except (OSError, http.client.HTTPException) as error:
        return type(error).__name__


answers = {"trace": collections.Counter(), "healthz": collections.Counter()}
end = time.time() + seconds
while time.time() < end:
    answers["trace"][ask("POST", "/v1/trace", body)] += 1
    answers["healthz"][ask("GET", "/healthz")] += 1
    time.sleep(0.2)
stop.set()
for sock in socks:
    sock.close()
print(f"{mode}: {n_slow} slow connections ({n_open_failed} could not connect); "
      f"trace answers {dict(answers['trace'])}; healthz answers {dict(answers['healthz'])}")
