"""Execute a solution notebook with a real Jupyter kernel (nbclient), reproducibly."""

import copy
import os
import shutil
import tempfile

from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from traitlets.config import Config

# Progress bars print rates and times, which differ on every run; the executed notebooks must not.
# A failing self-check must fail the build, not only show its report as it does for students.
_REPRODUCIBLE_ENV = {"TQDM_DISABLE": "1", "PYTHONHASHSEED": "0", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
                     "DLCV_STRICT_CHECKS": "1"}


class ExecutionError(RuntimeError):
    """A solution notebook raised while executing."""


def execute_notebook(nb, workdir, timeout=600):
    """Run every cell of ``nb`` in a fresh ``python3`` kernel whose working directory is ``workdir``.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        Not modified.
    workdir : pathlib.Path
        The kernel's working directory (``labs/``, so that ``import labkit`` finds the students' copy).
    timeout : int
        Seconds allowed per cell.

    Returns
    -------
    nbformat.NotebookNode
        A copy with outputs; no timing metadata, language_info reduced to the language name.
    """
    executed = copy.deepcopy(nb)
    saved = {key: os.environ.get(key) for key in _REPRODUCIBLE_ENV}
    os.environ.update(_REPRODUCIBLE_ENV)
    sockets = tempfile.mkdtemp(prefix="dlcv-kernel-")
    try:
        # IPC sockets in a private folder: the kernel talks to us through files, not unencrypted TCP on loopback
        config = Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(sockets, "kernel")}})
        client = NotebookClient(executed, timeout=timeout, kernel_name="python3", record_timing=False,
                                resources={"metadata": {"path": str(workdir)}}, config=config)
        client.execute()
    except CellExecutionError as error:
        lab = nb.metadata.get("dlcv", {}).get("lab", "?")
        raise ExecutionError(f"the solution notebook of {lab} failed to execute:\n{error}") from None
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    executed.metadata["language_info"] = {"name": "python"}
    executed.metadata.pop("widgets", None)
    for cell in executed.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = _merge_streams(cell.outputs)
    return executed


_WIDGET = "application/vnd.jupyter.widget-view+json"


def _merge_streams(outputs):
    """Join consecutive outputs of the same stream (how the kernel chunks printed text depends on timing) and
    drop widget views (progress bars: their model ids are random and their text holds timings)."""
    merged = []
    for output in outputs:
        if _WIDGET in output.get("data", {}):
            continue
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
            previous["text"] += output["text"]
        else:
            merged.append(output)
    return merged
