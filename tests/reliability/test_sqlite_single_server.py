"""SQLite is single-server: a second `tenantsim serve` on the same database file refuses to start and
says why; once the first one is gone, even by kill -9, a server starts on the file again."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.procs import Server, children


def test_second_server_on_one_sqlite_file_refuses_with_a_clear_message(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'tenantsim.db').as_posix()}"
    first = Server(tmp_path, url, name="first")
    second = Server(tmp_path, url, name="second")
    with children(first, second):
        first.start()
        second.start(wait=False)
        assert second.child is not None
        code = second.child.proc.wait(timeout=60)
        said = second.child.output()
        assert code != 0
        assert "another tenantsim server" in said.lower() and "PostgreSQL" in said, said[-1500:]
        assert first.call("GET", "/api/health").status_code == 200, "the first server is untouched"

        first.kill9()  # the kernel drops the lock with the process
        second.start()
        assert second.call("GET", "/api/health").status_code == 200
