#!/usr/bin/env python3
"""Schema-driven API testing: schemathesis against the OpenAPI document the server serves.

Starts the real `quietline` (debug build, fresh SQLite data directory), sets up an administrator,
an organisation, a worker and a seeker with the server's own tools and API, then lets schemathesis
generate requests for every documented operation, once per caller: nobody, a seeker, a worker (on
the public listener) and nobody, an administrator (on the admin listener). Every response must be
documented (status, content type, schema) and none may be a 5xx.

Usage: tests/api/schemathesis.py [--max-examples N]   (run from the repository root, after
`cargo build --workspace`). Exits non-zero when schemathesis finds a problem.
"""

import argparse
import json
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug"
PASSPHRASE = "a long enough passphrase for the fixture"

# Operations that would end the fixture's own session or account (the run would then test only
# 401s), or that are not plain HTTP.
DESTRUCTIVE = r"(quick-exit|/account$|logout|/devices/\{device_id\}|/websocket|/docs/)"

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{method} {path}: {error.code} {error.read()[:300]!r}")


def wait_for(path, deadline_seconds=120):
    deadline = time.monotonic() + deadline_seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"the server did not start ({path} never appeared)")
        time.sleep(0.1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-examples", type=int, default=10)
    args = parser.parse_args()

    data_dir = pathlib.Path(tempfile.mkdtemp(prefix="quietline-schemathesis-"))
    public_port, admin_port = free_port(), free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "QUIETLINE_DATA_DIR": str(data_dir),
        "QUIETLINE_PUBLIC_LISTEN": f"127.0.0.1:{public_port}",
        "QUIETLINE_ADMIN_LISTEN": f"127.0.0.1:{admin_port}",
        "QUIETLINE_PUBLIC_URL": f"http://127.0.0.1:{public_port}",
        # Generated requests come fast and from one address: limits would answer most of them.
        "QUIETLINE_SIGNUP_POW_BITS": "0",
        "QUIETLINE_SIGNUP_RATE_LIMIT": "1000000",
        "QUIETLINE_PASSPHRASE_RATE_LIMIT": "1000000",
        "QUIETLINE_SEND_RATE_LIMIT": "1000000",
        "QUIETLINE_BUNDLE_RATE_LIMIT": "1000000",
        "QUIETLINE_ADMIN_TOTP_REQUIRED": "false",
        "QUIETLINE_LOG": "warn",
    }
    server = subprocess.Popen(
        [TARGET / "quietline"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(data_dir / "setup-token")
        public = f"http://127.0.0.1:{public_port}"
        admin = f"http://127.0.0.1:{admin_port}"
        subprocess.run(
            [TARGET / "quietline-admin", "create-admin", "--handle", "ops"],
            env=env,
            input=PASSPHRASE + "\n",
            text=True,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        root = call(
            admin,
            "POST",
            "/admin/v1/sessions",
            {"handle": "ops", "passphrase": PASSPHRASE, "device_name": "schemathesis"},
        )["access_token"]
        org = call(
            admin,
            "POST",
            "/admin/v1/organisations",
            {"name": "Harbour House", "default_language": "en"},
            root,
        )["id"]
        code = call(admin, "POST", f"/admin/v1/organisations/{org}/invites", {"role": "worker"}, root)[
            "code"
        ]
        worker = call(
            public,
            "POST",
            "/v1/invites/accept",
            {
                "code": code,
                "handle": "wren",
                "passphrase": PASSPHRASE,
                "languages": ["en"],
                "device_name": "schemathesis",
            },
        )["session"]["access_token"]
        challenge = call(public, "POST", "/v1/signup/challenge", {})["challenge"]
        seeker = call(public, "POST", "/v1/seekers", {"challenge": challenge, "solution": 0})[
            "access_token"
        ]

        runs = [
            ("public, nobody", public, r"^/v1/", None),
            ("public, seeker", public, r"^/v1/", seeker),
            ("public, worker", public, r"^/v1/", worker),
            ("admin, nobody", admin, r"^/(admin/|healthz|metrics|openapi)", None),
            ("admin, administrator", admin, r"^/(admin/|healthz|metrics|openapi)", root),
        ]
        failed = []
        for name, base, paths, token in runs:
            print(f"\n== schemathesis: {name}", flush=True)
            command = [
                "st",
                "run",
                f"{admin}/openapi.json",
                "--url",
                base,
                "--checks",
                CHECKS,
                "--include-path-regex",
                paths,
                "--exclude-path-regex",
                DESTRUCTIVE,
                "--max-examples",
                str(args.max_examples),
                "--phases",
                "examples,coverage,fuzzing",
                "--workers",
                "1",
                "--seed",
                "1",
                "--generation-database",
                "none",
                "--no-color",
            ]
            if token:
                command += ["--header", f"Authorization: Bearer {token}"]
            if subprocess.run(command).returncode != 0:
                failed.append(name)
        if failed:
            print(f"\nschemathesis found problems: {', '.join(failed)}")
            return 1
        print("\nschemathesis: every response documented, no server error")
        return 0
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
