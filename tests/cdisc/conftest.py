"""The center's fixtures (demo sites, transfer files, PostgreSQL) for test_center."""

from tests.center.conftest import network, postgres_server, postgres_url

__all__ = ["network", "postgres_server", "postgres_url"]
