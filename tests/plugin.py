"""Chooses the test database before Django starts.

`pytest` runs on SQLite; `pytest --db=postgres` starts a private PostgreSQL server
(tests/servers.py) and points DATABASE_URL at it. The hook runs before
pytest-django reads the settings; xdist workers inherit the controller's server.
It also sets the tests' own settings variables (tests.helpers.TEST_SETTINGS).
"""

import os

import pytest

from tests.helpers import TEST_SETTINGS
from tests.servers import PostgresServer

STARTED_FLAG = "COMMONS_TEST_POSTGRES"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=["sqlite", "postgres"],
        default=os.environ.get("TEST_DB", "sqlite"),
        help="database to run the suite on (a private server is started for postgres)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    options = parser.parse_known_args(args)
    if options.help or options.version:
        return
    # The settings of the tests, whatever the shell that runs them has set.
    os.environ.pop("DEBUG", None)
    os.environ.update(TEST_SETTINGS)
    if options.db == "sqlite":
        # The SQLite run must not reach a server the shell happens to point at.
        os.environ.pop("DATABASE_URL", None)
        return
    if os.environ.get(STARTED_FLAG):
        return
    server = PostgresServer().start()
    early_config.add_cleanup(server.stop)
    os.environ["DATABASE_URL"] = server.url
    os.environ[STARTED_FLAG] = server.url
