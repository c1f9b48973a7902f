"""`python -m devstack` as a whole, on free ports: OpenSearch, the Lambda endpoint and the stream trigger wired in,
a catalog write indexed within a second (once the indexer is warm), and nothing left running after Ctrl-C."""

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from devstack.common import free_port
from devstack.issuer import DevIssuer
from tests.devstack.gateway import REPO_ROOT, alive


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc."""
    children: dict[int, set[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rpartition(")")[2].split()[1])
        except OSError:  # the process ended while we looked
            continue
        children.setdefault(parent, set()).add(int(stat.parent.name))
    found, frontier = set(), {pid}
    while frontier:
        frontier = set().union(*(children.get(each, set()) for each in frontier)) - found
        found |= frontier
    return found


def test_given_local_stack_when_products_are_created_then_indexed_within_a_second_and_ctrl_c_leaves_nothing(
    tmp_path,
):
    ports = {name: free_port() for name in ("api", "dynamodb", "issuer", "opensearch", "lambda", "web", "vite")}
    log = tmp_path / "devstack.log"
    command = [
        sys.executable, "-m", "devstack", "--no-seed", "--state-dir", str(tmp_path),
        "--port", str(ports["api"]), "--dynamodb-port", str(ports["dynamodb"]), "--issuer-port", str(ports["issuer"]),
        "--opensearch-port", str(ports["opensearch"]), "--lambda-port", str(ports["lambda"]),
        "--web-port", str(ports["web"]), "--vite-port", str(ports["vite"]),
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while "Local stack ready" not in (text := log.read_text(errors="replace")):
            assert process.poll() is None and time.monotonic() < deadline, text[-4000:]
            time.sleep(0.2)
        opensearch = f"http://127.0.0.1:{ports['opensearch']}"
        api = f"http://127.0.0.1:{ports['api']}"
        assert re.search(rf"OpenSearch +{opensearch}\n", text)
        assert re.search(rf"Lambda +http://127.0.0.1:{ports['lambda']}\n", text)
        assert re.search(rf"queue +http://127.0.0.1:{ports['dynamodb']}/\d+/IndexerDeadLetterQueue ", text)
        environment = json.loads((tmp_path / "env.json").read_text())["Parameters"]
        assert (environment["OPENSEARCH_ENDPOINT"], environment["OPENSEARCH_AUTH"]) == (opensearch, "none")
        assert requests.get(f"{opensearch}/products", timeout=10).status_code == 200  # made by `search_index ensure`

        token = DevIssuer(tmp_path).mint("admin-1", ["admin"])

        def seconds_until_indexed(name: str, limit_seconds: float) -> float:
            body = {"name": name, "category": "kitchen", "price_cents": 2999, "stock": 5}
            headers = {"Authorization": f"Bearer {token}"}
            created = requests.post(f"{api}/products", json=body, headers=headers, timeout=30)
            assert created.status_code == 201, created.text
            written = time.monotonic()
            while requests.get(f"{opensearch}/products/_doc/{created.json()['id']}", timeout=10).status_code != 200:
                assert time.monotonic() - written < limit_seconds, log.read_text()[-4000:]
                time.sleep(0.02)
            return time.monotonic() - written

        seconds_until_indexed("Copper Kettle", 10)  # includes the indexer's cold start
        assert seconds_until_indexed("Steel Kettle", 1) < 1

        started = descendants(process.pid)
        assert len(started) >= 3  # OpenSearch, the API process, its function workers
    finally:
        process.send_signal(signal.SIGINT)
        exit_code = process.wait(timeout=30)

    assert exit_code == 0, log.read_text()[-4000:]
    deadline = time.monotonic() + 5
    while survivors := {pid for pid in started if alive(pid)}:
        assert time.monotonic() < deadline, f"processes left behind: {survivors}"
        time.sleep(0.05)
