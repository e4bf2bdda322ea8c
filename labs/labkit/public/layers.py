"""Public self-checks for Lab 4 (backpropagation): small cases whose answers are known in closed form.

A backward check hands your backward function the cache that the forward function's docstring describes (for
the sigmoid: ``out``; for ReLU: ``x``; for leaky ReLU: ``(x, alpha)``; for the affine layer: ``(x, w, b)``), as the
grader does.
"""

import math

import numpy as np

from ..gradcheck import eval_numerical_gradient, rel_error
from ..selfcheck import CheckFailure, expect_close, expect_equal, public_check

LN2, LN3 = math.log(2.0), math.log(3.0)


def _pair(got, call):
    """``(out, cache)`` from a forward function's return value, or a report of what came back instead."""
    if not (isinstance(got, tuple) and len(got) == 2):
        shown = f"a tuple of {len(got)} values" if isinstance(got, tuple) else type(got).__name__
        raise CheckFailure(f"  call: {call}\n  expected a pair (out, cache), got {shown}")
    return got


def _backward_call(name, dout, cache_text):
    return f"{name}(dout, cache) with dout = {np.asarray(dout).tolist()}, cache = {cache_text}"


# ------------------------------------------------------------------------------------------------ activations

X_SIGMOID = np.array([0.0, LN3, -LN3])


@public_check("sigmoid_forward")
def _sigmoid_values(sigmoid_forward):
    """sigma(0) = 1/2, sigma(ln 3) = 3/4, sigma(-ln 3) = 1/4, and no overflow at +-1000"""
    out, _ = _pair(sigmoid_forward(X_SIGMOID), "sigmoid_forward(np.array([0, ln 3, -ln 3]))")
    expect_close(out, [0.5, 0.75, 0.25], "sigmoid_forward(np.array([0, ln 3, -ln 3]))")
    with np.errstate(over="raise", invalid="raise"):
        try:
            out, _ = _pair(sigmoid_forward(np.array([-1000.0, 1000.0])), "sigmoid_forward(np.array([-1000, 1000]))")
        except FloatingPointError as error:
            raise CheckFailure(f"  call: sigmoid_forward(np.array([-1000.0, 1000.0]))\n  {error}: compute exp only"
                               " of -|x| (see the docstring)") from None
    expect_close(out, [0.0, 1.0], "sigmoid_forward(np.array([-1000.0, 1000.0]))")


@public_check("sigmoid_backward")
def _sigmoid_derivative(sigmoid_backward):
    """sigma'(x) = sigma(x)(1 - sigma(x)): 1/4 at 0 and 3/16 at +-ln 3"""
    dout, out = np.array([1.0, 1.0, 2.0]), np.array([0.5, 0.75, 0.25])
    call = _backward_call("sigmoid_backward", dout, "out = sigma(x) = [0.5, 0.75, 0.25] for x = [0, ln 3, -ln 3]")
    expect_close(sigmoid_backward(dout, out), [0.25, 0.1875, 0.375], call)


@public_check("tanh_forward")
def _tanh_values(tanh_forward):
    """tanh(0) = 0, tanh(+-ln 2) = +-3/5"""
    out, _ = _pair(tanh_forward(np.array([0.0, LN2, -LN2])), "tanh_forward(np.array([0, ln 2, -ln 2]))")
    expect_close(out, [0.0, 0.6, -0.6], "tanh_forward(np.array([0, ln 2, -ln 2]))")


@public_check("tanh_backward")
def _tanh_derivative(tanh_backward):
    """tanh'(x) = 1 - tanh(x)^2: 1 at 0 and 16/25 at +-ln 2"""
    dout, out = np.array([1.0, 1.0, -2.0]), np.array([0.0, 0.6, -0.6])
    call = _backward_call("tanh_backward", dout, "out = tanh(x) = [0, 0.6, -0.6] for x = [0, ln 2, -ln 2]")
    expect_close(tanh_backward(dout, out), [1.0, 0.64, -1.28], call)


X_KINK = np.array([[-2.0, -0.5, 0.0], [0.5, 1.5, 3.0]])
DOUT_KINK = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


@public_check("relu_forward")
def _relu_values(relu_forward):
    """max(0, x) on a 2x3 array"""
    out, _ = _pair(relu_forward(X_KINK), "relu_forward(x)")
    expect_close(out, [[0.0, 0.0, 0.0], [0.5, 1.5, 3.0]], f"relu_forward(np.array({X_KINK.tolist()}))")


@public_check("relu_backward")
def _relu_derivative(relu_backward):
    """the gradient passes where x > 0 only; at x == 0 the derivative is 0"""
    call = _backward_call("relu_backward", DOUT_KINK, f"x = {X_KINK.tolist()}")
    expect_close(relu_backward(DOUT_KINK, X_KINK.copy()), [[0.0, 0.0, 0.0], [4.0, 5.0, 6.0]], call)


@public_check("leaky_relu_forward")
def _leaky_relu_values(leaky_relu_forward):
    """max(alpha x, x) with the default alpha = 0.1 and with alpha = 0.2"""
    out, _ = _pair(leaky_relu_forward(X_KINK), "leaky_relu_forward(x)")
    expect_close(out, [[-0.2, -0.05, 0.0], [0.5, 1.5, 3.0]], f"leaky_relu_forward(np.array({X_KINK.tolist()}))")
    out, _ = _pair(leaky_relu_forward(X_KINK, alpha=0.2), "leaky_relu_forward(x, alpha=0.2)")
    expect_close(out, [[-0.4, -0.1, 0.0], [0.5, 1.5, 3.0]],
                 f"leaky_relu_forward(np.array({X_KINK.tolist()}), alpha=0.2)")


@public_check("leaky_relu_backward")
def _leaky_relu_derivative(leaky_relu_backward):
    """slope 1 where x > 0, alpha elsewhere (x == 0 included), for alpha = 0.1 and 0.2"""
    for alpha, expected in ((0.1, [[0.1, 0.2, 0.3], [4.0, 5.0, 6.0]]), (0.2, [[0.2, 0.4, 0.6], [4.0, 5.0, 6.0]])):
        call = _backward_call("leaky_relu_backward", DOUT_KINK, f"(x, alpha) = ({X_KINK.tolist()}, {alpha})")
        expect_close(leaky_relu_backward(DOUT_KINK, (X_KINK.copy(), alpha)), expected, call)


X_ELU = np.array([-LN2, 0.0, 2.0])


@public_check("elu_forward")
def _elu_values(elu_forward):
    """elu(-ln 2) = alpha (1/2 - 1), elu(0) = 0, elu(2) = 2, for alpha = 1 and alpha = 2"""
    out, _ = _pair(elu_forward(X_ELU), "elu_forward(x)")
    expect_close(out, [-0.5, 0.0, 2.0], "elu_forward(np.array([-ln 2, 0, 2]))")
    out, _ = _pair(elu_forward(X_ELU, alpha=2.0), "elu_forward(x, alpha=2.0)")
    expect_close(out, [-1.0, 0.0, 2.0], "elu_forward(np.array([-ln 2, 0, 2]), alpha=2.0)")


@public_check("elu_backward")
def _elu_derivative(elu_backward):
    """elu'(x) = alpha e^x for x <= 0 and 1 for x > 0"""
    x, dout = np.array([-LN2, 2.0]), np.array([1.0, 3.0])
    for alpha, expected in ((1.0, [0.5, 3.0]), (2.0, [1.0, 3.0])):
        call = _backward_call("elu_backward", dout, f"(x, alpha) = ([-ln 2, 2], {alpha})")
        expect_close(elu_backward(dout, (x.copy(), alpha)), expected, call)


@public_check("softplus_forward")
def _softplus_values(softplus_forward):
    """softplus(0) = ln 2, softplus(ln 3) = ln 4, softplus(-ln 3) = ln(4/3), and +-1000 without overflow"""
    out, _ = _pair(softplus_forward(X_SIGMOID), "softplus_forward(np.array([0, ln 3, -ln 3]))")
    expect_close(out, [LN2, math.log(4.0), math.log(4.0 / 3.0)], "softplus_forward(np.array([0, ln 3, -ln 3]))")
    out, _ = _pair(softplus_forward(np.array([-1000.0, 1000.0])), "softplus_forward(np.array([-1000, 1000]))")
    expect_close(out, [0.0, 1000.0], "softplus_forward(np.array([-1000.0, 1000.0]))")


@public_check("softplus_backward")
def _softplus_derivative(softplus_backward):
    """the derivative of softplus is the sigmoid: 1/2, 3/4, 1/4"""
    dout = np.array([1.0, 1.0, 4.0])
    call = _backward_call("softplus_backward", dout, "x = [0, ln 3, -ln 3]")
    expect_close(softplus_backward(dout, X_SIGMOID.copy()), [0.5, 0.75, 1.0], call)


# ------------------------------------------------------------------------------------------------ affine, MSE

X_AFFINE = np.array([[1.0, 2.0], [3.0, 4.0]])
W_AFFINE = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
B_AFFINE = np.array([0.5, -0.5, 0.0])
DOUT_AFFINE = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 2.0]])
AFFINE_CALL = ("affine_forward(x, w, b) with x = [[1, 2], [3, 4]]{}, w = [[1, 0, 1], [0, 1, 1]],"
               " b = [0.5, -0.5, 0]")


@public_check("affine_forward")
def _affine_values(affine_forward):
    """a 2x2 batch times a 2x3 matrix plus a bias; the same batch shaped (2, 1, 2) gives the same result"""
    out, _ = _pair(affine_forward(X_AFFINE, W_AFFINE, B_AFFINE), AFFINE_CALL.format(""))
    expect_close(out, [[1.5, 1.5, 3.0], [3.5, 3.5, 7.0]], AFFINE_CALL.format(""))
    call = AFFINE_CALL.format(" reshaped to (2, 1, 2)")
    out, _ = _pair(affine_forward(X_AFFINE.reshape(2, 1, 2), W_AFFINE, B_AFFINE), call)
    expect_close(out, [[1.5, 1.5, 3.0], [3.5, 3.5, 7.0]], call)


@public_check("affine_backward")
def _affine_gradients(affine_backward):
    """dx, dw, db for a hand-computed case; dx keeps the shape (2, 1, 2) of x"""
    expected = {"dx": [[1.0, 0.0], [2.0, 3.0]], "dw": [[1.0, 3.0, 6.0], [2.0, 4.0, 8.0]], "db": [1.0, 1.0, 2.0]}
    for shape in ((2, 2), (2, 1, 2)):
        x_text = "[[1, 2], [3, 4]]" + ("" if shape == (2, 2) else f" reshaped to {shape}")
        call = _backward_call("affine_backward", DOUT_AFFINE,
                              f"(x, w, b) with x = {x_text}, w = [[1, 0, 1], [0, 1, 1]], b = [0.5, -0.5, 0]")
        grads = affine_backward(DOUT_AFFINE, (X_AFFINE.reshape(shape).copy(), W_AFFINE.copy(), B_AFFINE.copy()))
        if not (isinstance(grads, tuple) and len(grads) == 3):
            raise CheckFailure(f"  call: {call}\n  expected a tuple (dx, dw, db), got {type(grads).__name__}"
                               + (f" of length {len(grads)}" if isinstance(grads, tuple) else ""))
        dx, dw, db = grads
        expect_close(dx, np.reshape(expected["dx"], shape), call + "  [dx]")
        expect_close(dw, expected["dw"], call + "  [dw]")
        expect_close(db, expected["db"], call + "  [db]")


@public_check("mse_loss")
def _mse_values(mse_loss):
    """errors (0, 2, 0, 4) give the loss (0 + 4 + 0 + 16) / 4 = 5 and dpred = 2 * error / 4"""
    call = "mse_loss(np.array([[1, 2], [3, 4]]), np.array([[1, 0], [3, 0]]))"
    got = mse_loss(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0], [3.0, 0.0]]))
    if not (isinstance(got, tuple) and len(got) == 2):
        raise CheckFailure(f"  call: {call}\n  expected a pair (loss, dpred), got {type(got).__name__}")
    expect_close(got[0], 5.0, call + "  [loss]")
    expect_close(got[1], [[0.0, 1.0], [0.0, 2.0]], call + "  [dpred]")


# ------------------------------------------------------------------------------------------------ the graph


@public_check("sigmoid_neuron_graph")
def _graph_example(sigmoid_neuron_graph):
    """the notes' example w = (2, -3, -3), x = (-1, -2): d = 1, L = sigma(1), dL/dd = sigma(1)(1 - sigma(1))"""
    call = "sigmoid_neuron_graph([2.0, -3.0, -3.0], [-1.0, -2.0])"
    graph = sigmoid_neuron_graph([2.0, -3.0, -3.0], [-1.0, -2.0])
    if not isinstance(graph, dict):
        raise CheckFailure(f"  call: {call}\n  expected a dict of node values, got {type(graph).__name__}")
    names = ["f", "g", "e", "d", "c", "b", "a", "L", "dL", "da", "db", "dc", "dd", "de", "df", "dg",
             "dw0", "dw1", "dw2", "dx0", "dx1"]
    expect_equal(sorted(graph), sorted(names), f"sorted({call}.keys())")
    sig = 1.0 / (1.0 + math.exp(-1.0))
    slope = sig * (1.0 - sig)  # dL/dd of the sigmoid at d = 1
    known = {"f": -2.0, "g": 6.0, "e": 4.0, "d": 1.0, "c": -1.0, "b": math.exp(-1.0), "a": 1.0 + math.exp(-1.0),
             "L": sig, "dL": 1.0, "dd": slope, "de": slope, "df": slope, "dg": slope, "dw2": slope,
             "dw0": -slope, "dx0": 2.0 * slope, "dw1": -2.0 * slope, "dx1": -3.0 * slope}
    for name, value in known.items():
        expect_close(graph[name], value, f"{call}[{name!r}]")


# ------------------------------------------------------------------------------------------------ init


@public_check("init_weights")
def _init_weights_statistics(init_weights):
    """shapes, zeros, the spread of each scheme on a 400x100 matrix, the rng, and ValueError for a bad name"""
    zeros = init_weights(3, 5, "zeros", np.random.default_rng(0))
    expect_close(zeros, np.zeros((3, 5)), "init_weights(3, 5, 'zeros', np.random.default_rng(0))")
    n_in, n_out = 400, 100
    stds = {"small": 0.01, "large": 1.0, "xavier_in": math.sqrt(1 / n_in), "xavier_out": math.sqrt(1 / n_out),
            "xavier": math.sqrt(2 / (n_in + n_out)), "he": math.sqrt(2 / n_in)}
    for scheme, std in stds.items():
        call = f"init_weights({n_in}, {n_out}, {scheme!r}, np.random.default_rng(0))"
        W = np.asarray(init_weights(n_in, n_out, scheme, np.random.default_rng(0)))
        expect_equal(W.shape, (n_in, n_out), call + ".shape")
        if abs(W.std() / std - 1) > 0.05 or abs(W.mean()) > 0.05 * std:
            raise CheckFailure(f"  call: {call}\n  expected mean about 0 and std about {std:.4g} (within 5 %), got mean"
                               f" {W.mean():.4g} and std {W.std():.4g}")
    again = np.asarray(init_weights(n_in, n_out, "he", np.random.default_rng(0)))
    W = np.asarray(init_weights(n_in, n_out, "he", np.random.default_rng(0)))
    if not np.array_equal(W, again):
        raise CheckFailure("  two calls with np.random.default_rng(0) gave different weights: draw them from `rng`")
    try:
        init_weights(3, 5, "glorot", np.random.default_rng(0))
    except ValueError:
        pass
    else:
        raise CheckFailure("  call: init_weights(3, 5, 'glorot', np.random.default_rng(0))\n  expected ValueError"
                           " (an unknown scheme), but it returned")


# ------------------------------------------------------------------------------------------------ the MLP


def _tiny_params():
    """A 2-2-2 network: h = relu([1, -1]) = [1, 0] for x = [1, 2], and scores [1, -1]."""
    return {"W1": np.array([[1.0, 0.0], [0.0, 1.0]]), "b1": np.array([0.0, -3.0]),
            "W2": np.array([[1.0, -1.0], [2.0, 0.0]]), "b2": np.array([0.0, 0.0])}


@public_check("mlp_loss")
def _mlp_tiny_network(mlp_loss):
    """a hand-sized network: its scores, loss log(1 + e^-2), the reg term, and gradients that pass a numeric check"""
    X, y = np.array([[1.0, 2.0]]), np.array([0])
    call = "mlp_loss(params, X) for W1 = I, b1 = [0, -3], W2 = [[1, -1], [2, 0]], b2 = 0, X = [[1, 2]]"
    expect_close(mlp_loss(_tiny_params(), X), [[1.0, -1.0]], call)
    got = mlp_loss(_tiny_params(), X, y, 0.0)
    call = call.replace("params, X)", "params, X, y=[0], reg=0.0)")
    if not (isinstance(got, tuple) and len(got) == 2 and isinstance(got[1], dict)):
        raise CheckFailure(f"  call: {call}\n  expected a pair (loss, grads) with grads a dict")
    loss, grads = got
    expect_close(loss, math.log1p(math.exp(-2.0)), call + "  [loss]")
    expect_equal(sorted(grads), ["W1", "W2", "b1", "b2"], f"sorted(grads) of {call}")
    reg_loss, _ = mlp_loss(_tiny_params(), X, y, 0.5)
    expect_close(reg_loss - loss, 0.5 * (2.0 + 6.0), call.replace("reg=0.0", "reg=0.5")
                 + "  [the loss minus the loss with reg = 0: 0.5 * sum of squared weights = 4]")

    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(4, 5)), "b1": rng.normal(size=5), "W2": rng.normal(size=(5, 3)),
              "b2": rng.normal(size=3)}
    X, y = rng.normal(size=(3, 4)), np.array([0, 2, 1])
    _, grads = mlp_loss(params, X, y, 0.1)
    for key in sorted(params):
        def loss_at(value, key=key):
            return mlp_loss({**params, key: value}, X, y, 0.1)[0]

        numeric = eval_numerical_gradient(loss_at, params[key].copy())
        expect_equal(np.shape(grads[key]), params[key].shape, f"grads[{key!r}].shape (random 4-5-3 network)")
        error = rel_error(grads[key], numeric)
        if error > 1e-6:
            raise CheckFailure(f"  call: mlp_loss(params, X, y, reg=0.1) for a random 4-5-3 network\n"
                               f"  grads[{key!r}] disagrees with the numeric gradient: relative error {error:.2g}")
