"""Faults: the server killed with SIGKILL mid-commit, and the database going away and back."""

from __future__ import annotations

import os
import select as io_select
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading

import pytest
import sqlalchemy as sa
from conftest import POSTGRES_URL, Respondent

WRITER = textwrap.dedent('''
    import sys, uuid
    from sqlalchemy.orm import Session
    from survey_app.db import create_db_engine
    from survey_app.respond.submission import Submission, record_submission

    engine = create_db_engine(sys.argv[1])
    round_id = int(sys.argv[2])
    with Session(engine) as session:
        for n in range(1000):
            submission = Submission(submission_id=str(uuid.uuid4()), answers={"access_easy": 1 + n % 5})
            outcome = record_submission(session, round_id, submission)
            # acknowledged only after the commit returned, as the thank-you page is
            print(submission.submission_id, flush=True)
''')


def test_sigkill_during_1000_commits_keeps_every_acknowledged_answer(database_url, make_round, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("crash consistency of the embedded database; PostgreSQL has its own WAL guarantees")
    round_ = make_round()
    child = subprocess.Popen([sys.executable, "-c", WRITER, database_url, str(round_.id)],
                             stdout=subprocess.PIPE, text=True)
    acknowledged = []
    while len(acknowledged) < 300:
        line = child.stdout.readline()
        assert line, "the writer stopped early"
        acknowledged.append(line.strip())
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    acknowledged += [line.strip() for line in child.stdout.read().splitlines() if line.strip()]
    child.stdout.close()
    path = database_url.removeprefix("sqlite:///")
    connection = sqlite3.connect(path)
    try:
        assert [row[0] for row in connection.execute("PRAGMA integrity_check")] == ["ok"]
        stored = {row[0] for row in connection.execute("SELECT submission_id FROM responses")}
    finally:
        connection.close()
    assert set(acknowledged) <= stored
    assert len(stored) < 1000  # it really was killed mid-way


class TcpProxy:
    """A loopback TCP proxy to PostgreSQL that can be cut and restored, like a network outage."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.running = False

    def start(self):
        if not self.running:
            self.listener = socket.socket()
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.listener.bind(("127.0.0.1", self.port))
            self.listener.listen()
            self.running = True
            threading.Thread(target=self._accept, daemon=True).start()

    def cut(self):
        self.running = False
        try:
            # shutdown wakes the thread blocked in accept(); close alone would leave it accepting
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        for connection in self.connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()
        self.connections.clear()

    def _accept(self):
        listener = self.listener
        while self.running:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.connections += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while True:
                ready, _, _ = io_select.select([a, b], [], [], 1.0)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (b if sock is a else a).sendall(data)
        except (OSError, ValueError):
            # the proxy was cut under this thread: its sockets are closed (fd -1)
            return


@pytest.mark.skipif(not POSTGRES_URL, reason="needs SURVEY_TEST_DATABASE_URL (PostgreSQL)")
def test_postgresql_outage_gives_503_then_recovers_without_restart(app_config, make_round, database_url):
    from survey_app import create_app

    if not database_url.startswith("postgresql"):
        pytest.skip("this test drives the PostgreSQL backend")
    url = sa.make_url(database_url)
    proxy = TcpProxy(url.port or 5432)
    proxy.start()
    app = create_app({**app_config, "DATABASE_URL": url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)})
    client = app.test_client()
    round_ = make_round()
    respondent = Respondent(client)
    form = respondent.load_form(round_.token)
    data = form.answers("4", q_access_easy="2")

    proxy.cut()
    assert client.get("/healthz").status_code == 503
    during = respondent.submit(round_.token, data)
    assert during.status_code == 503
    assert "Abbiamo ricevuto e salvato" not in during.get_data(as_text=True)
    assert during.headers["Retry-After"]

    proxy.start()  # the database is back: no restart of the app
    assert client.get("/healthz").status_code == 200
    assert respondent.submit(round_.token, data).status_code == 303
    assert respondent.submit(round_.token, data).status_code == 303  # a retry stores nothing more
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM responses")).scalar() == 1
    engine.dispose()
    app.extensions["survey_db"]["engine"].dispose()
    proxy.cut()
