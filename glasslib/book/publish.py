"""Put the built HTML book online: ``make publish`` (``glasslib publish``) commits it to a ``gh-pages`` branch.

`ghp-import <https://github.com/c-w/ghp-import>`_ writes the HTML folder as the whole tree of one new
commit on the branch (with ``.nojekyll``, so GitHub Pages serves ``_static/`` as is) and pushes that
branch to the remote; the working tree and the current branch are never touched. Any static host that
serves a git branch works the same way (README, "A PDF, and putting the book online").
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from glasslib.console_scripts import console_script

#: Committer used when git has no ``user.name`` / ``user.email`` (a fresh CI machine).
FALLBACK_COMMITTER = {"GIT_COMMITTER_NAME": "glasslib book", "GIT_COMMITTER_EMAIL": "glasslib@localhost"}


class PublishError(RuntimeError):
    """The book cannot be published: what is missing and how to fix it."""


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)


def check_publishable(html_dir: Path, repo: Path, remote: str | None) -> None:
    """A clear error unless ``html_dir`` holds a built book, ``repo`` is a git repository and ``remote`` is one of its remotes."""
    if not (Path(html_dir) / "index.html").is_file():
        raise PublishError(f"no built book at {html_dir} (no index.html): build it first with `make book`")
    if _git(repo, "rev-parse", "--git-dir").returncode != 0:
        raise PublishError(f"{repo} is not a git repository: publish from a clone of the project")
    if remote is not None and _git(repo, "remote", "get-url", remote).returncode != 0:
        known = _git(repo, "remote").stdout.split() or ["none"]
        raise PublishError(f"no git remote {remote!r} in {repo} (remotes: {', '.join(known)}); add one or pass --remote")


def publish(html_dir: Path, repo: Path, remote: str | None = "origin", branch: str = "gh-pages", message: str | None = None) -> str:
    """Commit ``html_dir`` as the tree of ``branch`` in ``repo`` and push it to ``remote`` (``None``: commit only).

    Returns the new commit's hash. The branch keeps its history (one commit per publication).
    """
    html_dir, repo = Path(html_dir).resolve(), Path(repo).resolve()
    check_publishable(html_dir, repo, remote)
    command = [console_script("ghp-import"), "--no-jekyll", "--branch", branch, "--message", message or "Publish the book"]
    if remote is not None:
        command += ["--push", "--remote", remote]
    has_identity = bool(_git(repo, "config", "user.name").stdout.strip() and _git(repo, "config", "user.email").stdout.strip())
    env = os.environ if has_identity else {**FALLBACK_COMMITTER, **os.environ}
    done = subprocess.run([*command, str(html_dir)], cwd=repo, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise PublishError(f"ghp-import could not publish {html_dir} to {branch}:\n{done.stderr[-2000:]}")
    return _git(repo, "rev-parse", branch).stdout.strip()
