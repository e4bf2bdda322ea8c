"""Oracle tests for solutions/layers.py (Lab 4: backpropagation).

PyTorch (float64, autograd) is the independent implementation every value and gradient is compared with;
central differences (h = 1e-5) check the gradients a second way.
"""

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays
from oracle import DT, numeric_gradient, rel_error, strict_fp, t

from solutions import layers

# ---------------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------------


# name, forward kwargs (None: call with the default), torch function with the same parameters
ACTIVATION_CASES = [
    ("sigmoid", None, torch.sigmoid),
    ("tanh", None, torch.tanh),
    ("relu", None, torch.relu),
    ("leaky_relu", None, lambda z: F.leaky_relu(z, negative_slope=0.1)),  # the notes' default alpha = 0.1
    ("leaky_relu", {"alpha": 0.01}, lambda z: F.leaky_relu(z, negative_slope=0.01)),
    ("leaky_relu", {"alpha": 0.3}, lambda z: F.leaky_relu(z, negative_slope=0.3)),
    ("elu", None, lambda z: F.elu(z, alpha=1.0)),
    ("elu", {"alpha": 0.5}, lambda z: F.elu(z, alpha=0.5)),
    ("elu", {"alpha": 2.0}, lambda z: F.elu(z, alpha=2.0)),
    ("softplus", None, lambda z: torch.logaddexp(z, torch.zeros_like(z))),  # exact log(1 + e^z)
]
CASE_IDS = [f"{name}-{kw}" for name, kw, _ in ACTIVATION_CASES]


def forward_backward(name, kwargs):
    fwd = getattr(layers, f"{name}_forward")
    bwd = getattr(layers, f"{name}_backward")
    if kwargs is None:
        return fwd, bwd
    return (lambda x: fwd(x, **kwargs)), bwd


# Exactly at the kinks, at large |x| and a few in between.
SPECIAL = np.array([0.0, -0.0, 1e-12, -1e-12, 0.5, -0.5, 3.0, -3.0, 19.0, 21.0, -21.0, 40.0, -40.0,
                    700.0, -700.0, 710.0, -710.0, 1e3, -1e3, 5e3, -5e3])


def activation_inputs():
    rng = np.random.default_rng(4)
    yield SPECIAL
    yield np.zeros((2, 3))
    for shape in [(1,), (1, 7), (4, 5), (2, 3, 4)]:
        yield 3.0 * rng.standard_normal(shape)


# ---------------------------------------------------------------------------------------------------------------
# activations vs PyTorch
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,kwargs,torch_fn", ACTIVATION_CASES, ids=CASE_IDS)
def test_activation_matches_torch(name, kwargs, torch_fn):
    fwd, bwd = forward_backward(name, kwargs)
    rng = np.random.default_rng(0)
    for x in activation_inputs():
        dout = rng.standard_normal(x.shape)
        with warnings.catch_warnings(), strict_fp():
            warnings.simplefilter("error")
            out, cache = fwd(x.copy())
            dx = bwd(dout, cache)
        xt = t(x, grad=True)
        yt = torch_fn(xt)
        yt.backward(t(dout))
        assert out.shape == x.shape and dx.shape == x.shape
        assert out.dtype == np.float64 and dx.dtype == np.float64
        assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))
        np.testing.assert_allclose(out, yt.detach().numpy(), rtol=1e-12, atol=1e-300)
        # the derivative at saturation (1 - tanh(19)**2 ~ 1e-16) depends on the last bit of the libm's tanh
        np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_softplus_matches_torch_softplus():
    """torch's F.softplus returns x itself above its threshold 20: agreement up to e^-20 relative."""
    for x in activation_inputs():
        out, cache = layers.softplus_forward(x)
        dx = layers.softplus_backward(np.ones_like(x), cache)
        xt = t(x, grad=True)
        F.softplus(xt).sum().backward()
        np.testing.assert_allclose(out, F.softplus(t(x)).numpy(), rtol=1e-8, atol=1e-300)
        np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-8, atol=1e-300)


@pytest.mark.parametrize("name,kwargs,torch_fn", ACTIVATION_CASES, ids=CASE_IDS)
def test_derivative_at_zero_is_torchs(name, kwargs, torch_fn):
    """The documented derivative at exactly 0 (ReLU 0, leaky ReLU alpha, ELU alpha) is PyTorch's."""
    fwd, bwd = forward_backward(name, kwargs)
    x = np.zeros(3)
    dx = bwd(np.ones(3), fwd(x)[1])
    xt = t(x, grad=True)
    torch_fn(xt).sum().backward()
    np.testing.assert_array_equal(dx, xt.grad.numpy())


@pytest.mark.parametrize("name,kwargs,torch_fn", ACTIVATION_CASES, ids=CASE_IDS)
def test_activation_numeric_gradient(name, kwargs, torch_fn):
    fwd, bwd = forward_backward(name, kwargs)
    rng = np.random.default_rng(1)
    for shape in [(1,), (3, 4), (2, 3, 2)]:
        # keep away from the kink at 0, where central differences straddle two slopes
        x = rng.uniform(0.1, 3.0, shape) * rng.choice([-1.0, 1.0], shape)
        dout = rng.standard_normal(shape)
        dx = bwd(dout, fwd(x)[1])
        dx_num = numeric_gradient(lambda z: fwd(z)[0], x, dout)
        assert rel_error(dx, dx_num) < 1e-7


def test_forward_does_not_modify_input():
    x = np.array([-2.0, -0.0, 0.0, 1.5, 1e3, -1e3])
    for name in ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus"]:
        x_before = x.copy()
        out, cache = getattr(layers, f"{name}_forward")(x)
        getattr(layers, f"{name}_backward")(np.ones_like(x), cache)
        np.testing.assert_array_equal(x, x_before)


finite = st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False)
float_arrays = arrays(np.float64, array_shapes(min_dims=1, max_dims=3, max_side=5), elements=finite)


@settings(max_examples=60, deadline=None)
@given(x=float_arrays)
def test_all_activations_finite_without_warnings(x):
    for name in ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus"]:
        with warnings.catch_warnings(), strict_fp():
            warnings.simplefilter("error")
            out, cache = getattr(layers, f"{name}_forward")(x)
            dx = getattr(layers, f"{name}_backward")(np.ones_like(x), cache)
        assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx)), name


@settings(max_examples=60, deadline=None)
@given(x=float_arrays)
def test_sigmoid_softplus_tanh_identities(x):
    s, _ = layers.sigmoid_forward(x)
    s_neg, _ = layers.sigmoid_forward(-x)
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s + s_neg, 1.0, rtol=0, atol=1e-15)  # sigma(-x) = 1 - sigma(x)
    sp, _ = layers.softplus_forward(x)
    sp_neg, _ = layers.softplus_forward(-x)
    assert np.all(sp >= np.maximum(x, 0.0))
    # softplus(x) - softplus(-x) = x
    assert np.all(np.abs(sp - sp_neg - x) <= 1e-12 * (1.0 + np.abs(x)))
    th, _ = layers.tanh_forward(x / 4)  # x / 4 keeps 2 * x finite
    s2, _ = layers.sigmoid_forward(x / 2)
    np.testing.assert_allclose(th, 2 * s2 - 1, rtol=0, atol=1e-12)  # tanh(x) = 2 sigma(2x) - 1


@settings(max_examples=60, deadline=None)
@given(x=float_arrays, alpha=st.floats(0.0, 1.0))
def test_leaky_relu_is_max_of_alpha_x_and_x(x, alpha):
    out, cache = layers.leaky_relu_forward(x, alpha=alpha)
    np.testing.assert_array_equal(out, np.maximum(alpha * x, x))
    np.testing.assert_array_equal(layers.leaky_relu_backward(np.ones_like(x), cache),
                                  np.where(x > 0, 1.0, alpha))
    relu_out, relu_cache = layers.relu_forward(x)
    np.testing.assert_array_equal(relu_out, np.maximum(x, 0.0))
    np.testing.assert_array_equal(layers.relu_backward(np.ones_like(x), relu_cache), (x > 0).astype(float))


# ---------------------------------------------------------------------------------------------------------------
# affine layer and MSE
# ---------------------------------------------------------------------------------------------------------------

AFFINE_SHAPES = [((1, 2, 3, 4), 5), ((5, 2, 3, 4), 5), ((3, 10), 7), ((1, 6), 1), ((4, 3, 5), 2)]


@pytest.mark.parametrize("x_shape,M", AFFINE_SHAPES)
def test_affine_matches_torch(x_shape, M):
    rng = np.random.default_rng(2)
    D = int(np.prod(x_shape[1:]))
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal((D, M)), rng.standard_normal(M)
    dout = rng.standard_normal((x_shape[0], M))
    out, cache = layers.affine_forward(x, w, b)
    assert len(cache) == 3
    np.testing.assert_array_equal(cache[0], x)
    np.testing.assert_array_equal(cache[1], w)
    np.testing.assert_array_equal(cache[2], b)
    dx, dw, db = layers.affine_backward(dout, cache)

    xt, wt, bt = t(x, True), t(w, True), t(b, True)
    yt = xt.reshape(x_shape[0], -1) @ wt + bt
    yt.backward(t(dout))
    assert out.shape == (x_shape[0], M)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    np.testing.assert_allclose(out, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw, wt.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(db, bt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("x_shape,M", AFFINE_SHAPES[:3])
def test_affine_numeric_gradient(x_shape, M):
    rng = np.random.default_rng(3)
    D = int(np.prod(x_shape[1:]))
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal((D, M)), rng.standard_normal(M)
    dout = rng.standard_normal((x_shape[0], M))
    dx, dw, db = layers.affine_backward(dout, layers.affine_forward(x, w, b)[1])
    assert rel_error(dx, numeric_gradient(lambda z: layers.affine_forward(z, w, b)[0], x, dout)) < 1e-7
    assert rel_error(dw, numeric_gradient(lambda z: layers.affine_forward(x, z, b)[0], w, dout)) < 1e-7
    assert rel_error(db, numeric_gradient(lambda z: layers.affine_forward(x, w, z)[0], b, dout)) < 1e-7


@pytest.mark.parametrize("shape", [(1, 1), (4, 3), (7,), (2, 3, 4)])
def test_mse_matches_torch(shape):
    rng = np.random.default_rng(5)
    pred, target = rng.standard_normal(shape), rng.standard_normal(shape)
    loss, dpred = layers.mse_loss(pred, target)
    pt = t(pred, True)
    lt = F.mse_loss(pt, t(target), reduction="mean")  # mean over all elements
    lt.backward()
    assert isinstance(loss, float)
    assert dpred.shape == pred.shape
    assert math.isclose(loss, lt.item(), rel_tol=1e-12)
    np.testing.assert_allclose(dpred, pt.grad.numpy(), rtol=1e-12, atol=1e-15)
    dnum = numeric_gradient(lambda z: layers.mse_loss(z, target)[0], pred)
    assert rel_error(dpred, dnum) < 1e-7


# ---------------------------------------------------------------------------------------------------------------
# the computational-graph example
# ---------------------------------------------------------------------------------------------------------------

GRAPH_NODES = ["f", "g", "e", "d", "c", "b", "a", "L"]
GRAPH_GRADS = ["dL", "da", "db", "dc", "dd", "de", "df", "dg", "dw0", "dw1", "dw2", "dx0", "dx1"]


@pytest.mark.parametrize("seed", range(6))
def test_sigmoid_neuron_graph_matches_torch(seed):
    rng = np.random.default_rng(seed)
    w, x = rng.normal(0, 2, 3), rng.normal(0, 2, 2)
    graph = layers.sigmoid_neuron_graph(w, x)
    assert set(graph) == set(GRAPH_NODES + GRAPH_GRADS)
    assert all(isinstance(v, float) for v in graph.values())

    w0, w1, w2 = (torch.tensor(float(v), dtype=DT, requires_grad=True) for v in w)
    x0, x1 = (torch.tensor(float(v), dtype=DT, requires_grad=True) for v in x)
    nodes = {}
    nodes["f"] = w0 * x0
    nodes["g"] = w1 * x1
    nodes["e"] = nodes["f"] + nodes["g"]
    nodes["d"] = nodes["e"] + w2
    nodes["c"] = -nodes["d"]
    nodes["b"] = torch.exp(nodes["c"])
    nodes["a"] = 1 + nodes["b"]
    nodes["L"] = 1 / nodes["a"]
    for node in nodes.values():
        node.retain_grad()
    nodes["L"].backward()
    leaves = {"w0": w0, "w1": w1, "w2": w2, "x0": x0, "x1": x1}

    for name in GRAPH_NODES:
        assert math.isclose(graph[name], nodes[name].item(), rel_tol=1e-12, abs_tol=1e-15), name
        assert math.isclose(graph["d" + name], nodes[name].grad.item(), rel_tol=1e-12, abs_tol=1e-15), name
    for name, leaf in leaves.items():
        assert math.isclose(graph["d" + name], leaf.grad.item(), rel_tol=1e-12, abs_tol=1e-15), name
    # the whole graph is a sigmoid neuron
    assert math.isclose(graph["L"], torch.sigmoid(nodes["d"]).item(), rel_tol=1e-12)


def test_sigmoid_neuron_graph_numeric_gradient():
    rng = np.random.default_rng(7)
    w, x = rng.standard_normal(3), rng.standard_normal(2)
    graph = layers.sigmoid_neuron_graph(w, x)
    dw = numeric_gradient(lambda z: layers.sigmoid_neuron_graph(z, x)["L"], w)
    dx = numeric_gradient(lambda z: layers.sigmoid_neuron_graph(w, z)["L"], x)
    assert rel_error([graph["dw0"], graph["dw1"], graph["dw2"]], dw) < 1e-7
    assert rel_error([graph["dx0"], graph["dx1"]], dx) < 1e-7


# ---------------------------------------------------------------------------------------------------------------
# weight initialisation
# ---------------------------------------------------------------------------------------------------------------

N_IN, N_OUT = 800, 200
EXPECTED_STD = {
    "small": 0.01,
    "large": 1.0,
    "xavier_in": math.sqrt(1 / N_IN),
    "xavier_out": math.sqrt(1 / N_OUT),
    "xavier": math.sqrt(2 / (N_IN + N_OUT)),
    "he": math.sqrt(2 / N_IN),
}


@pytest.mark.parametrize("scheme", sorted(EXPECTED_STD))
def test_init_weights_gaussian_with_the_scheme_variance(scheme):
    W = layers.init_weights(N_IN, N_OUT, scheme, np.random.default_rng(0))
    std = EXPECTED_STD[scheme]
    n = W.size
    assert W.shape == (N_IN, N_OUT) and W.dtype == np.float64
    assert abs(W.std() / std - 1) < 0.015  # sampling error of the std is about 1 / sqrt(2 n) = 0.0016
    assert abs(W.mean()) < 5 * std / math.sqrt(n)
    # Gaussian, not uniform: 68.3 % of the mass lies within one std (a uniform law would give 57.7 %)
    assert abs(np.mean(np.abs(W) < std) - math.erf(1 / math.sqrt(2))) < 0.01
    np.testing.assert_array_equal(W, layers.init_weights(N_IN, N_OUT, scheme, np.random.default_rng(0)))
    assert not np.array_equal(W, layers.init_weights(N_IN, N_OUT, scheme, np.random.default_rng(1)))


def test_init_weights_zeros():
    W = layers.init_weights(7, 3, "zeros", np.random.default_rng(0))
    assert W.shape == (7, 3) and W.dtype == np.float64
    assert not np.any(W)


def test_init_weights_unknown_scheme_names_the_valid_ones():
    with pytest.raises(ValueError) as err:
        layers.init_weights(4, 3, "glorot", np.random.default_rng(0))
    for scheme in ["zeros", "small", "large", "xavier_in", "xavier_out", "xavier", "he"]:
        assert scheme in str(err.value)


def test_activation_statistics_replays_the_stack():
    X = np.random.default_rng(8).standard_normal((20, 6))
    sizes = [5, 4, 3]
    acts = layers.activation_statistics(X, sizes, "xavier", "tanh", np.random.default_rng(9))
    assert [a.shape for a in acts] == [(20, 5), (20, 4), (20, 3)]
    rng, h = np.random.default_rng(9), t(X)
    for a, size in zip(acts, sizes):
        W = layers.init_weights(h.shape[1], size, "xavier", rng)
        h = torch.tanh(h @ t(W))
        np.testing.assert_allclose(a, h.numpy(), rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError):
        layers.activation_statistics(X, sizes, "xavier", "swish", np.random.default_rng(9))


def test_activation_statistics_vanishing_and_exploding():
    """The classic demo: 10 tanh layers of 500 units."""
    X = np.random.default_rng(10).standard_normal((200, 500))
    sizes = [500] * 10

    def stds(scheme, activation):
        acts = layers.activation_statistics(X, sizes, scheme, activation, np.random.default_rng(11))
        return np.array([a.std() for a in acts]), acts

    small, _ = stds("small", "tanh")
    assert small[-1] < 1e-4 * small[0]  # each layer shrinks the spread by about 0.01 * sqrt(500) = 0.22
    _, large_acts = stds("large", "tanh")
    assert np.mean(np.abs(large_acts[-1]) > 0.99) > 0.9  # saturated at +-1
    xavier, _ = stds("xavier_in", "tanh")
    assert xavier[-1] > 0.3 * xavier[0]  # the spread survives ten layers
    he, _ = stds("he", "relu")
    assert 0.5 < he[-1] / he[0] < 2.0


# ---------------------------------------------------------------------------------------------------------------
# the MLP
# ---------------------------------------------------------------------------------------------------------------


def torch_mlp_loss(model, X, y, reg):
    """Scores and, with y, the loss and gradients of the same network in torch autograd."""
    L = len(model.layer_sizes) - 1
    params = {k: t(v, True) for k, v in model.params.items()}
    h = t(X).reshape(X.shape[0], -1)
    for l in range(1, L):
        h = torch.relu(h @ params[f"W{l}"] + params[f"b{l}"])
    scores = h @ params[f"W{L}"] + params[f"b{L}"]
    loss = F.cross_entropy(scores, torch.tensor(y)) + reg * sum((params[f"W{l}"] ** 2).sum() for l in
                                                                range(1, L + 1))
    loss.backward()
    return scores.detach().numpy(), loss.item(), {k: p.grad.numpy() for k, p in params.items()}


MLP_CASES = [([5, 7, 3], (1, 5), 0.0), ([5, 7, 3], (4, 5), 0.3), ([6, 8, 9, 4], (4, 2, 3), 0.0),
             ([6, 8, 9, 4], (1, 2, 3), 0.05), ([4, 3, 3, 3, 2], (6, 4), 0.1)]


@pytest.mark.parametrize("sizes,x_shape,reg", MLP_CASES)
def test_mlp_matches_torch(sizes, x_shape, reg):
    rng = np.random.default_rng(12)
    model = layers.MLP(sizes, init=0.5, reg=reg, rng=rng)
    for key in model.params:  # non-zero biases, so their use is tested too
        model.params[key] = model.params[key] + (0.1 * rng.standard_normal(model.params[key].shape)
                                                 if key.startswith("b") else 0.0)
    X = rng.standard_normal(x_shape)
    y = rng.integers(0, sizes[-1], x_shape[0])
    scores_ref, loss_ref, grads_ref = torch_mlp_loss(model, X, y, reg)

    scores = model.loss(X)
    assert scores.shape == (x_shape[0], sizes[-1])
    np.testing.assert_allclose(scores, scores_ref, rtol=1e-12, atol=1e-12)
    loss, grads = model.loss(X, y)
    assert math.isclose(loss, loss_ref, rel_tol=1e-12)
    assert set(grads) == set(model.params)
    for key, grad in grads.items():
        assert grad.shape == model.params[key].shape, key
        np.testing.assert_allclose(grad, grads_ref[key], rtol=1e-10, atol=1e-12, err_msg=key)
    np.testing.assert_array_equal(model.predict(X), np.argmax(scores_ref, axis=1))


def test_mlp_numeric_gradient():
    rng = np.random.default_rng(13)
    model = layers.MLP([4, 5, 6, 3], init="he", reg=0.1, rng=rng)
    X, y = rng.standard_normal((3, 4)), rng.integers(0, 3, 3)
    _, grads = model.loss(X, y)
    for key, param in model.params.items():

        def loss_at(value, key=key):
            saved = model.params[key]
            model.params[key] = value
            loss = model.loss(X, y)[0]
            model.params[key] = saved
            return loss

        assert rel_error(grads[key], numeric_gradient(loss_at, param)) < 1e-6, key


def test_mlp_init_and_regularisation_convention():
    sizes = [64, 300, 200, 10]
    model = layers.MLP(sizes, init="he", reg=0.0, rng=0)
    assert model.num_layers == 3
    assert sorted(model.params) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    for l in range(1, 4):
        assert model.params[f"W{l}"].shape == (sizes[l - 1], sizes[l])
        assert model.params[f"b{l}"].shape == (sizes[l],)
        assert not np.any(model.params[f"b{l}"])
    assert abs(model.params["W2"].std() / math.sqrt(2 / 300) - 1) < 0.02
    again = layers.MLP(sizes, init="he", reg=0.0, rng=0)
    for key in model.params:
        np.testing.assert_array_equal(model.params[key], again.params[key])
    scaled = layers.MLP(sizes, init=1e-3, rng=1)
    assert abs(scaled.params["W2"].std() / 1e-3 - 1) < 0.02

    # reg * sum(W * W) over the weights only
    rng = np.random.default_rng(14)
    X, y = rng.standard_normal((5, 64)), rng.integers(0, 10, 5)
    loss0, grads0 = model.loss(X, y)
    model.reg = 0.25
    loss1, grads1 = model.loss(X, y)
    penalty = 0.25 * sum(np.sum(model.params[f"W{l}"] ** 2) for l in range(1, 4))
    assert math.isclose(loss1 - loss0, penalty, rel_tol=1e-10)
    for key in model.params:
        extra = 2 * 0.25 * model.params[key] if key.startswith("W") else 0.0
        np.testing.assert_allclose(grads1[key], grads0[key] + extra, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("sizes,x_shape,reg", MLP_CASES)
def test_mlp_loss_wrapper_is_the_models_loss(sizes, x_shape, reg):
    rng = np.random.default_rng(15)
    model = layers.MLP(sizes, init="xavier", reg=reg, rng=rng)
    params = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in model.params.items()}
    model.params = {k: v.copy() for k, v in params.items()}
    X = rng.standard_normal(x_shape)
    y = rng.integers(0, sizes[-1], x_shape[0])
    np.testing.assert_array_equal(layers.mlp_loss(params, X), model.loss(X))
    loss, grads = layers.mlp_loss(params, X, y, reg)
    loss_m, grads_m = model.loss(X, y)
    assert loss == loss_m and set(grads) == set(grads_m)
    for key in grads:
        np.testing.assert_array_equal(grads[key], grads_m[key])
        np.testing.assert_array_equal(params[key], model.params[key])  # the caller's arrays are not touched


@pytest.fixture(scope="module")
def digits_split():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X, y = digits.data / 16.0, digits.target
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    X_train, X_val, y_train, y_val = train_test_split(X_train, y_train, test_size=0.2, random_state=0,
                                                      stratify=y_train)
    return X_train, y_train, X_val, y_val, X_test, y_test


def test_train_mlp_on_digits_reaches_95_percent(digits_split):
    X_train, y_train, X_val, y_val, X_test, y_test = digits_split
    model = layers.MLP([64, 100, 10], init="he", reg=1e-4, rng=0)
    epochs, batch_size = 20, 32
    history = layers.train_mlp(model, X_train, y_train, X_val, y_val, lr=0.1, epochs=epochs,
                               batch_size=batch_size, rng=np.random.default_rng(0))
    assert len(history["loss"]) == epochs * math.ceil(len(y_train) / batch_size)
    assert len(history["train_acc"]) == len(history["val_acc"]) == epochs
    steps = math.ceil(len(y_train) / batch_size)
    assert np.mean(history["loss"][-steps:]) < 0.5 * np.mean(history["loss"][:steps])
    test_acc = np.mean(model.predict(X_test) == y_test)
    assert test_acc >= 0.95, test_acc
    assert history["val_acc"][-1] >= 0.9


def test_train_mlp_progress_bar_runs(digits_split):
    X_train, y_train, X_val, y_val, _, _ = digits_split
    model = layers.MLP([64, 16, 10], init="he", rng=0)
    history = layers.train_mlp(model, X_train[:64], y_train[:64], X_val, y_val, lr=0.1, epochs=2,
                               batch_size=32, rng=np.random.default_rng(0), progress=True)
    assert len(history["loss"]) == 4
