"""Parta's services as processes for the interop tests: each in a schema of its own in the test
database (PARTA_TEST_PG), with the test Redis (PARTA_TEST_REDIS), migrated, started on a free
port and stopped with SIGTERM (a clean drain exits 0)."""

import os
import secrets
import signal
import subprocess
import sys
import time

SKIP = 77


def fail(message):
    print("FAIL:", message, file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)
    print("ok:", message)


def test_servers():
    """(pg_uri, redis_uri), or exits SKIP (or fails in CI) when they are not set."""
    pg_uri = os.environ.get("PARTA_TEST_PG")
    redis_uri = os.environ.get("PARTA_TEST_REDIS")
    if not pg_uri or not redis_uri:
        if os.environ.get("CI") == "true":
            fail("PARTA_TEST_PG or PARTA_TEST_REDIS is not set: run through `tools/parta test`")
        print("skipped: PARTA_TEST_PG or PARTA_TEST_REDIS is not set")
        sys.exit(SKIP)
    return pg_uri, redis_uri


class Service:
    """One service process. `env` extends the common settings (database, Redis, listen address,
    no metrics); `run(args, stdin)` runs a one-off command of the binary with the same settings."""

    def __init__(self, name, binary, workdir, env):
        self.name = name
        self.binary = binary
        self.workdir = workdir
        pg_uri, redis_uri = test_servers()
        self.schema = f"interop_{name}_{secrets.token_hex(5)}"
        self.psql = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", pg_uri]
        subprocess.run(self.psql + ["-c", f"CREATE SCHEMA {self.schema}"], check=True)
        self.port_file = os.path.join(workdir, f"{name}.port")
        self.env = dict(os.environ,
                        PARTA_PG_URI=f"{pg_uri} options=-csearch_path={self.schema}",
                        PARTA_REDIS_URI=redis_uri,
                        PARTA_GRPC_LISTEN="127.0.0.1:0",
                        PARTA_GRPC_PORT_FILE=self.port_file,
                        PARTA_METRICS_LISTEN="off",
                        **env)
        self.process = None
        self.port = None

    def run(self, args, stdin=""):
        done = subprocess.run([self.binary] + args, env=self.env, input=stdin, text=True,
                              capture_output=True)
        if done.returncode != 0:
            fail(f"{self.name} {' '.join(args)} failed: {done.stderr[-2000:]}")
        return done.stdout

    def start(self):
        self.run(["migrate"])
        self.log = os.path.join(self.workdir, f"{self.name}.log")
        with open(self.log, "w") as log:
            self.process = subprocess.Popen([self.binary], env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not os.path.exists(self.port_file):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                fail(f"{self.name} did not start: " + open(self.log).read()[-2000:])
            time.sleep(0.05)
        self.port = int(open(self.port_file).read().strip())
        return self

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def stop(self):
        """SIGTERM; True when the service drained and exited 0."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30) == 0

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def drop(self):
        self.kill()
        subprocess.run(self.psql + ["-c", f"DROP SCHEMA {self.schema} CASCADE"], check=False,
                       capture_output=True)
