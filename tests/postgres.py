"""A throwaway PostgreSQL server for the tests: its own cluster (initdb) in a temporary folder, listening
on a Unix socket there only (no TCP port), started and stopped with pg_ctl.

The binaries are Debian's (`apt-get install postgresql`, as .ci/run does): initdb and pg_ctl are in
/usr/lib/postgresql/VERSION/bin, not on PATH. PostgreSQL refuses to run as root, so when the tests run
as root the server runs as the `postgres` user the package creates (else `nobody`); the folder is theirs.
The cluster trusts local connections: the role `grader` needs no password, on this socket only.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl (the newest Debian version first), or None."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if os.access(os.path.join(folder, "initdb"), os.X_OK) and os.access(os.path.join(folder, "pg_ctl"), os.X_OK):
            return Path(folder)
    return None


MISSING = ("PostgreSQL's initdb and pg_ctl are not installed (Debian: apt-get install -y postgresql, "
           "which .ci/run does as root)")


def _as_user() -> list[str]:
    """The prefix that runs a command as an unprivileged user when we are root (else nothing)."""
    if os.geteuid() != 0:
        return []
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return ["setpriv", f"--reuid={name}", f"--regid={pwd.getpwnam(name).pw_gid}", "--init-groups", "--"]
    raise RuntimeError("running as root and there is neither a postgres nor a nobody user to run PostgreSQL as")


@contextmanager
def server(database: str = "gradebook"):
    """Start a cluster, create DATABASE, yield its SQLAlchemy URL (postgresql://grader@/DATABASE?host=
    SOCKET_FOLDER), stop the server and remove the cluster afterwards."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError(MISSING)
    # not under pytest's tmp folder: that is root's (0700) and the server's user could not enter it
    folder = Path(tempfile.mkdtemp(prefix="cnn-postgres-"))
    prefix = _as_user()
    if prefix:
        user = pwd.getpwnam(prefix[1].split("=", 1)[1])
        os.chown(folder, user.pw_uid, user.pw_gid)
    folder.chmod(0o700 if not prefix else 0o755)
    data, log = folder / "data", folder / "server.log"

    def run(*argv: str) -> None:
        proc = subprocess.run([*prefix, *argv], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            tail = log.read_text()[-3000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(argv[:2])} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}{tail}")

    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-U", "grader", "--auth=trust", "-E", "UTF8",
            "--no-locale", "--no-sync")
        # a Unix socket in FOLDER only: no TCP port to clash with anything else on the machine
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
            f"-c listen_addresses='' -c unix_socket_directories='{folder}' -c fsync=off", "start")
        try:
            psql = shutil.which("psql") or str(bin_dir / "psql")
            subprocess.run([psql, "-h", str(folder), "-U", "grader", "-d", "postgres", "-v", "ON_ERROR_STOP=1",
                            "-c", f'CREATE DATABASE "{database}"'], check=True, capture_output=True, timeout=60)
            yield f"postgresql://grader@/{database}?host={folder}"
        finally:
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
