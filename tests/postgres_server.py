"""A throwaway PostgreSQL cluster for the SQL-source tests and benchmark.

The cluster lives in a temporary folder: a unix socket there for trusted local access, and
127.0.0.1 on a free port with password (SCRAM) authentication, so that tests can check
that PGPASSWORD and a password file are honoured. It is stopped and removed by `stop()`.
PostgreSQL refuses to run as root: as root the server runs as the `postgres` user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER = "parcours"
PASSWORD = "s3cret-Pa55"  # a test cluster's only account, on loopback
DATABASE = "events"


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, or Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    return Path(versions[-1]).parent if versions else None


@dataclass
class Server:
    folder: Path
    port: int
    bin: Path

    @property
    def socket_uri(self) -> str:
        """Trusted access over the unix socket (no password)."""
        return f"postgresql://{USER}@/{DATABASE}?host={self.folder}&port={self.port}"

    @property
    def tcp_uri(self) -> str:
        """Loopback access, which asks for the password."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, *command: str) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, *command], check=True, capture_output=True, text=True, timeout=120
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._run(
                str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "stop"
            )
        shutil.rmtree(self.folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start() -> Server:
    """Start a cluster with database `events`; raises RuntimeError naming what failed."""
    folder_bin = binaries()
    if folder_bin is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl)")
    folder = Path(tempfile.mkdtemp(prefix="parcours-pg-"))
    folder.chmod(0o755)
    server = Server(folder, _free_port(), folder_bin)
    (folder / "pw").write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        shutil.chown(folder / "pw", "postgres", "postgres")
    try:
        server._run(
            str(folder_bin / "initdb"),
            "-D",
            str(folder / "data"),
            "-U",
            USER,
            f"--pwfile={folder / 'pw'}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
        )
        options = (
            f"-k {folder} -p {server.port} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        server._run(
            str(folder_bin / "pg_ctl"),
            "-D",
            str(folder / "data"),
            "-o",
            options,
            "-l",
            str(folder / "server.log"),
            "-w",
            "start",
        )
        server._run(
            str(folder_bin / "createdb"),
            "-h",
            str(folder),
            "-p",
            str(server.port),
            "-U",
            USER,
            DATABASE,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        server.stop()
        raise RuntimeError(f"could not start PostgreSQL: {exc} {detail}".strip()) from None
    return server


def load(uri: str, name: str, table: object) -> None:
    """Create table `name` from an Arrow table (through COPY), replacing it."""
    import adbc_driver_postgresql.dbapi as pg

    with pg.connect(uri) as con, con.cursor() as cur:
        cur.execute(f'DROP TABLE IF EXISTS "{name}"')
        cur.adbc_ingest(name, table, mode="create")
        con.commit()


def execute(uri: str, *statements: str) -> None:
    import adbc_driver_postgresql.dbapi as pg

    with pg.connect(uri) as con, con.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
        con.commit()
