"""`make dev` builds the web app with Node 20 and npm, and says so plainly where they are missing."""

import os
import shutil
import subprocess
from pathlib import Path

from devstack.template import REPO_ROOT

NODE_TOOLS = {"node", "npm", "npx", "corepack"}


def path_without_node(tmp_path: Path) -> str:
    """A PATH with every program of this one except Node's."""
    shims = tmp_path / "bin"
    shims.mkdir()
    for directory in os.environ["PATH"].split(os.pathsep):
        folder = Path(directory)
        if not folder.is_dir():
            continue
        for program in folder.iterdir():
            target = shims / program.name
            if program.name not in NODE_TOOLS and not target.exists() and os.access(program, os.X_OK):
                target.symlink_to(program)
    return str(shims)


def test_given_no_node_when_make_dev_then_it_stops_before_starting_anything_and_names_node_20_and_npm(tmp_path):
    assert shutil.which("make")
    result = subprocess.run(
        ["make", "--no-print-directory", "dev"],
        cwd=REPO_ROOT,
        env={**os.environ, "PATH": path_without_node(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "Node.js 20 and npm are required" in result.stderr, result.stderr
    assert "Local stack ready" not in result.stdout
