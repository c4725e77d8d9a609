"""A TCP proxy in front of Postgres that the test can cut and restore: a real outage (every
connection dropped, new ones refused) and a real recovery, on the same address."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Proxy:
    def __init__(self, dsn: str) -> None:
        parts = urlsplit(dsn)
        socket_dir = parse_qs(parts.query).get("host", [""])[0]
        if socket_dir.startswith("/"):  # the embedded server: a unix socket only
            found = sorted(Path(socket_dir).glob(".s.PGSQL.*"))
            found = [path for path in found if not path.name.endswith(".lock")]
            assert found, f"no Postgres socket in {socket_dir}"
            self._socket: str | None = str(found[0])
        else:
            assert parts.hostname and parts.port, f"no Postgres address in {dsn}"
            self._socket = None
            self._target = (parts.hostname, parts.port)
        self.port = free_port()
        user = parts.username or "postgres"
        self.dsn = urlunsplit(parts._replace(netloc=f"{user}@127.0.0.1:{self.port}", query=""))
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def stop(self) -> None:
        """The outage: no new connection, and every open one cut."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self._socket is not None:
                up_reader, up_writer = await asyncio.open_unix_connection(self._socket)
            else:
                up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.close()
            return
        self._writers.update({writer, up_writer})
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            with contextlib.suppress(Exception):
                writer.close()
            self._writers.discard(writer)
