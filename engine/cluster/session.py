"""Which dask.distributed cluster runs the work: the one at an address, the current
client's, or a local one started on first use."""

from __future__ import annotations

from typing import Any

_LOCAL: dict[str, Any] = {}


def connect(scheduler: str | None = None) -> Any:
    """A dask.distributed Client: to `scheduler` if given, else the current client, else
    a local cluster (one worker process per core) kept for this Python process."""
    try:
        from distributed import Client, LocalCluster, get_client
    except ImportError as error:
        from ..errors import InputError

        raise InputError(
            "the dask backend needs dask.distributed: pip install 'parcours[dask]'"
        ) from error
    import logging

    # P2P shuffles log each start and end at WARNING level: routine, not a warning.
    logging.getLogger("distributed.shuffle").setLevel(logging.ERROR)
    if scheduler:
        try:
            return Client(scheduler, timeout="30s")
        except OSError as error:
            from ..errors import InputError

            raise InputError(
                f"cannot reach the dask scheduler at {scheduler!r} ({error}); check the "
                "address (tcp://HOST:8786) or leave it out to start a local cluster"
            ) from None
    try:
        return get_client()
    except ValueError:
        pass
    if "client" not in _LOCAL:
        # The scheduler serves HTTP even without a dashboard: on a free port (":0"), not
        # 8787, so that a second cluster on the machine prints no "port in use" warning.
        # A task's failure reaches the caller as its exception, which parcours turns into
        # one line; the workers' own log of it (a traceback per task) is not printed.
        cluster = LocalCluster(
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.CRITICAL,
        )
        _LOCAL["client"] = Client(cluster)
    return _LOCAL["client"]


def close_local(client: Any) -> None:
    """Shut down the local cluster started by `connect`, if `client` is its client."""
    if _LOCAL.get("client") is client:
        cluster = client.cluster
        client.close()
        cluster.close()
        del _LOCAL["client"]


def close_started() -> None:
    """Shut down the local cluster `connect` started, if any: before the process exits,
    so that no message of its workers arrives while the interpreter tears down (a
    traceback on stderr after a one-line error)."""
    client = _LOCAL.get("client")
    if client is not None:
        close_local(client)
