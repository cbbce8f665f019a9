"""Start nbgrader's formgrader for this course (`make formgrader`), to grade the written answers by hand.

The formgrader reads nbgrader_config.py from the folder Jupyter starts in, and finds an empty course
("No data available") anywhere else; so this starts JupyterLab in autograder/, serving the course root
(nbgrader wants the course inside the server's root), on 127.0.0.1 only, with a token it prints:

    make formgrader                       # or: .venv/bin/python autograder/formgrader.py [--port 8890]

and then prints the address to open, http://127.0.0.1:PORT/formgrader?token=TOKEN. The Jupyter
configuration of jupyter/instructor applies (nbgrader's student panels off: this course hands out and
collects through the LMS, not nbgrader's exchange). Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(root: Path, port: int, token: str) -> tuple[list[str], dict[str, str], Path]:
    """The command line, environment and working folder of the formgrader's Jupyter server."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")  # kernels, alembic
    env["JUPYTER_CONFIG_PATH"] = str(root / "jupyter" / "instructor")
    env["JUPYTER_TOKEN"] = token  # not on the command line, where `ps` shows it to everyone
    argv = [sys.executable, "-m", "jupyterlab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.default_url=/formgrader"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # a container or a VM: Jupyter refuses root otherwise
        argv.append("--allow-root")
    return argv, env, root / "autograder"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=str(HERE.parent), help="course root (default: the repository)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--token", default=os.environ.get("CNN_FORMGRADER_TOKEN") or secrets.token_hex(24),
                        help="the token to log in with (default: a new random one)")
    parser.add_argument("--gradebook", metavar="URL", default=None,
                        help="the gradebook's database URL (default: the environment variable GRADEBOOK, else "
                             "autograder/gradebook.db)")
    args = parser.parse_args(argv)
    if args.gradebook:  # nbgrader_config.py reads it in the formgrader's server
        os.environ["GRADEBOOK"] = args.gradebook
    root = Path(args.root).resolve()
    if not (root / "autograder" / "nbgrader_config.py").is_file():
        parser.error(f"{root} is not the course: it has no autograder/nbgrader_config.py")
    port = args.port or free_port()
    cmd, env, cwd = command(root, port, args.token)
    if not os.environ.get("GRADEBOOK") and not (root / "autograder" / "gradebook.db").exists():
        print("note: no gradebook yet (autograder/gradebook.db): the formgrader lists submissions once "
              "`make grade` has graded some.", flush=True)
    print(f"Formgrader of {root}:\n\n    http://127.0.0.1:{port}/formgrader?token={args.token}\n\n"
          f"(JupyterLab: http://127.0.0.1:{port}/lab?token={args.token}). Ctrl-C stops it.", flush=True)
    os.chdir(cwd)
    os.execve(cmd[0], cmd, env)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
