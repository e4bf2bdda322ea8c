"""A student's first minutes in a real JupyterLab, in headless Chromium driven by Selenium.

JupyterLab is started from this environment on a copy of ``labs/`` (Lab 1 and labkit). The browser runs cells
through JupyterLab's own commands (the app is exposed to the page for that, ``--LabApp.expose_app_in_browser``) and
reads what a student would read: the rendered output under each cell. Replacing the stub is done as a paste would
do it, through the cell's shared model, since typing into the editor would be re-indented by it.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them). On failure a screenshot and the
page's text are saved to ``DLCV_ARTIFACTS`` (default: the test's temporary folder) and their paths printed.
"""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from helpers import ROOT

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
LAB = "01_gradient_descent"
pytestmark = pytest.mark.slow

if os.environ.get("DLCV_SKIP_BROWSER") == "1":
    pytest.skip("DLCV_SKIP_BROWSER=1", allow_module_level=True)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_server(url, process, log, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = "\n".join(log.read_text().splitlines()[-5:])
            raise RuntimeError(f"JupyterLab exited with code {process.returncode}; the end of its log:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                json.load(reply)
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"JupyterLab did not answer {url} within {timeout} s")


@pytest.fixture
def jupyterlab(tmp_path):
    """(base URL, token) of a JupyterLab serving a copy of Lab 1 with its labkit; stopped afterwards."""
    work = tmp_path / "student"
    work.mkdir()
    shutil.copy(ROOT / "labs" / f"{LAB}.ipynb", work)
    shutil.copytree(ROOT / "labs" / "labkit", work / "labkit")
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    for name in ("NBGRADER_EXECUTION", "DLCV_STRICT_CHECKS"):  # a student's kernel, not a grader's
        env.pop(name, None)
    port, token = _free_port(), "dlcv-browser-test"
    log = open(tmp_path / "jupyterlab.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--ServerApp.root_dir={work}", f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True",
         "--ServerApp.open_browser=False",
         *(["--allow-root"] if os.geteuid() == 0 else [])],  # CI machines run as root
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_server(f"http://127.0.0.1:{port}/api/status?token={token}", process, tmp_path / "jupyterlab.log")
        yield f"http://127.0.0.1:{port}", token
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def browser(tmp_path):
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.fail("the browser test needs Debian's chromium and chromium-driver: "
                    "apt-get install -y chromium chromium-driver (or set DLCV_SKIP_BROWSER=1)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--window-size=1400,1000", f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@contextlib.contextmanager
def _screenshot_on_failure(driver, tmp_path):
    """Save what the page showed when the block failed, so a red CI run can be looked at."""
    try:
        yield
    except BaseException:
        artifacts = Path(os.environ.get("DLCV_ARTIFACTS", tmp_path))
        artifacts.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(artifacts / "browser-failure.png"))
        (artifacts / "browser-failure.txt").write_text(driver.find_element("tag name", "body").text)
        print(f"browser test failed: screenshot {artifacts / 'browser-failure.png'}, page text beside it")
        raise


# The notebook panel among the main area's widgets (``shell.currentWidget`` is the *focused* one, and a headless
# window may have no focus).
FIND_PANEL = ("const notebookPanel = () => window.jupyterapp && Array.from(window.jupyterapp.shell.widgets('main'))"
              ".find(widget => widget.sessionContext && widget.content && widget.content.widgets);")


class Notebook:
    """The open notebook, driven through JupyterLab's own commands (``window.jupyterapp``)."""

    def __init__(self, driver):
        self.driver = driver

    def _js(self, body, *args):
        """Run ``body`` (an async function body receiving ``args``) in the page and return its result."""
        script = (FIND_PANEL + "const done = arguments[arguments.length - 1];"
                  f"(async (...args) => {{ {body} }})(...Array.from(arguments).slice(0, -1))"
                  ".then(done, error => done({error: String(error)}));")
        result = self.driver.execute_async_script(script, *args)
        if isinstance(result, dict) and "error" in result:
            raise AssertionError(f"in the page: {result['error']}")
        return result

    def wait_until_ready(self, timeout=60):
        """Wait until the notebook is open with its cells and an idle kernel; else say which part is missing."""
        deadline, state = time.monotonic() + timeout, "not polled"
        while time.monotonic() < deadline:
            state = self.driver.execute_script(
                FIND_PANEL + "if (!window.jupyterapp) return 'no window.jupyterapp';"
                "const panel = notebookPanel(); if (!panel) return 'no notebook panel';"
                "if (panel.content.widgets.length === 0) return 'no cells';"
                "const session = panel.sessionContext.session;"
                "const kernel = session && session.kernel;"
                "if (!kernel) return 'no kernel';"
                "return kernel.status;")
            if state == "idle":
                return
            time.sleep(0.3)
        raise TimeoutError(f"the notebook did not open with an idle kernel within {timeout} s: {state}")

    def run(self, index):
        """Run cell ``index`` with the Run button's command and return the text shown under it."""
        return self._js(
            "const [index] = args; const app = window.jupyterapp; const panel = notebookPanel();"
            "panel.content.activeCellIndex = index;"
            "await app.commands.execute('notebook:run-cell');"
            "const cell = panel.content.widgets[index];"
            "for (let i = 0; i < 600 && (cell.model.executionCount === null || panel.sessionContext.session"
            ".kernel.status !== 'idle'); i++) await new Promise(r => setTimeout(r, 100));"
            "await new Promise(r => setTimeout(r, 200));"  # outputs render just after the reply
            "return cell.outputArea.node.innerText;", index)

    def set_source(self, index, source):
        self._js("const [index, source] = args; const panel = notebookPanel();"
                 "panel.content.widgets[index].model.sharedModel.setSource(source); return true;", index, source)

    def source(self, index):
        return self._js("const [index] = args;"
                        "return notebookPanel().content.widgets[index].model.sharedModel"
                        ".getSource();", index)


def _cell_index(nb, **dlcv):
    [index] = [i for i, cell in enumerate(nb.cells)
               if all(cell.metadata.get("dlcv", {}).get(k) == v for k, v in dlcv.items())]
    return index


def test_a_student_runs_a_stub_check_fixes_it_and_checks_everything(jupyterlab, browser, tmp_path):
    base, token = jupyterlab
    student = nbformat.read(ROOT / "labs" / f"{LAB}.ipynb", as_version=4)
    solution = nbformat.read(ROOT / "solutions" / "notebooks" / f"{LAB}.ipynb", as_version=4)
    exercise = _cell_index(student, exercise="bowl_functions")
    check_cell = _cell_index(student, check="bowl_functions")
    imports = next(i for i, cell in enumerate(student.cells) if cell.cell_type == "code")

    with _screenshot_on_failure(browser, tmp_path):
        browser.get(f"{base}/lab/tree/{LAB}.ipynb?token={token}")
        notebook = Notebook(browser)
        notebook.wait_until_ready()
        assert notebook.source(exercise) == student.cells[exercise].source  # the page shows the file we copied

        assert notebook.run(imports) == ""
        notebook.run(exercise)
        failed = notebook.run(check_cell)
        assert "f is not implemented yet: replace `raise NotImplementedError()` in its cell with your code" in failed
        assert "Traceback" not in failed and "labkit" not in failed and "selfcheck" not in failed

        notebook.set_source(exercise, solution.cells[exercise].source)
        assert "raise NotImplementedError()" not in notebook.source(exercise)
        assert notebook.run(exercise) == ""
        passed = notebook.run(check_cell)
        for name in ("f", "df", "f_2d", "df_2d"):
            assert f"\N{CHECK MARK} {name}: all " in passed
        assert "not implemented" not in passed

        summary = notebook.run(len(student.cells) - 1)
        lines = summary.splitlines()
        assert lines[0].split() == ["\N{CHECK MARK}", "bowl_functions", "4", "points", "passed"]
        assert lines[1].split()[:2] == ["\N{BALLOT X}", "numerical_derivatives"]  # its cell was never run
        assert lines[1].endswith("is not defined: run its cell")
        assert lines[-1] == "1 of 6 exercises pass their public checks (4 of 29 points if the hidden tests agree)"
        assert "{'bowl_functions'" not in summary  # the statuses are not echoed again as an Out[] value
