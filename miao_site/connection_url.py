"""The database this process uses, as a DATABASE_URL for another process."""

from urllib.parse import quote, urlencode

from django.db import connection


def connection_url(name: str | None = None) -> str:
    """A DATABASE_URL for the default connection's database (or another database
    `name` on the same server), for a child process such as `manage.py` run by
    a test or the benchmark.

    The connection parameters come from the open connection, so the URL is
    right for a server named by DATABASE_URL and for the embedded one, whose
    address is a socket folder given as `?host=`."""
    params = connection.get_connection_params()
    user = quote(params.get("user") or "", safe="")
    password = f":{quote(params['password'], safe='')}" if params.get("password") else ""
    host = params.get("host") or ""
    port = params.get("port") or ""
    dbname = name or connection.settings_dict["NAME"]
    if host.startswith("/"):
        query = {"host": host, **({"port": port} if port else {})}
        return f"postgresql://{user}{password}@/{dbname}?{urlencode(query)}"
    netloc = f"{host}:{port}" if port else host
    return f"postgresql://{user}{password}@{netloc}/{dbname}"
