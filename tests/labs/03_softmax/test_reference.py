"""Oracle tests for the Lab 3 reference module ``solutions/softmax.py``.

Independent oracle: PyTorch in float64 (``torch.softmax``, ``torch.autograd.functional.jacobian``,
``torch.nn.functional.cross_entropy`` / ``nll_loss`` + autograd). Also central-difference gradient checks
(h = 1e-5), hypothesis properties, stability at extreme logits, and the digits accuracy of the given SGD loop.
"""

import ast
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from oracle import numeric_gradient, rel_error, t

import solutions.softmax as sm
from solutions.softmax import (
    cross_entropy,
    linear_predict,
    linear_softmax_loss,
    one_hot,
    softmax,
    softmax_jacobian,
    softmax_loss,
    train_softmax_classifier,
)

REPO = Path(__file__).resolve().parents[3]
F64 = torch.float64

STUDENT_FUNCTIONS = ["one_hot", "softmax", "softmax_jacobian", "cross_entropy", "softmax_loss",
                     "linear_softmax_loss", "linear_predict"]
GIVEN_FUNCTIONS = ["train_softmax_classifier"]


# ----------------------------------------------------------------------------------------------- helpers
def torch_ce(scores, y):
    """Loss and d loss / d scores from PyTorch autograd."""
    s = t(scores).requires_grad_(True)
    loss = F.cross_entropy(s, torch.as_tensor(y, dtype=torch.long))
    loss.backward()
    return loss.item(), s.grad.numpy()


SHAPES_NC = [(1, 1), (1, 3), (1, 10), (2, 2), (5, 4), (16, 10), (7, 1)]


# ----------------------------------------------------------------------------------------------- one_hot
@pytest.mark.parametrize("N,C", [(1, 1), (1, 5), (6, 3), (50, 10)])
def test_one_hot_matches_torch(N, C):
    rng = np.random.default_rng(N * 100 + C)
    y = rng.integers(0, C, size=N)
    Y = one_hot(y, C)
    assert isinstance(Y, np.ndarray) and Y.dtype == np.float64 and Y.shape == (N, C)
    ref = F.one_hot(torch.as_tensor(y, dtype=torch.long), C).to(F64).numpy()
    np.testing.assert_array_equal(Y, ref)
    np.testing.assert_array_equal(Y.argmax(axis=1), y)


# ----------------------------------------------------------------------------------------------- softmax
@pytest.mark.parametrize("shape", [(1,), (4,), (1, 1), (1, 7), (5, 3), (32, 10), (2, 3, 4), (2, 1, 3, 5)])
def test_softmax_matches_torch_any_leading_shape(shape):
    rng = np.random.default_rng(sum(shape) * 7 + len(shape))
    x = 3.0 * rng.standard_normal(shape)
    x_copy = x.copy()
    p = softmax(x)
    assert isinstance(p, np.ndarray) and p.dtype == np.float64 and p.shape == shape
    np.testing.assert_allclose(p, torch.softmax(t(x), dim=-1).numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(x, x_copy)  # input not modified


def test_softmax_stable_at_logits_pm_1e4():
    rng = np.random.default_rng(0)
    x = rng.choice([-1e4, 0.0, 1e4], size=(20, 6)) + rng.standard_normal((20, 6))
    x[0] = 1e4  # a row of equal huge logits -> uniform
    x[1] = -1e4  # a row of equal very negative logits -> uniform
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        p = softmax(x)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p, torch.softmax(t(x), dim=-1).numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(p[:2], 1.0 / 6.0, rtol=1e-12)


def test_softmax_stable_at_1e300_mixes():
    x = np.array([[1e300, -1e300, 0.0, 5e299],
                  [1e300, 1e300, -1e300, 1.0],
                  [-1e300, -1e300, -1e300, -1e300],
                  [1e-300, -1e-300, 0.0, 1e300],
                  [2.0, 1e300, -3.0, -1e299]])
    p = softmax(x[None])  # extra leading dimension as well
    assert p.shape == (1,) + x.shape
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p[0], torch.softmax(t(x), dim=-1).numpy(), rtol=1e-12, atol=0)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6),
                  elements=st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False)))
def test_softmax_property_probability_rows(x):
    p = softmax(x)
    assert p.shape == x.shape
    assert np.all(np.isfinite(p)) and np.all(p >= 0) and np.all(p <= 1)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_softmax_property_shift_invariance_per_row(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6))
    x = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-1e3, 1e3)))
    c = data.draw(hnp.arrays(np.float64, shape[:-1] + (1,), elements=st.floats(-1e3, 1e3)))
    np.testing.assert_allclose(softmax(x + c), softmax(x), rtol=1e-9, atol=1e-12)


# ----------------------------------------------------------------------------------------------- Jacobian
@pytest.mark.parametrize("C", [1, 2, 3, 5, 10])
def test_softmax_jacobian_matches_torch_autograd(C):
    rng = np.random.default_rng(C)
    z = 2.0 * rng.standard_normal(C)
    s = softmax(z)
    J = softmax_jacobian(s)
    assert isinstance(J, np.ndarray) and J.dtype == np.float64 and J.shape == (C, C)
    J_ref = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, dim=0), t(z)).numpy()
    np.testing.assert_allclose(J, J_ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(J, J.T, rtol=0, atol=0)  # symmetric
    np.testing.assert_allclose(J.sum(axis=1), 0.0, atol=1e-15)  # softmax outputs always sum to 1


def test_softmax_jacobian_numeric_and_chain_rule():
    rng = np.random.default_rng(7)
    z = rng.standard_normal(6)
    s = softmax(z)
    J = softmax_jacobian(s)
    # column j of J = d softmax / d z_j, by central differences
    J_num = np.stack([(softmax(z + 1e-5 * e) - softmax(z - 1e-5 * e)) / 2e-5 for e in np.eye(6)], axis=1)
    assert rel_error(J, J_num) < 1e-7
    # chain rule: d(-log s_y)/dz = -(1/s_y) * J[y, :], which softmax_loss gives as s - e_y (N = 1)
    for y in range(6):
        _, dscores = softmax_loss(z[None, :], np.array([y]))
        np.testing.assert_allclose(-J[y] / s[y], dscores[0], rtol=1e-10, atol=1e-14)


# ----------------------------------------------------------------------------------------------- cross_entropy
@pytest.mark.parametrize("N,C", SHAPES_NC)
def test_cross_entropy_matches_torch(N, C):
    rng = np.random.default_rng(N * 31 + C)
    probs = rng.dirichlet(np.ones(C), size=N)
    probs = np.maximum(probs, 1e-6)
    probs /= probs.sum(axis=1, keepdims=True)
    y = rng.integers(0, C, size=N)
    loss = cross_entropy(probs, y)
    assert type(loss) is float
    ref = F.nll_loss(torch.log(t(probs)), torch.as_tensor(y, dtype=torch.long)).item()
    assert math.isclose(loss, ref, rel_tol=1e-12, abs_tol=1e-15)


def test_cross_entropy_agrees_with_softmax_loss_and_torch_on_logits():
    rng = np.random.default_rng(3)
    scores = 2.0 * rng.standard_normal((12, 5))
    y = rng.integers(0, 5, size=12)
    ref, _ = torch_ce(scores, y)
    assert math.isclose(cross_entropy(softmax(scores), y), ref, rel_tol=1e-12)
    assert math.isclose(softmax_loss(scores, y)[0], ref, rel_tol=1e-12)


def test_cross_entropy_clips_zero_probability():
    probs = np.array([[0.0, 1.0, 0.0], [0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    y = np.array([0, 2, 2])  # first two samples put probability 0 on the true class
    loss = cross_entropy(probs, y)
    assert math.isfinite(loss)
    assert math.isclose(loss, (-np.log(1e-12) * 2 - np.log(0.5)) / 3, rel_tol=1e-12)
    loss_eps = cross_entropy(probs, y, eps=1e-6)
    assert math.isclose(loss_eps, (-np.log(1e-6) * 2 - np.log(0.5)) / 3, rel_tol=1e-12)


# ----------------------------------------------------------------------------------------------- softmax_loss
@pytest.mark.parametrize("N,C", SHAPES_NC)
def test_softmax_loss_value_and_gradient_match_torch(N, C):
    rng = np.random.default_rng(N * 17 + C)
    scores = 3.0 * rng.standard_normal((N, C))
    scores_copy = scores.copy()
    y = rng.integers(0, C, size=N)
    loss, dscores = softmax_loss(scores, y)
    assert type(loss) is float
    assert isinstance(dscores, np.ndarray) and dscores.dtype == np.float64 and dscores.shape == (N, C)
    ref_loss, ref_grad = torch_ce(scores, y)
    assert math.isclose(loss, ref_loss, rel_tol=1e-12, abs_tol=1e-15)
    np.testing.assert_allclose(dscores, ref_grad, rtol=1e-10, atol=1e-15)
    np.testing.assert_array_equal(scores, scores_copy)


@pytest.mark.parametrize("N,C", [(1, 3), (4, 5), (9, 10)])
def test_softmax_loss_numeric_gradient(N, C):
    rng = np.random.default_rng(N + C)
    scores = rng.standard_normal((N, C))
    y = rng.integers(0, C, size=N)
    _, dscores = softmax_loss(scores, y)
    d_num = numeric_gradient(lambda v: softmax_loss(v, y)[0], scores)
    assert rel_error(dscores, d_num) < 1e-7


def test_softmax_loss_stable_at_extreme_logits():
    rng = np.random.default_rng(11)
    big = rng.choice([-1e4, 0.0, 1e4], size=(10, 4)) + rng.standard_normal((10, 4))
    huge = np.array([[1e300, -1e300, 0.0], [-1e300, 1e300, 5e299], [1e300, 1e300, -1e300], [0.0, 1.0, -1e300]])
    for scores, y in [(big, rng.integers(0, 4, size=10)), (huge, np.array([0, 0, 1, 2]))]:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            loss, dscores = softmax_loss(scores, y)
        assert math.isfinite(loss) and np.all(np.isfinite(dscores))
        ref_loss, ref_grad = torch_ce(scores, y)
        assert math.isclose(loss, ref_loss, rel_tol=1e-12)
        np.testing.assert_allclose(dscores, ref_grad, rtol=1e-10, atol=1e-15)


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_softmax_loss_property_rows_of_gradient_sum_to_zero(data):
    N = data.draw(st.integers(1, 8))
    C = data.draw(st.integers(1, 8))
    scores = data.draw(hnp.arrays(np.float64, (N, C), elements=st.floats(-1e4, 1e4)))
    y = data.draw(hnp.arrays(np.int64, (N,), elements=st.integers(0, C - 1)))
    loss, dscores = softmax_loss(scores, y)
    assert loss >= 0 and math.isfinite(loss)
    np.testing.assert_allclose(dscores.sum(axis=1), 0.0, atol=1e-14)
    assert np.all(dscores[np.arange(N), y] <= 0)  # p_y - 1 <= 0 on the true class ...
    mask = np.ones((N, C), dtype=bool)
    mask[np.arange(N), y] = False
    assert np.all(dscores[mask] >= 0)  # ... and p_j >= 0 elsewhere


# ----------------------------------------------------------------------------------------------- linear classifier
@pytest.mark.parametrize("N,D,C,reg", [(1, 3, 2, 0.0), (1, 4, 5, 0.1), (8, 5, 3, 0.0),
                                       (20, 6, 10, 1e-3), (13, 64, 10, 0.5)])
def test_linear_softmax_loss_matches_torch(N, D, C, reg):
    rng = np.random.default_rng(N * 1000 + D * 10 + C)
    W = 0.5 * rng.standard_normal((D, C))
    b = rng.standard_normal(C)
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, size=N)
    loss, dW, db = linear_softmax_loss(W, b, X, y, reg)
    assert type(loss) is float
    assert dW.shape == (D, C) and db.shape == (C,) and dW.dtype == np.float64 and db.dtype == np.float64

    Wt, bt = t(W).requires_grad_(True), t(b).requires_grad_(True)
    ref = F.cross_entropy(t(X) @ Wt + bt, torch.as_tensor(y, dtype=torch.long)) + reg * (Wt * Wt).sum()
    ref.backward()
    assert math.isclose(loss, ref.item(), rel_tol=1e-12)
    np.testing.assert_allclose(dW, Wt.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(db, bt.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_linear_softmax_loss_reg_convention_bias_not_regularised():
    rng = np.random.default_rng(5)
    W, b = rng.standard_normal((4, 3)), rng.standard_normal(3)
    X, y = rng.standard_normal((6, 4)), rng.integers(0, 3, size=6)
    loss0, dW0, db0 = linear_softmax_loss(W, b, X, y, 0.0)
    loss1, dW1, db1 = linear_softmax_loss(W, b, X, y, 0.3)
    assert math.isclose(loss1 - loss0, 0.3 * np.sum(W * W), rel_tol=1e-12)
    np.testing.assert_allclose(dW1 - dW0, 2 * 0.3 * W, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(db1, db0)


@pytest.mark.parametrize("N,reg", [(1, 0.0), (7, 0.05)])
def test_linear_softmax_loss_numeric_gradients(N, reg):
    rng = np.random.default_rng(N)
    D, C = 5, 4
    W, b = rng.standard_normal((D, C)), rng.standard_normal(C)
    X, y = rng.standard_normal((N, D)), rng.integers(0, C, size=N)
    _, dW, db = linear_softmax_loss(W, b, X, y, reg)
    assert rel_error(dW, numeric_gradient(lambda v: linear_softmax_loss(v, b, X, y, reg)[0], W)) < 1e-7
    assert rel_error(db, numeric_gradient(lambda v: linear_softmax_loss(W, v, X, y, reg)[0], b)) < 1e-7


# ----------------------------------------------------------------------------------------------- linear_predict
@pytest.mark.parametrize("N,D,C", [(1, 2, 3), (30, 5, 10), (4, 1, 2)])
def test_linear_predict_matches_torch_argmax(N, D, C):
    rng = np.random.default_rng(N + D + C)
    W, b, X = rng.standard_normal((D, C)), rng.standard_normal(C), rng.standard_normal((N, D))
    y_pred = linear_predict(W, b, X)
    assert isinstance(y_pred, np.ndarray) and y_pred.shape == (N,) and y_pred.dtype.kind in "iu"
    ref = torch.argmax(t(X) @ t(W) + t(b), dim=1).numpy()
    np.testing.assert_array_equal(y_pred, ref)
    np.testing.assert_array_equal(y_pred, np.argmax(softmax(X @ W + b), axis=1))


def test_linear_predict_ties_go_to_smallest_index():
    X = np.random.default_rng(0).standard_normal((5, 3))
    W = np.zeros((3, 4))
    np.testing.assert_array_equal(linear_predict(W, np.zeros(4), X), np.zeros(5, dtype=int))
    np.testing.assert_array_equal(linear_predict(W, np.array([0.0, 2.0, 1.0, 2.0]), X), np.full(5, 1))


# ----------------------------------------------------------------------------------------------- training (given)
@pytest.fixture(scope="module")
def digits_split():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X = digits.data / 16.0  # features in [0, 1]
    return train_test_split(X, digits.target, test_size=0.25, random_state=0, stratify=digits.target)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_training_reaches_90_percent_on_digits(digits_split, seed):
    X_train, X_test, y_train, y_test = digits_split
    assert len(np.unique(y_train)) == 10
    epochs = 20
    W, b, history = train_softmax_classifier(X_train, y_train, 10, lr=0.1, reg=1e-4, epochs=epochs,
                                             batch_size=32, rng=seed, X_val=X_test, y_val=y_test)
    assert W.shape == (64, 10) and b.shape == (10,)
    test_acc = np.mean(linear_predict(W, b, X_test) == y_test)
    assert test_acc >= 0.90, test_acc
    assert len(history["loss"]) == epochs and all(math.isfinite(v) for v in history["loss"])
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert len(history["val_acc"]) == epochs and history["val_acc"][-1] == test_acc


def test_training_is_deterministic_and_progress_bar_does_not_change_it(digits_split, capsys):
    X_train, _, y_train, _ = digits_split
    args = dict(num_classes=10, lr=0.1, reg=1e-3, epochs=3, batch_size=50)
    W1, b1, h1 = train_softmax_classifier(X_train, y_train, rng=4, **args)
    W2, b2, h2 = train_softmax_classifier(X_train, y_train, rng=np.random.default_rng(4), progress=True, **args)
    np.testing.assert_array_equal(W1, W2)
    np.testing.assert_array_equal(b1, b2)
    assert h1["loss"] == h2["loss"] and h1["val_acc"] == h2["val_acc"] == []
    assert "epochs" in capsys.readouterr().err  # the tqdm bar was shown
    W3, _, _ = train_softmax_classifier(X_train, y_train, rng=5, **args)
    assert not np.array_equal(W1, W3)


def test_training_uses_linear_softmax_loss_on_shuffled_minibatches(monkeypatch):
    rng = np.random.default_rng(0)
    N, D, C, batch_size, epochs = 10, 3, 4, 4, 2
    X = np.arange(N * D, dtype=np.float64).reshape(N, D) / 30.0  # distinct rows
    y = rng.integers(0, C, size=N)
    calls = []
    real = sm.linear_softmax_loss

    def spy(W, b, Xb, yb, reg):
        calls.append((Xb.copy(), yb.copy(), reg))
        return real(W, b, Xb, yb, reg)

    monkeypatch.setattr(sm, "linear_softmax_loss", spy)
    sm.train_softmax_classifier(X, y, C, lr=0.1, reg=0.25, epochs=epochs, batch_size=batch_size, rng=1)
    assert [len(c[1]) for c in calls] == [4, 4, 2] * epochs
    assert all(c[2] == 0.25 for c in calls)
    visit_orders = []
    for e in range(epochs):  # each epoch visits every sample exactly once, labels stay with their rows
        Xe = np.concatenate([c[0] for c in calls[3 * e:3 * e + 3]])
        ye = np.concatenate([c[1] for c in calls[3 * e:3 * e + 3]])
        order = np.argsort(Xe[:, 0])
        np.testing.assert_array_equal(Xe[order], X)
        np.testing.assert_array_equal(ye[order], y)
        visit_orders.append(np.argsort(order))
    # the data are reshuffled: not in storage order, and a fresh order each epoch
    assert not np.array_equal(visit_orders[0], np.arange(N))
    assert not np.array_equal(visit_orders[0], visit_orders[1])


# ----------------------------------------------------------------------------------------------- module hygiene
def test_module_imports_with_numpy_only():
    code = ("import sys, solutions.softmax; "
            "bad = [m for m in ('torch', 'sklearn', 'tqdm', 'scipy', 'matplotlib') if m in sys.modules]; "
            "assert not bad, bad")
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    tree = ast.parse(Path(sm.__file__).read_text())
    top_imports = {alias.name.split(".")[0] for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
                   for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module)])}
    assert top_imports == {"numpy"}


def test_solution_regions_and_stub_behaviour():
    source = Path(sm.__file__).read_text()
    tree = ast.parse(source)
    lines = source.splitlines()
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert set(funcs) == set(STUDENT_FUNCTIONS) | set(GIVEN_FUNCTIONS)
    starts = sorted(n.lineno for n in tree.body) + [len(lines) + 1]
    for name, node in funcs.items():
        assert ast.get_docstring(node) and "Returns" in ast.get_docstring(node), name
        # a function's text runs up to the next top-level statement (the END marker follows its last statement)
        body = lines[node.lineno - 1:starts[starts.index(node.lineno) + 1] - 1]
        begins = [i for i, l in enumerate(body) if l.strip() == "### BEGIN SOLUTION"]
        ends = [i for i, l in enumerate(body) if l.strip() == "### END SOLUTION"]
        if name in GIVEN_FUNCTIONS:
            assert begins == [] and ends == [], name
            continue
        assert len(begins) == 1 and len(ends) == 1 and begins[0] < ends[0], name
        indent = " " * node.body[1].col_offset  # body[0] is the docstring
        assert body[begins[0]].startswith(indent + "#") and body[ends[0]].startswith(indent + "#"), name

    # what the stub generator does: replace each region by `raise NotImplementedError()`
    stub = re.sub(r"^([ \t]*)### BEGIN SOLUTION\n.*?^\1### END SOLUTION\n",
                  r"\1# YOUR CODE HERE\n\1raise NotImplementedError()\n", source, flags=re.S | re.M)
    assert "BEGIN SOLUTION" not in stub
    ns = {"__name__": "softmax_stub"}
    exec(compile(stub, "softmax_stub.py", "exec"), ns)
    X, y, W, b = np.ones((2, 3)), np.array([0, 1]), np.zeros((3, 2)), np.zeros(2)
    calls = {"one_hot": (y, 2), "softmax": (X,), "softmax_jacobian": (np.array([0.5, 0.5]),),
             "cross_entropy": (np.full((2, 2), 0.5), y), "softmax_loss": (X[:, :2], y),
             "linear_softmax_loss": (W, b, X, y, 0.0), "linear_predict": (W, b, X),
             "train_softmax_classifier": (X, y, 2, 0.1, 0.0, 1, 2, 0)}
    for name, args in calls.items():
        with pytest.raises(NotImplementedError):
            ns[name](*args)
