"""What the `omnisales` command says about itself: bad settings, where its data is, closed pipes."""

from __future__ import annotations

import os
import re
import sys

from pydantic import ValidationError

from settings import Settings

# Read by libraries from the process environment, not by the settings: taken from `.env` too.
LIBRARY_PREFIXES = ("OTEL_", "LANGSMITH_", "LANGCHAIN_", "PROMETHEUS_MULTIPROC_DIR")

# `mongodb://user:password@host1,host2/db?opts` -> `host1,host2`: never the credentials.
_HOSTS = re.compile(r"^[a-z+]+://(?:[^@/]*@)?([^/?]*)")


def settings_error(exc: ValidationError) -> str:
    """One line naming the environment variable that is wrong and what it should be.

    The value given is never repeated: it may be a key or a password.
    """
    problems = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["loc"]:
            name = str(error["loc"][0]).upper()
            message = message.replace("Input should be", "expected", 1)
            problems.append(f"{name}: {message}")
        else:  # a rule over several settings names its variables itself
            problems.append(message)
    return "invalid settings: " + "; ".join(problems)


def where(settings: Settings) -> str:
    """Which data directory and database a command works on, for stderr.

    Run from another folder, a relative DATA_DIR is another shop: saying where it is avoids
    filling a second one without noticing.
    """
    data_dir = settings.data_dir.resolve()
    if settings.mongo_uri:
        match = _HOSTS.match(settings.mongo_uri)
        hosts = match.group(1) if match else "MONGO_URI"
        return f"omnisales: database {settings.db_name!r} on {hosts} (MONGO_URI); data {data_dir}"
    return (f"omnisales: database {settings.db_name!r} in the embedded server under "
            f"{data_dir} (MONGO_URI unset)")


def silence_stdout() -> None:
    """Point stdout at /dev/null after its reader left (`omnisales ask ... | head`).

    Nothing more can be written, and Python's flush at exit then reports no 'Exception ignored'.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def export_library_settings(env_file: str = ".env") -> None:
    """Put `.env`'s OpenTelemetry, LangSmith and Prometheus variables in the environment.

    Those libraries read only the process environment; a variable already set there wins, and an
    empty one in the file is left unset.
    """
    from dotenv import dotenv_values

    for name, value in dotenv_values(env_file).items():
        if value and name.startswith(LIBRARY_PREFIXES) and name not in os.environ:
            os.environ[name] = value
