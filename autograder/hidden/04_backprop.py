"""Hidden tests of Lab 4 (backpropagation). Inputs are random; answers come from the reference module.

Every backward pass is compared twice: with the reference's gradient (rtol 1e-7 for layers, 1e-6 for the MLP),
and with a numeric gradient of the reference's forward pass (central differences, h = 1e-5, float64), by the
relative error ``max(|a - b| / max(1e-8, |a| + |b|))``, which must be at most ``GRAD_TOL = 1e-4``. A right
gradient is typically near 1e-9, but the rounding error of a central difference (about 1e-16 |f| / h) lifts entries
near 1e-6 to 1e-5 now and then (seen over thousands of seeds); a wrong gradient is off by 1e-2 or more. The
MLP is graded through the given wrapper ``mlp_loss``, which builds the student's ``MLP`` from plain arrays.

A backward pass receives the cache that the forward function's docstring documents, built by the reference's
forward pass (so a wrong forward pass costs the forward tests only). The MLP runs the student's own pairs.
Numeric checks of ReLU-like functions use inputs at least 0.05 away from the kink; ReLU and leaky ReLU are
tested exactly at 0 separately (the reference's documented convention: derivative 0, resp. ``alpha``).
``init_weights`` is graded statistically on matrices of 75,000 to 180,000 weights: mean 0 (within five standard
errors, 5 / sqrt(size) of the prescribed standard deviation) and the prescribed standard deviation (within 3 %; the
sampling error is at most 0.26 %).
"""

import numpy as np

import solutions.layers as ref
from autograder.grade.spec import (
    FnRef,
    Spec,
    StudentCodeError,
    TestFailure,
    as_array,
    call_backward,
    call_forward,
    expect_close,
    expect_gradient,
    expect_tuple,
    kind_of,
    local_fn,
    numeric_elementwise_gradient,
    numeric_gradient,
    numeric_input_gradients,
    shapes,
    with_zeros,
)

GRAD_TOL = 1e-4
STD_TOL = 0.03
MEAN_SIGMAS = 5.0  # |mean| / std may be at most 5 / sqrt(number of weights): five standard errors
# Input shapes for elementwise functions: one sample, a batch, and a higher-rank array (see inputs.shapes).
ELEMENTWISE_SHAPES = [(1, (1, 6)), ((2, 7), (2, 7)), ((1, 4), (2, 4), (2, 5))]

spec = Spec("04_backprop", {
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "relu": "ReLU",
    "leaky_relu": "leaky ReLU",
    "elu": "ELU",
    "softplus": "softplus",
    "affine": "the affine layer",
    "mse": "the MSE loss",
    "graph": "the sigmoid neuron as a computational graph",
    "mlp": "the multi-layer perceptron",
    "init": "weight initialisation",
})


# ------------------------------------------------------------------------------------------------ helpers


def _moderate(rng, shape):
    """Inputs where the smooth activations are far from saturation (their derivatives stay above 1e-3)."""
    return np.clip(rng.normal(scale=2.5, size=shape), -4.0, 4.0)


def _away_from_zero(rng, shape, low=0.05, high=4.0):
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)


def _with_zeros(rng, shape):
    """A random array in which about a third of the entries are exactly 0.0."""
    return with_zeros(rng, _away_from_zero(rng, shape))


# ------------------------------------------------------------------------------------------------ activations


def _expect_forward(rng, student, act, x_maker=None, **kwargs):
    for shape in shapes(rng, ELEMENTWISE_SHAPES):
        x = rng.normal(scale=3, size=shape) if x_maker is None else x_maker(rng, shape)
        out, _ = call_forward(student, f"{act}_forward", x, **kwargs)
        want, _ = getattr(ref, f"{act}_forward")(x, **kwargs)
        expect_close(out, want, f"out of {act}_forward{_kw(kwargs)} on an input of shape {shape}")


def _expect_backward(rng, student, act, x_maker=_away_from_zero, numeric=True, **kwargs):
    for shape in shapes(rng, ELEMENTWISE_SHAPES):
        x = x_maker(rng, shape)
        dout = rng.normal(size=shape)

        def ref_forward(value):
            return getattr(ref, f"{act}_forward")(value, **kwargs)

        cache = ref_forward(x)[1]
        dx = call_backward(student, f"{act}_backward", dout, cache)
        want = getattr(ref, f"{act}_backward")(dout, cache)
        what = f"dx of {act}_backward (input of shape {shape}{', ' + _kw(kwargs)[1:-1] if kwargs else ''})"
        expect_close(dx, want, what)
        if numeric:
            expect_gradient(dx, numeric_elementwise_gradient(ref_forward, x, dout), what, GRAD_TOL)


def _expect_saturated(rng, student, act):
    """Forward and backward of ``act`` on inputs with |x| from 30 up to 800 (both signs, 800 and -800 included)."""
    shape = (int(rng.integers(3, 7)), int(rng.integers(3, 7)))
    x = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(30, 800, size=shape)
    x.flat[0], x.flat[1] = 800.0, -800.0
    dout = rng.normal(size=shape)
    out, _ = call_forward(student, f"{act}_forward", x)
    want, cache = getattr(ref, f"{act}_forward")(x)
    expect_close(out, want, f"out of {act}_forward on inputs with |x| up to 800")
    expect_close(call_backward(student, f"{act}_backward", dout, cache), getattr(ref, f"{act}_backward")(dout, cache),
                 f"dx of {act}_backward on inputs with |x| up to 800")


def _kw(kwargs):
    return "(" + ", ".join(f"{k}=..." for k in kwargs) + ")" if kwargs else ""


def _alpha(rng, low, high):
    return {"alpha": float(np.round(rng.uniform(low, high), 3))}


@spec.test("sigmoid")
def sigmoid_forward_values(rng, student):
    """sigmoid_forward on random inputs of several shapes (N = 1 included)"""
    _expect_forward(rng, student, "sigmoid")


@spec.test("sigmoid")
def sigmoid_backward_gradients(rng, student):
    """sigmoid_backward matches the reference and the numeric gradient"""
    _expect_backward(rng, student, "sigmoid", _moderate)


@spec.test("sigmoid")
def sigmoid_on_saturated_inputs(rng, student):
    """sigmoid forward and backward stay finite and right for |x| up to 800"""
    _expect_saturated(rng, student, "sigmoid")


@spec.test("tanh")
def tanh_forward_values(rng, student):
    """tanh_forward on random inputs of several shapes (N = 1 included)"""
    _expect_forward(rng, student, "tanh")


@spec.test("tanh")
def tanh_backward_gradients(rng, student):
    """tanh_backward matches the reference and the numeric gradient"""
    _expect_backward(rng, student, "tanh", _moderate)


@spec.test("relu")
def relu_forward_values(rng, student):
    """relu_forward on random inputs of several shapes (N = 1 included)"""
    _expect_forward(rng, student, "relu")


@spec.test("relu")
def relu_backward_gradients(rng, student):
    """relu_backward matches the reference and the numeric gradient (away from 0)"""
    _expect_backward(rng, student, "relu")


@spec.test("relu")
def relu_at_zero(rng, student):
    """at x == 0 relu_forward gives 0 and relu_backward uses the derivative 0"""
    _expect_forward(rng, student, "relu", _with_zeros)
    _expect_backward(rng, student, "relu", _with_zeros, numeric=False)


@spec.test("leaky_relu")
def leaky_relu_forward_values(rng, student):
    """leaky_relu_forward with the default alpha = 0.1 and with another alpha"""
    for shape in shapes(rng, ELEMENTWISE_SHAPES):
        x = rng.normal(scale=3, size=shape)
        out, _ = call_forward(student, "leaky_relu_forward", x)
        expect_close(out, ref.leaky_relu_forward(x)[0], f"out of leaky_relu_forward(x) (default alpha, shape {shape})")
    _expect_forward(rng, student, "leaky_relu", **_alpha(rng, 0.01, 0.5))


@spec.test("leaky_relu")
def leaky_relu_backward_gradients(rng, student):
    """leaky_relu_backward matches the reference and the numeric gradient, default and other alpha"""
    _expect_backward(rng, student, "leaky_relu")
    _expect_backward(rng, student, "leaky_relu", **_alpha(rng, 0.01, 0.5))


@spec.test("leaky_relu")
def leaky_relu_at_zero(rng, student):
    """at x == 0 leaky_relu_backward uses the derivative alpha"""
    _expect_backward(rng, student, "leaky_relu", _with_zeros, numeric=False)
    _expect_backward(rng, student, "leaky_relu", _with_zeros, numeric=False, **_alpha(rng, 0.01, 0.5))


@spec.test("elu")
def elu_forward_values(rng, student):
    """elu_forward with the default alpha = 1 and with another alpha"""
    _expect_forward(rng, student, "elu")
    _expect_forward(rng, student, "elu", **_alpha(rng, 0.2, 3.0))


@spec.test("elu")
def elu_backward_gradients(rng, student):
    """elu_backward matches the reference and the numeric gradient, default and other alpha"""
    _expect_backward(rng, student, "elu")
    _expect_backward(rng, student, "elu", **_alpha(rng, 0.2, 3.0))


@spec.test("softplus")
def softplus_forward_values(rng, student):
    """softplus_forward on random inputs of several shapes (N = 1 included)"""
    _expect_forward(rng, student, "softplus")


@spec.test("softplus")
def softplus_backward_gradients(rng, student):
    """softplus_backward matches the reference and the numeric gradient"""
    _expect_backward(rng, student, "softplus", _moderate)


@spec.test("softplus")
def softplus_on_large_inputs(rng, student):
    """softplus forward and backward stay finite and right for |x| up to 800"""
    _expect_saturated(rng, student, "softplus")


# ------------------------------------------------------------------------------------------------ affine layer


def _affine_problem(rng, x_shape):
    n, d = x_shape[0], int(np.prod(x_shape[1:]))
    m = int(rng.integers(2, 6))
    return rng.normal(size=x_shape), rng.normal(size=(d, m)), rng.normal(size=m), rng.normal(size=(n, m))


def _affine_gradients(rng, student, x_shape):
    """(student's dx, dw, db, reference's, numeric's) for a random problem with inputs of ``x_shape``."""
    x, w, b, dout = _affine_problem(rng, x_shape)
    cache = ref.affine_forward(x, w, b)[1]
    got = call_backward(student, "affine_backward", dout, cache, names=("dx", "dw", "db"))
    want = ref.affine_backward(dout, cache)
    return got, want, numeric_input_gradients(ref.affine_forward, (x, w, b), dout, which=(0, 1, 2))


def _expect_affine_gradient(got, want, numeric, which, x_shape):
    names = ("dx", "dw", "db")
    i = names.index(which)
    what = f"{which} of affine_backward (x of shape {x_shape})"
    expect_close(got[i], want[i], what)
    expect_gradient(got[i], numeric[i], what, GRAD_TOL)


def _matrix_shape(rng):
    return (int(rng.integers(2, 6)), int(rng.integers(2, 7)))


@spec.test("affine")
def affine_forward_on_matrices(rng, student):
    """affine_forward on x of shape (N, D)"""
    x, w, b, _ = _affine_problem(rng, _matrix_shape(rng))
    out, _ = call_forward(student, "affine_forward", x, w, b)
    expect_close(out, ref.affine_forward(x, w, b)[0], f"out of affine_forward (x of shape {x.shape})")


@spec.test("affine")
def affine_forward_on_higher_rank_inputs(rng, student):
    """affine_forward flattens x of shape (N, d1, ..., dk), N = 1 included"""
    for x_shape in ((int(rng.integers(2, 5)), 2, 3), (1, 3, 2, 2), (1, int(rng.integers(2, 6)))):
        x, w, b, _ = _affine_problem(rng, x_shape)
        out, _ = call_forward(student, "affine_forward", x, w, b)
        expect_close(out, ref.affine_forward(x, w, b)[0], f"out of affine_forward (x of shape {x_shape})")


@spec.test("affine")
def affine_backward_dx(rng, student):
    """dx of affine_backward matches the reference and the numeric gradient"""
    x_shape = _matrix_shape(rng)
    _expect_affine_gradient(*_affine_gradients(rng, student, x_shape), "dx", x_shape)


@spec.test("affine")
def affine_backward_dw(rng, student):
    """dw of affine_backward matches the reference and the numeric gradient"""
    x_shape = _matrix_shape(rng)
    _expect_affine_gradient(*_affine_gradients(rng, student, x_shape), "dw", x_shape)


@spec.test("affine")
def affine_backward_db(rng, student):
    """db of affine_backward matches the reference and the numeric gradient"""
    x_shape = _matrix_shape(rng)
    _expect_affine_gradient(*_affine_gradients(rng, student, x_shape), "db", x_shape)


@spec.test("affine")
def affine_backward_on_higher_rank_inputs(rng, student):
    """dx has the shape of x (N, d1, ..., dk) and dw is right for such x, N = 1 included"""
    for x_shape in ((int(rng.integers(2, 5)), 2, 3), (1, 2, 2, 3)):
        got, want, numeric = _affine_gradients(rng, student, x_shape)
        _expect_affine_gradient(got, want, numeric, "dx", x_shape)
        _expect_affine_gradient(got, want, numeric, "dw", x_shape)


# ------------------------------------------------------------------------------------------------ MSE


def _mse_shapes(rng):
    return [(1, 1), (int(rng.integers(2, 7)), int(rng.integers(2, 5))), (int(rng.integers(2, 8)),)]


@spec.test("mse")
def mse_loss_value(rng, student):
    """mse_loss is the mean over all elements, for (1, 1), (N, M) and (N,) arrays"""
    for shape in _mse_shapes(rng):
        pred, target = rng.normal(size=shape), rng.normal(size=shape)
        got = expect_tuple(student.mse_loss(pred, target), ("loss", "dpred"), "mse_loss")
        expect_close(got[0], ref.mse_loss(pred, target)[0], f"the loss of predictions of shape {shape}",
                     allow_scalar=True)


@spec.test("mse")
def mse_loss_gradient(rng, student):
    """dpred of mse_loss matches the reference and the numeric gradient"""
    for shape in _mse_shapes(rng):
        pred, target = rng.normal(size=shape), rng.normal(size=shape)
        got = expect_tuple(student.mse_loss(pred, target), ("loss", "dpred"), "mse_loss")
        what = f"dpred of mse_loss (predictions of shape {shape})"
        expect_close(got[1], ref.mse_loss(pred, target)[1], what)
        expect_gradient(got[1], numeric_gradient(lambda p: ref.mse_loss(p, target)[0], pred), what, GRAD_TOL)


# ------------------------------------------------------------------------------------------------ the graph

FORWARD_NODES = ("f", "g", "e", "d", "c", "b", "a", "L")
NODE_GRADIENTS = ("dL", "da", "db", "dc", "dd", "de", "df", "dg")
INPUT_GRADIENTS = ("dw0", "dw1", "dw2", "dx0", "dx1")


def _graph(rng, student):
    w, x = rng.normal(scale=1.5, size=3), rng.normal(scale=1.5, size=2)
    got = student.sigmoid_neuron_graph(w, x)
    if not isinstance(got, dict):
        raise TestFailure(f"sigmoid_neuron_graph should return a dict of node values; it returned a {kind_of(got)}")
    return w, x, got, ref.sigmoid_neuron_graph(w, x)


def _expect_nodes(got, want, names, kind):
    for name in names:
        if name not in got:
            raise TestFailure(f"the graph has no entry {name!r} ({kind})")
        expect_close(got[name], want[name], f"graph[{name!r}]", allow_scalar=True)


@spec.test("graph")
def graph_forward_values(rng, student):
    """every forward node f, g, e, d, c, b, a and the output L"""
    _, _, got, want = _graph(rng, student)
    _expect_nodes(got, want, FORWARD_NODES, "a forward value")


@spec.test("graph")
def graph_node_gradients(rng, student):
    """the gradient of L with respect to every intermediate node"""
    _, _, got, want = _graph(rng, student)
    _expect_nodes(got, want, NODE_GRADIENTS, "a gradient")


@spec.test("graph")
def graph_input_gradients(rng, student):
    """the gradients of L with respect to w0, w1, w2, x0, x1 match the reference and numeric derivatives"""
    w, x, got, want = _graph(rng, student)
    _expect_nodes(got, want, INPUT_GRADIENTS, "a gradient")
    numeric = np.concatenate([numeric_gradient(lambda v: ref.sigmoid_neuron_graph(v, x)["L"], w),
                              numeric_gradient(lambda v: ref.sigmoid_neuron_graph(w, v)["L"], x)])
    expect_gradient(np.array([float(as_array(got[k], f"graph[{k!r}]", allow_scalar=True)) for k in INPUT_GRADIENTS]),
                    numeric, "the vector of input gradients (dw0, dw1, dw2, dx0, dx1)", GRAD_TOL)


# ------------------------------------------------------------------------------------------------ the MLP


def _mlp_problem(rng, sizes, x_shape):
    """Random parameters and data whose ReLU inputs all stay at least 1e-3 away from the kink."""
    for _ in range(50):
        params = {}
        for l in range(1, len(sizes)):
            params[f"W{l}"] = rng.normal(scale=0.6, size=(sizes[l - 1], sizes[l]))
            params[f"b{l}"] = rng.normal(scale=0.2, size=sizes[l])
        X = rng.normal(size=x_shape)
        y = rng.integers(0, sizes[-1], size=x_shape[0])
        h, smallest = X.reshape(x_shape[0], -1), np.inf
        for l in range(1, len(sizes) - 1):
            a = h @ params[f"W{l}"] + params[f"b{l}"]
            smallest = min(smallest, float(np.min(np.abs(a))))
            h = np.maximum(a, 0)
        if smallest > 1e-3:
            return params, X, y
    raise RuntimeError("no kink-free MLP problem found")  # never happens for the sizes used here


def _student_mlp(student, params, X, y, reg):
    got = student.mlp_loss(params, X, y, reg)
    if not (isinstance(got, tuple) and len(got) == 2 and isinstance(got[1], dict)):
        raise TestFailure(f"MLP.loss(X, y) should return the pair (loss, grads) with grads a dict; it returned"
                          f" a {kind_of(got)}")
    return got


def _expect_mlp_loss(student, params, X, y, reg, what):
    loss, _ = _student_mlp(student, params, X, y, reg)
    expect_close(loss, ref.mlp_loss(params, X, y, reg)[0], what, rtol=1e-9, allow_scalar=True)


def _expect_mlp_gradients(student, params, X, y, reg, what, numeric=True):
    _, grads = _student_mlp(student, params, X, y, reg)
    _, want = ref.mlp_loss(params, X, y, reg)
    missing = sorted(set(want) - set(grads))
    if missing:
        raise TestFailure(f"grads has no entry for {', '.join(missing)} ({what})")
    for key in sorted(want):
        expect_close(grads[key], want[key], f"grads[{key!r}] ({what})", rtol=1e-6, atol=1e-10)
        if numeric:

            def loss_at(value, key=key):
                return ref.mlp_loss({**params, key: value}, X, y, reg)[0]

            expect_gradient(grads[key], numeric_gradient(loss_at, params[key]), f"grads[{key!r}] ({what})", GRAD_TOL)


def _two_layer(rng):
    n, d, hidden, classes = int(rng.integers(2, 6)), int(rng.integers(3, 6)), int(rng.integers(3, 7)), 3
    return _mlp_problem(rng, [d, hidden, classes], (n, d))


def _reg(rng):
    return float(np.round(rng.uniform(0.05, 0.5), 3))


@spec.test("mlp")
def mlp_scores(rng, student):
    """without labels, MLP.loss returns the class scores of two- and three-layer networks"""
    for sizes, x_shape in (([4, 5, 3], (int(rng.integers(1, 6)), 4)), ([6, 5, 4, 3], (3, 2, 3))):
        params, X, _ = _mlp_problem(rng, sizes, x_shape)
        expect_close(student.mlp_loss(params, X), ref.mlp_loss(params, X),
                     f"the scores of a network of sizes {sizes}", rtol=1e-9)


@spec.test("mlp")
def mlp_loss_without_regularisation(rng, student):
    """the loss of a two-layer network (reg = 0)"""
    params, X, y = _two_layer(rng)
    _expect_mlp_loss(student, params, X, y, 0.0, "the loss (reg = 0)")


@spec.test("mlp", points=2)
def mlp_gradients_without_regularisation(rng, student):
    """every parameter's gradient in a two-layer network (reg = 0), against the reference and numerically"""
    params, X, y = _two_layer(rng)
    _expect_mlp_gradients(student, params, X, y, 0.0, "two layers, reg = 0")


@spec.test("mlp")
def mlp_deeper_network_on_images(rng, student):
    """a three-layer network on inputs of shape (N, 2, 3), and on a single sample"""
    for n in (int(rng.integers(2, 5)), 1):
        params, X, y = _mlp_problem(rng, [6, 5, 4, 3], (n, 2, 3))
        _expect_mlp_loss(student, params, X, y, 0.0, f"the loss of a three-layer network (N = {n})")
        _expect_mlp_gradients(student, params, X, y, 0.0, f"three layers, N = {n}", numeric=False)


@spec.test("mlp")
def mlp_regularised_loss(rng, student):
    """the loss includes reg * sum(W * W) over the weight matrices only"""
    params, X, y = _two_layer(rng)
    _expect_mlp_loss(student, params, X, y, _reg(rng), "the regularised loss")


@spec.test("mlp")
def mlp_regularised_gradients(rng, student):
    """the gradients include 2 * reg * W for the weights (and nothing for the biases)"""
    params, X, y = _two_layer(rng)
    _expect_mlp_gradients(student, params, X, y, _reg(rng), "two layers, reg > 0")


# ------------------------------------------------------------------------------------------------ init


def _fans(rng):
    """(n_in, n_out) with one about three times the other, in either order."""
    small, large = int(rng.integers(150, 260)), int(rng.integers(500, 700))
    return (small, large) if rng.random() < 0.5 else (large, small)


def _weights(student, rng, n_in, n_out, scheme):
    seed = int(rng.integers(2**31))
    got = student.init_weights(n_in, n_out, scheme, FnRef("default_rng", seed=seed))
    W = as_array(got, f"init_weights(n_in, n_out, {scheme!r}, rng)")
    if W.shape != (n_in, n_out):
        raise TestFailure(f"init_weights(n_in, n_out, {scheme!r}, rng) has shape {W.shape}; expected (n_in, n_out)"
                          f" = {(n_in, n_out)}")
    if not np.all(np.isfinite(W)):
        raise TestFailure(f"init_weights(n_in, n_out, {scheme!r}, rng) contains non-finite numbers")
    return W, seed


def _expect_statistics(student, rng, scheme):
    n_in, n_out = _fans(rng)
    W, seed = _weights(student, rng, n_in, n_out, scheme)
    std = float(np.std(ref.init_weights(n_in, n_out, scheme, local_fn(FnRef("default_rng", seed=seed)))))
    call = f"init_weights(n_in, n_out, {scheme!r}, rng) with n_in = {n_in}, n_out = {n_out}"
    mean, allowed = float(np.mean(W)) / std, MEAN_SIGMAS / np.sqrt(W.size)
    if not abs(mean) <= allowed:
        raise TestFailure(f"{call}: the weights should have mean 0; their mean is {mean:.2g} times the standard"
                          f" deviation the scheme prescribes (allowed: {allowed:.2g})")
    ratio = float(np.std(W)) / std - 1
    if not abs(ratio) <= STD_TOL:
        direction = "above" if ratio > 0 else "below"
        raise TestFailure(f"{call}: the standard deviation of the weights is {abs(ratio):.0%} {direction} the one"
                          f" the scheme prescribes (allowed: {STD_TOL:.0%})")


@spec.test("init")
def init_zeros(rng, student):
    """'zeros' gives a matrix of zeros of shape (n_in, n_out)"""
    n_in, n_out = int(rng.integers(2, 30)), int(rng.integers(2, 30))
    W, _ = _weights(student, rng, n_in, n_out, "zeros")
    expect_close(W, np.zeros((n_in, n_out)), "init_weights(n_in, n_out, 'zeros', rng)", atol=0)


@spec.test("init")
def init_small_and_large(rng, student):
    """'small' (std 0.01) and 'large' (std 1): mean 0 and the right spread"""
    _expect_statistics(student, rng, "small")
    _expect_statistics(student, rng, "large")


def _statistics_test(scheme, formula):
    def test(rng, student):
        _expect_statistics(student, rng, scheme)

    test.__name__ = f"init_{scheme}"
    test.__doc__ = f"{scheme!r}: mean 0 and variance {formula}, for n_in < n_out and n_in > n_out"
    return test


for _scheme, _formula in (("xavier_in", "1 / n_in"), ("xavier_out", "1 / n_out"), ("xavier", "2 / (n_in + n_out)"),
                          ("he", "2 / n_in")):
    spec.test("init")(_statistics_test(_scheme, _formula))


@spec.test("init")
def init_draws_from_the_given_rng(rng, student):
    """the same rng seed gives the same weights, another seed other weights"""
    n_in, n_out = int(rng.integers(5, 40)), int(rng.integers(5, 40))
    seed = int(rng.integers(2**31))
    first = as_array(student.init_weights(n_in, n_out, "he", FnRef("default_rng", seed=seed)), "init_weights")
    again = as_array(student.init_weights(n_in, n_out, "he", FnRef("default_rng", seed=seed)), "init_weights")
    other = as_array(student.init_weights(n_in, n_out, "he", FnRef("default_rng", seed=seed + 1)), "init_weights")
    if first.shape != again.shape or not np.array_equal(first, again):
        raise TestFailure("two calls of init_weights(n_in, n_out, 'he', rng) with generators of the same seed gave"
                          " different weights: draw the random numbers from `rng` (e.g. rng.normal), not from"
                          " np.random")
    if first.shape == other.shape and np.array_equal(first, other):
        raise TestFailure("generators of different seeds gave the same weights: draw them from `rng`")


@spec.test("init")
def init_rejects_unknown_schemes(rng, student):
    """an unknown scheme name raises ValueError"""
    scheme = str(rng.choice(["glorot", "kaiming", "uniform", "orthogonal", "lecun"]))
    try:
        student.init_weights(4, 3, scheme, FnRef("default_rng", seed=0))
    except StudentCodeError as error:
        if str(error).startswith("`init_weights` raised ValueError"):
            return
        raise
    raise TestFailure(f"init_weights(4, 3, {scheme!r}, rng) returned a value; an unknown scheme should raise"
                      " ValueError")
