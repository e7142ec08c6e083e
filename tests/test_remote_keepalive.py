"""The remote store never reads a stale answer from a kept-alive connection the server gave up.

Oxigraph's server 0.5 writes an unsolicited "500 Resource temporarily unavailable (os error 11)"
on a connection idle for 60 s; a client that reuses it reads that as the answer to its next
query (it failed the remote-store run of the suite). A small HTTP server does the same here
after 0.5 s, so the test takes seconds, not a minute.
"""

from __future__ import annotations

import socket
import threading
import time

from cipt_graph.store import RemoteStore

ASK_TRUE = b'{"head":{},"boolean":true}'


def _serve(listener: socket.socket, stop: threading.Event) -> None:
    def handle(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(0.5)
            while not stop.is_set():
                try:
                    request = conn.recv(65536)
                except TimeoutError:  # idle: answer with a stale error, as Oxigraph does, and hang on
                    conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\n"
                                 b"content-length: 46\r\n\r\nResource temporarily unavailable (os error 11)")
                    time.sleep(2)
                    return
                if not request:
                    return
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/sparql-results+json\r\n"
                             b"content-length: %d\r\n\r\n%s" % (len(ASK_TRUE), ASK_TRUE))

    listener.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def test_a_connection_idle_past_the_server_timeout_is_not_reused():
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    thread = threading.Thread(target=_serve, args=(listener, stop), daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/query"
        store = RemoteStore(url, union_default_graph=True, query_method="get")
        assert bool(store.raw_query("ASK {}")) is True
        time.sleep(1.5)  # the server has written its stale 500 on the kept-alive connection by now
        assert bool(store.raw_query("ASK {}")) is True
    finally:
        stop.set()
        thread.join(5)
        listener.close()
