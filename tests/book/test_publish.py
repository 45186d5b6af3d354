"""``make publish``: the built HTML goes onto a gh-pages branch of a (here local, bare) remote, the work tree untouched."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from glasslib.book.publish import PublishError, publish


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def project(tmp_path) -> tuple[Path, Path, Path]:
    """(clone with one commit on main, its bare 'origin', a built-book folder)."""
    remote, repo, html = tmp_path / "origin.git", tmp_path / "clone", tmp_path / "html"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    (repo / "README.md").write_text("the project\n")
    git(repo, "add", "README.md")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start")
    git(repo, "remote", "add", "origin", str(remote))
    (html / "_static").mkdir(parents=True)
    (html / "index.html").write_text("<html>the book</html>")
    (html / "_static" / "tables.css").write_text("table {}")
    return repo, remote, html


def test_the_html_becomes_the_tree_of_gh_pages_on_the_remote(project):
    repo, remote, html = project
    commit = publish(html, repo)
    assert git(remote, "rev-parse", "gh-pages") == commit
    assert set(git(remote, "ls-tree", "-r", "--name-only", "gh-pages").split()) == {".nojekyll", "index.html", "_static/tables.css"}
    assert git(remote, "show", "gh-pages:index.html") == "<html>the book</html>"
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "main" and not git(repo, "status", "--porcelain")


def test_publishing_again_adds_one_commit_with_the_new_pages(project):
    repo, remote, html = project
    first = publish(html, repo)
    (html / "index.html").write_text("<html>the book, rebuilt</html>")
    second = publish(html, repo, message="rebuilt")
    assert git(remote, "rev-parse", "gh-pages^") == first and second != first
    assert git(remote, "show", "gh-pages:index.html") == "<html>the book, rebuilt</html>"


def test_an_unbuilt_book_or_an_unknown_remote_is_named(project, tmp_path):
    repo, _, html = project
    with pytest.raises(PublishError, match="make book"):
        publish(tmp_path / "nothing", repo)
    with pytest.raises(PublishError, match="no git remote 'pages'.*origin"):
        publish(html, repo, remote="pages")
    with pytest.raises(PublishError, match="not a git repository"):
        publish(html, tmp_path)
