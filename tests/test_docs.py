"""The documentation: README.md and the MkDocs site under docs/ build cleanly, every page is reachable from the nav,
every relative link points to a file of the repository, and nothing cites a document the repository does not hold.

Pages link to each other with Markdown links; they name repository files by their path in backticks
(`autograder/cli.py`), never by a link (MkDocs' strict mode rejects links that leave docs/)."""

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from autograder.cli import EXIT_INTERRUPTED, make_parser
from helpers import ROOT

DOCS = ROOT / "docs"
README = ROOT / "README.md"
PAGES = sorted(DOCS.rglob("*.md"))
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
INLINE_LINK = re.compile(r"\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.MULTILINE)
EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")  # https:, mailto:, ...


def relative_links(path):
    """The relative link targets of a Markdown file, outside code blocks and code spans, in order."""
    text = CODE_SPAN.sub("", FENCE.sub("", path.read_text(encoding="utf-8")))
    targets = INLINE_LINK.findall(text) + REFERENCE_LINK.findall(text)
    return [t for t in targets if not EXTERNAL.match(t) and not t.startswith("#")]


def nav_pages(nav):
    """Every page that mkdocs.yml's nav lists, depth first."""
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        if isinstance(value, list):
            yield from nav_pages(value)
        elif not EXTERNAL.match(value):
            yield value


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site, built once by `mkdocs build --strict` (a warning fails it: broken link or anchor, page not in nav)."""
    site_dir = tmp_path_factory.mktemp("site")
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
         "--site-dir", str(site_dir)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return site_dir


def test_the_site_builds_in_strict_mode(site):
    assert (site / "index.html").is_file()
    for page in PAGES:
        relative = page.relative_to(DOCS).with_suffix("")
        built = site / ("index.html" if relative.name == "index" else relative / "index.html")
        assert built.is_file(), f"{page.relative_to(ROOT)} was not built"


def test_every_page_under_docs_is_in_the_nav_and_every_nav_entry_exists():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    listed = list(nav_pages(config["nav"]))
    assert sorted(listed) == sorted(set(listed)), "a page is listed twice in the nav"
    assert sorted(listed) == sorted(str(page.relative_to(DOCS)) for page in PAGES)


@pytest.mark.parametrize("path", [README, *PAGES], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_to_a_file_of_the_repository(path):
    for target in relative_links(path):
        file = (path.parent / target.split("#")[0]).resolve()
        assert file.is_relative_to(ROOT) and file.exists(), f"{path.relative_to(ROOT)}: broken link {target}"
        if path.is_relative_to(DOCS):
            assert file.is_relative_to(DOCS), (
                f"{path.relative_to(ROOT)} links to {target}, outside docs/: name a repository file by its path in "
                "backticks instead")


def test_the_readmes_links_into_docs_name_anchors_the_site_has(site):
    for target in relative_links(README):
        page, _, anchor = target.partition("#")
        if anchor and page.startswith("docs/"):
            relative = Path(page).relative_to("docs").with_suffix("")
            built = site / ("index.html" if relative.name == "index" else relative / "index.html")
            assert f'id="{anchor}"' in built.read_text(encoding="utf-8"), f"README.md: no anchor in {target}"


def test_no_tracked_file_cites_a_design_document_the_repository_does_not_hold():
    name = "DESIGN" + ".md"  # spelled apart, so that this file does not cite it
    try:
        tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True,
                                 timeout=60).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    tracked = [path for path in tracked if path]
    if any(Path(path).name == name for path in tracked):
        return
    citing = []
    for path in tracked:
        file = ROOT / path
        if not file.is_file():  # deleted in the working tree, not yet committed
            continue
        data = file.read_bytes()
        if b"\0" not in data[:8192] and name.encode() in data:
            citing.append(path)
    assert citing == [], f"these files cite {name}, which the repository does not hold"


def _commands(parser, prefix="dlcv"):
    """(command line, parser) of `dlcv` and of every subcommand, depth first."""
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, subparser in action.choices.items():
                yield from _commands(subparser, f"{prefix} {name}")


def test_the_command_reference_quotes_every_commands_exit_codes_word_for_word():
    reference = (DOCS / "staff" / "cli.md").read_text(encoding="utf-8")
    for command, parser in _commands(make_parser()):
        assert parser.epilog and parser.epilog.startswith("exit codes"), f"{command} --help lists no exit codes"
        assert parser.epilog in reference, f"docs/staff/cli.md does not quote `{command} --help`'s exit codes"


def test_the_readmes_exit_code_table_has_every_code_the_commands_use():
    used = {int(code) for _, parser in _commands(make_parser())
            for code in re.findall(r"^  (\d+)  ", parser.epilog, re.MULTILINE)}
    rows = set(map(int, re.findall(r"^\| `(\d+)` \|", README.read_text(encoding="utf-8"), re.MULTILINE)))
    assert rows == used | {EXIT_INTERRUPTED}
