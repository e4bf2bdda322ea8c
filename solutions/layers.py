"""Lab 4 -- backpropagation: activations, the affine layer, computational graphs, an MLP, weight initialisation.

Conventions
-----------
* Every layer is a pair ``X_forward(x, ...) -> (out, cache)`` and ``X_backward(dout, cache) -> dx``. ``dout`` is
  the upstream gradient dL/dout with the shape of ``out``; the backward pass returns dL/dx with the shape of
  ``x``. The cache holds exactly what the backward pass needs.
* All arrays are float64. Activations work elementwise on arrays of any shape.
* Derivatives at the kinks (x == 0) follow PyTorch: ReLU uses 0, leaky ReLU uses ``alpha``, ELU uses ``alpha``
  (the left-hand derivative, ``alpha * exp(0)``).
* The sigmoid, softplus and ELU are evaluated so that no ``exp`` ever overflows: inputs with ``|x| ~ 1e3`` give
  finite results and no warnings.
* The affine layer takes ``x`` of shape ``(N, d1, ..., dk)`` and flattens each sample to a row of length
  ``D = d1 * ... * dk``; ``w`` has shape ``(D, M)``, ``b`` shape ``(M,)``.
* Losses return ``(loss, dpred)``. ``mse_loss`` is the mean over *all* elements (PyTorch's ``MSELoss``);
  ``softmax_loss`` (Lab 3's loss, handed out in the Lab 4 notebook) is the mean over the batch.
* L2 regularisation of the MLP: ``loss += reg * sum(W * W)`` over the weight matrices (not the biases), so
  ``dW += 2 * reg * W``. The class ``MLP`` is graded through the module-level ``mlp_loss(params, X, y, reg)``,
  which takes plain arrays.
* Randomness only through an explicit ``np.random.Generator`` (``np.random.default_rng(seed)``).
"""

import numpy as np

from .softmax import softmax_loss

# ---------------------------------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------------------------------


def sigmoid_forward(x):
    """Logistic sigmoid, ``sigma(x) = 1 / (1 + exp(-x))``, elementwise and numerically stable.

    Parameters
    ----------
    x : ndarray of float64, any shape
        Input.

    Returns
    -------
    out : ndarray of float64, same shape as ``x``
        ``sigma(x)``, in ``[0, 1]``. No overflow for any finite ``x`` (only ``exp(-|x|)`` is evaluated).
    cache : ndarray of float64, same shape as ``x``
        ``out`` itself: the derivative is ``sigma(x) * (1 - sigma(x))``.
    """
    ### BEGIN SOLUTION
    z = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    out = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
    cache = out
    return out, cache
    ### END SOLUTION


def sigmoid_backward(dout, cache):
    """Backward pass of the sigmoid.

    Parameters
    ----------
    dout : ndarray of float64, same shape as the forward input
        Upstream gradient dL/d(out).
    cache : ndarray of float64
        ``out = sigma(x)`` from ``sigmoid_forward``.

    Returns
    -------
    dx : ndarray of float64, same shape as ``dout``
        ``dout * sigma(x) * (1 - sigma(x))``.
    """
    ### BEGIN SOLUTION
    out = cache
    dx = dout * out * (1.0 - out)
    return dx
    ### END SOLUTION


def tanh_forward(x):
    """Hyperbolic tangent, elementwise.

    Parameters
    ----------
    x : ndarray of float64, any shape
        Input.

    Returns
    -------
    out : ndarray of float64, same shape as ``x``
        ``tanh(x)``, in ``[-1, 1]``.
    cache : ndarray of float64, same shape as ``x``
        ``out`` itself: the derivative is ``1 - tanh(x)**2``.
    """
    ### BEGIN SOLUTION
    out = np.tanh(x)
    cache = out
    return out, cache
    ### END SOLUTION


def tanh_backward(dout, cache):
    """Backward pass of tanh.

    Parameters
    ----------
    dout : ndarray of float64, same shape as the forward input
        Upstream gradient dL/d(out).
    cache : ndarray of float64
        ``out = tanh(x)`` from ``tanh_forward``.

    Returns
    -------
    dx : ndarray of float64, same shape as ``dout``
        ``dout * (1 - tanh(x)**2)``.
    """
    ### BEGIN SOLUTION
    out = cache
    dx = dout * (1.0 - out ** 2)
    return dx
    ### END SOLUTION


def relu_forward(x):
    """Rectified linear unit, ``max(0, x)``, elementwise.

    Parameters
    ----------
    x : ndarray of float64, any shape
        Input.

    Returns
    -------
    out : ndarray of float64, same shape as ``x``
        ``max(0, x)``.
    cache : ndarray of float64, same shape as ``x``
        The input ``x``.
    """
    ### BEGIN SOLUTION
    out = np.maximum(0.0, x)
    cache = x
    return out, cache
    ### END SOLUTION


def relu_backward(dout, cache):
    """Backward pass of ReLU.

    ReLU is not differentiable at ``x == 0``; we use the derivative **0** there (as PyTorch does):
    ``dx = dout * (x > 0)``.

    Parameters
    ----------
    dout : ndarray of float64, same shape as the forward input
        Upstream gradient dL/d(out).
    cache : ndarray of float64
        The forward input ``x``.

    Returns
    -------
    dx : ndarray of float64, same shape as ``dout``
        ``dout`` where ``x > 0``, else 0.
    """
    ### BEGIN SOLUTION
    x = cache
    dx = dout * (x > 0)
    return dx
    ### END SOLUTION


def leaky_relu_forward(x, alpha=0.1):
    """Leaky ReLU, ``max(alpha * x, x)`` for ``0 < alpha < 1``, elementwise (the notes use ``alpha = 0.1``).

    Parameters
    ----------
    x : ndarray of float64, any shape
        Input.
    alpha : float, default 0.1
        Slope for negative inputs.

    Returns
    -------
    out : ndarray of float64, same shape as ``x``
        ``x`` where ``x > 0``, else ``alpha * x``.
    cache : tuple
        ``(x, alpha)``.
    """
    ### BEGIN SOLUTION
    out = np.where(x > 0, x, alpha * x)
    cache = (x, alpha)
    return out, cache
    ### END SOLUTION


def leaky_relu_backward(dout, cache):
    """Backward pass of leaky ReLU.

    At ``x == 0`` we use the derivative **alpha** (as PyTorch does): the slope is 1 only where ``x > 0``.

    Parameters
    ----------
    dout : ndarray of float64, same shape as the forward input
        Upstream gradient dL/d(out).
    cache : tuple
        ``(x, alpha)`` from ``leaky_relu_forward``.

    Returns
    -------
    dx : ndarray of float64, same shape as ``dout``
        ``dout`` where ``x > 0``, else ``alpha * dout``.
    """
    ### BEGIN SOLUTION
    x, alpha = cache
    dx = dout * np.where(x > 0, 1.0, alpha)
    return dx
    ### END SOLUTION


def elu_forward(x, alpha=1.0):
    """Exponential linear unit, elementwise.

    ``elu(x) = x`` for ``x > 0`` and ``alpha * (exp(x) - 1)`` for ``x <= 0``. The exponential is taken of
    ``min(x, 0)`` only (with ``np.expm1``), so large positive inputs cannot overflow.

    Parameters
    ----------
    x : ndarray of float64, any shape
        Input.
    alpha : float, default 1.0
        Scale of the negative branch; ``elu(x) -> -alpha`` as ``x -> -inf``.

    Returns
    -------
    out : ndarray of float64, same shape as ``x``
        ``elu(x)``.
    cache : tuple
        ``(x, alpha)``.
    """
    ### BEGIN SOLUTION
    out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))
    cache = (x, alpha)
    return out, cache
    ### END SOLUTION


def elu_backward(dout, cache):
    """Backward pass of ELU.

    The derivative is 1 for ``x > 0`` and ``alpha * exp(x)`` for ``x <= 0``; at ``x == 0`` this gives **alpha**
    (as PyTorch does; for the default ``alpha = 1`` both sides agree).

    Parameters
    ----------
    dout : ndarray of float64, same shape as the forward input
        Upstream gradient dL/d(out).
    cache : tuple
        ``(x, alpha)`` from ``elu_forward``.

    Returns
    -------
    dx : ndarray of float64, same shape as ``dout``
        ``dout * elu'(x)``.
    """
    ### BEGIN SOLUTION
    x, alpha = cache
    dx = dout * np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))
    return dx
    ### END SOLUTION


def softplus_forward(x):
    """Softplus, ``log(1 + exp(x))``, elementwise and numerically stable.

    Evaluated as ``max(x, 0) + log1p(exp(-|x|))``, which equals ``log(1 + exp(x))`` and never overflows.

    Parameters
    ----------
    x : ndarray of float64, any shape
        Input.

    Returns
    -------
    out : ndarray of float64, same shape as ``x``
        ``softplus(x) > max(0, x)`` (up to rounding).
    cache : ndarray of float64, same shape as ``x``
        The input ``x``: the derivative is ``sigma(x)``.
    """
    ### BEGIN SOLUTION
    out = np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))
    cache = x
    return out, cache
    ### END SOLUTION


def softplus_backward(dout, cache):
    """Backward pass of softplus; its derivative is the sigmoid.

    Parameters
    ----------
    dout : ndarray of float64, same shape as the forward input
        Upstream gradient dL/d(out).
    cache : ndarray of float64
        The forward input ``x``.

    Returns
    -------
    dx : ndarray of float64, same shape as ``dout``
        ``dout * sigma(x)`` (the stable sigmoid: no overflow for large ``|x|``).
    """
    ### BEGIN SOLUTION
    x = cache
    sig, _ = sigmoid_forward(x)
    dx = dout * sig
    return dx
    ### END SOLUTION



# ---------------------------------------------------------------------------------------------------------------
# Affine layer and MSE loss
# ---------------------------------------------------------------------------------------------------------------


def affine_forward(x, w, b):
    """Affine (fully connected) layer, ``out = x_flat @ w + b``.

    Each sample ``x[i]`` of shape ``(d1, ..., dk)`` is flattened (row-major, ``reshape``) to a row of length
    ``D = d1 * ... * dk``.

    Parameters
    ----------
    x : ndarray of float64, shape (N, d1, ..., dk)
        A minibatch of N samples.
    w : ndarray of float64, shape (D, M)
        Weights.
    b : ndarray of float64, shape (M,)
        Biases.

    Returns
    -------
    out : ndarray of float64, shape (N, M)
        ``x.reshape(N, D) @ w + b``.
    cache : tuple
        ``(x, w, b)``, with ``x`` in its original shape.
    """
    ### BEGIN SOLUTION
    out = x.reshape(x.shape[0], -1) @ w + b
    cache = (x, w, b)
    return out, cache
    ### END SOLUTION


def affine_backward(dout, cache):
    """Backward pass of the affine layer.

    Parameters
    ----------
    dout : ndarray of float64, shape (N, M)
        Upstream gradient dL/d(out).
    cache : tuple
        ``(x, w, b)`` from ``affine_forward``; ``x`` of shape (N, d1, ..., dk), ``w`` (D, M), ``b`` (M,).

    Returns
    -------
    dx : ndarray of float64, shape (N, d1, ..., dk)
        ``dout @ w.T``, reshaped to the shape of ``x``.
    dw : ndarray of float64, shape (D, M)
        ``x_flat.T @ dout``.
    db : ndarray of float64, shape (M,)
        ``dout`` summed over the batch.
    """
    ### BEGIN SOLUTION
    x, w, b = cache
    x_flat = x.reshape(x.shape[0], -1)
    dx = (dout @ w.T).reshape(x.shape)
    dw = x_flat.T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db
    ### END SOLUTION


def mse_loss(pred, target):
    """Mean squared error, averaged over **all** elements (like PyTorch's ``MSELoss``, ``reduction='mean'``).

    ``loss = sum((pred - target)**2) / pred.size``; for ``pred`` of shape (N, M) that is a mean over N * M
    numbers, not over the N samples only.

    Parameters
    ----------
    pred : ndarray of float64, any shape, e.g. (N, M)
        Predictions.
    target : ndarray of float64, same shape as ``pred``
        Targets.

    Returns
    -------
    loss : float
        The mean squared error.
    dpred : ndarray of float64, same shape as ``pred``
        dloss/dpred ``= 2 * (pred - target) / pred.size``.
    """
    ### BEGIN SOLUTION
    diff = pred - target
    loss = float(np.mean(diff ** 2))
    dpred = 2.0 * diff / diff.size
    return loss, dpred
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# A computational graph by hand
# ---------------------------------------------------------------------------------------------------------------


def sigmoid_neuron_graph(w, x):
    """Forward and backward pass through the notes' graph of one sigmoid neuron, node by node.

    The neuron ``L = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))`` is the graph (node names as in the notes)::

        f = w0 * x0        g = w1 * x1        e = f + g        d = e + w2
        c = -d             b = exp(c)         a = 1 + b        L = 1 / a

    The backward pass starts from ``dL/dL = 1`` and applies one local derivative per node, in reverse order:
    ``dL/da = -1/a**2``, ``dL/db = dL/da``, ``dL/dc = exp(c) * dL/db``, ``dL/dd = -dL/dc``,
    ``dL/de = dL/dw2 = dL/dd``, ``dL/df = dL/dg = dL/de``, ``dL/dw0 = x0 * dL/df``, ``dL/dx0 = w0 * dL/df``,
    ``dL/dw1 = x1 * dL/dg``, ``dL/dx1 = w1 * dL/dg``. (``exp(c)`` overflows for ``d < -709``; the graph is meant
    for moderate inputs, exactly as written in the notes.)

    Parameters
    ----------
    w : sequence of 3 floats
        ``(w0, w1, w2)``; ``w2`` plays the role of the bias.
    x : sequence of 2 floats
        ``(x0, x1)``.

    Returns
    -------
    graph : dict of str -> float
        Forward values: ``'f', 'g', 'e', 'd', 'c', 'b', 'a'`` and the output ``'L'`` (``= sigmoid(d)``).
        Gradients of the output with respect to every node and input, each named ``'d' + name``:
        ``'dL'`` (= 1.0), ``'da', 'db', 'dc', 'dd', 'de', 'df', 'dg'``, ``'dw0', 'dw1', 'dw2', 'dx0', 'dx1'``.
        All values are Python floats.
    """
    ### BEGIN SOLUTION
    w0, w1, w2 = (float(v) for v in w)
    x0, x1 = (float(v) for v in x)
    # forward, one node at a time
    f = w0 * x0
    g = w1 * x1
    e = f + g
    d = e + w2
    c = -d
    b = np.exp(c)
    a = 1.0 + b
    L = 1.0 / a
    # backward: upstream gradient times local gradient, in reverse order
    dL = 1.0
    da = -1.0 / a ** 2 * dL
    db = 1.0 * da
    dc = np.exp(c) * db
    dd = -1.0 * dc
    de = 1.0 * dd
    dw2 = 1.0 * dd
    df = 1.0 * de
    dg = 1.0 * de
    dw0 = x0 * df
    dx0 = w0 * df
    dw1 = x1 * dg
    dx1 = w1 * dg
    names = dict(f=f, g=g, e=e, d=d, c=c, b=b, a=a, L=L,
                 dL=dL, da=da, db=db, dc=dc, dd=dd, de=de, df=df, dg=dg,
                 dw0=dw0, dw1=dw1, dw2=dw2, dx0=dx0, dx1=dx1)
    graph = {key: float(value) for key, value in names.items()}
    return graph
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# Weight initialisation
# ---------------------------------------------------------------------------------------------------------------


def init_weights(n_in, n_out, scheme, rng):
    """A weight matrix for a layer with ``n_in`` inputs and ``n_out`` outputs.

    All random schemes draw from a zero-mean Gaussian ``N(0, var)``:

    ================ ==========================================
    scheme           variance of each weight
    ================ ==========================================
    ``'zeros'``      0 (all weights are 0; ``rng`` is not used)
    ``'small'``      ``0.01**2`` (std 0.01)
    ``'large'``      1
    ``'xavier_in'``  ``1 / n_in``
    ``'xavier_out'`` ``1 / n_out``
    ``'xavier'``     ``2 / (n_in + n_out)``
    ``'he'``         ``2 / n_in``
    ================ ==========================================

    Parameters
    ----------
    n_in : int
        Number of inputs of the layer (fan-in).
    n_out : int
        Number of outputs of the layer (fan-out).
    scheme : str
        One of the seven names in the table above.
    rng : numpy.random.Generator
        Source of randomness (one ``rng.normal`` call of shape ``(n_in, n_out)`` for the random schemes).

    Returns
    -------
    W : ndarray of float64, shape (n_in, n_out)
        The weights (``affine_forward`` computes ``x @ W``).

    Raises
    ------
    ValueError
        If ``scheme`` is unknown; the message lists the valid schemes.
    """
    ### BEGIN SOLUTION
    variances = {
        "zeros": 0.0,
        "small": 0.01 ** 2,
        "large": 1.0,
        "xavier_in": 1.0 / n_in,
        "xavier_out": 1.0 / n_out,
        "xavier": 2.0 / (n_in + n_out),
        "he": 2.0 / n_in,
    }
    if scheme not in variances:
        raise ValueError(f"unknown init scheme {scheme!r}; valid schemes: {', '.join(variances)}")
    if scheme == "zeros":
        return np.zeros((n_in, n_out))
    W = rng.normal(0.0, np.sqrt(variances[scheme]), size=(n_in, n_out))
    return W
    ### END SOLUTION


def activation_statistics(X, layer_sizes, scheme, activation, rng):
    """Push data through a deep stack of ``activation(h @ W)`` layers and keep every layer's activations.

    The vanishing/exploding-activation demo: with ``tanh`` and 10 layers of 500 units, ``'small'`` weights
    shrink the activations towards 0 layer after layer, ``'large'`` ones saturate them at +-1, and ``'xavier'``
    keeps their spread within a small factor of the first layer's (with ``relu``, ``'he'`` does). There are no biases. The weight matrices are drawn in order, layer 1
    first, with ``init_weights(n_in, n_out, scheme, rng)``.

    Parameters
    ----------
    X : ndarray of float64, shape (N, D)
        Input data.
    layer_sizes : sequence of int
        Widths of the layers, e.g. ``[500] * 10``; the first layer has ``D`` inputs.
    scheme : str
        An ``init_weights`` scheme.
    activation : str
        One of ``'sigmoid', 'tanh', 'relu', 'leaky_relu', 'elu', 'softplus'``.
    rng : numpy.random.Generator
        Passed to ``init_weights``.

    Returns
    -------
    activations : list of ndarray of float64
        ``activations[l]`` has shape ``(N, layer_sizes[l])``: the output of layer ``l + 1``.
    """
    forwards = {"sigmoid": sigmoid_forward, "tanh": tanh_forward, "relu": relu_forward,
                "leaky_relu": leaky_relu_forward, "elu": elu_forward, "softplus": softplus_forward}
    if activation not in forwards:
        raise ValueError(f"unknown activation {activation!r}; valid: {', '.join(forwards)}")
    forward = forwards[activation]
    activations = []
    h = X
    for size in layer_sizes:  # a loop over layers, not samples
        W = init_weights(h.shape[1], size, scheme, rng)
        h, _ = forward(h @ W)
        activations.append(h)
    return activations


# ---------------------------------------------------------------------------------------------------------------
# A multi-layer perceptron
# ---------------------------------------------------------------------------------------------------------------


class MLP:
    """A fully connected network: (affine - ReLU) x (L - 1), then affine - softmax.

    ``layer_sizes = [D, H1, ..., H_{L-1}, C]`` gives ``L`` affine layers. Layer ``l`` (1-based) has parameters
    ``params['W<l>']`` of shape ``(layer_sizes[l-1], layer_sizes[l])`` and ``params['b<l>']`` of shape
    ``(layer_sizes[l],)``. Biases start at 0.

    Parameters
    ----------
    layer_sizes : sequence of int, length >= 2
        Input dimension, hidden widths, number of classes.
    init : str or float, default 'he'
        An ``init_weights`` scheme name, or a float ``weight_scale``: then every weight is drawn from
        ``N(0, weight_scale**2)`` directly (so the class works before ``init_weights`` is written).
    reg : float, default 0.0
        L2 strength: ``loss += reg * sum(W * W)`` over all weight matrices (not biases).
    rng : numpy.random.Generator or int, default 0
        Generator or seed for the weights (``np.random.default_rng(rng)``).
    """

    def __init__(self, layer_sizes, init="he", reg=0.0, rng=0):
        if len(layer_sizes) < 2:
            raise ValueError("layer_sizes needs at least an input and an output size")
        rng = np.random.default_rng(rng)
        self.layer_sizes = list(layer_sizes)
        self.num_layers = len(self.layer_sizes) - 1
        self.reg = reg
        self.params = {}
        for l in range(1, self.num_layers + 1):
            n_in, n_out = self.layer_sizes[l - 1], self.layer_sizes[l]
            if isinstance(init, str):
                W = init_weights(n_in, n_out, init, rng)
            else:
                W = rng.normal(0.0, float(init), size=(n_in, n_out))
            self.params[f"W{l}"] = W
            self.params[f"b{l}"] = np.zeros(n_out)

    def loss(self, X, y=None):
        """Class scores, or the loss and the gradient of every parameter.

        Forward: ``h0 = X``; ``h_l = relu(affine(h_{l-1}, W_l, b_l))`` for ``l < L``; ``scores = affine(h_{L-1},
        W_L, b_L)``. Loss: ``softmax_loss(scores, y)`` (mean over the batch) ``+ reg * sum_l sum(W_l * W_l)``.
        Backward with ``affine_backward`` / ``relu_backward``, plus ``2 * reg * W_l`` for each weight matrix.

        Parameters
        ----------
        X : ndarray of float64, shape (N, d1, ..., dk)
            Inputs, ``d1 * ... * dk == layer_sizes[0]``.
        y : ndarray of int, shape (N,), optional
            Labels in ``0 .. C-1``.

        Returns
        -------
        scores : ndarray of float64, shape (N, C)
            If ``y`` is None: the class scores (before the softmax).
        loss, grads : float, dict of str -> ndarray
            If ``y`` is given: the regularised loss, and ``grads[k]`` with the shape of ``params[k]`` for every
            key ``'W1', 'b1', ..., 'WL', 'bL'``.
        """
        ### BEGIN SOLUTION
        L = self.num_layers
        caches = {}
        h = X
        for l in range(1, L):  # a loop over layers, not samples
            a, caches[f"affine{l}"] = affine_forward(h, self.params[f"W{l}"], self.params[f"b{l}"])
            h, caches[f"relu{l}"] = relu_forward(a)
        scores, caches[f"affine{L}"] = affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])
        if y is None:
            return scores

        loss, dscores = softmax_loss(scores, y)
        grads = {}
        dh, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dscores, caches[f"affine{L}"])
        for l in range(L - 1, 0, -1):
            da = relu_backward(dh, caches[f"relu{l}"])
            dh, grads[f"W{l}"], grads[f"b{l}"] = affine_backward(da, caches[f"affine{l}"])
        for l in range(1, L + 1):
            W = self.params[f"W{l}"]
            loss += self.reg * np.sum(W * W)
            grads[f"W{l}"] = grads[f"W{l}"] + 2.0 * self.reg * W
        return float(loss), grads
        ### END SOLUTION

    def predict(self, X):
        """Predicted class of each sample.

        Parameters
        ----------
        X : ndarray of float64, shape (N, d1, ..., dk)
            Inputs.

        Returns
        -------
        y_pred : ndarray of int, shape (N,)
            ``argmax`` of the scores.
        """
        return np.argmax(self.loss(X), axis=1)


def mlp_loss(params, X, y=None, reg=0.0):
    """``MLP.loss`` for parameters given as plain arrays (how the grader calls your MLP).

    Builds an ``MLP`` whose layer sizes are read off the weight shapes, sets its parameters to (float64 copies of)
    ``params`` and returns ``model.loss(X, y)``.

    Parameters
    ----------
    params : dict of str -> ndarray
        ``'W1', 'b1', ..., 'WL', 'bL'`` with the shapes documented in ``MLP``.
    X : ndarray of float64, shape (N, d1, ..., dk)
        Inputs.
    y : ndarray of int, shape (N,), optional
        Labels.
    reg : float, default 0.0
        L2 strength.

    Returns
    -------
    scores, or (loss, grads)
        Exactly what ``MLP.loss`` returns.
    """
    num_layers = len(params) // 2
    sizes = [params["W1"].shape[0]] + [params[f"W{l}"].shape[1] for l in range(1, num_layers + 1)]
    model = MLP(sizes, init=0.0, reg=reg)
    model.params = {key: np.array(value, dtype=np.float64) for key, value in params.items()}
    return model.loss(X, y)


def train_mlp(model, X, y, X_val, y_val, lr, epochs, batch_size, rng, progress=False):
    """Train ``model`` in place with mini-batch SGD: ``params[k] -= lr * grads[k]``.

    Every epoch shuffles the training set with ``rng.permutation`` and walks through it in batches of
    ``batch_size`` (the last batch may be smaller).

    Parameters
    ----------
    model : MLP
        Anything with ``params``, ``loss(X, y)`` and ``predict(X)``.
    X : ndarray of float64, shape (N, ...)
        Training inputs.
    y : ndarray of int, shape (N,)
        Training labels.
    X_val : ndarray of float64, shape (N_val, ...)
        Validation inputs.
    y_val : ndarray of int, shape (N_val,)
        Validation labels.
    lr : float
        Learning rate.
    epochs : int
        Passes over the training set.
    batch_size : int
        Samples per SGD step.
    rng : numpy.random.Generator
        Shuffles the data.
    progress : bool, default False
        Show a ``tqdm`` progress bar over the epochs.

    Returns
    -------
    history : dict
        ``'loss'``: list of float, the minibatch loss of every step; ``'train_acc'``, ``'val_acc'``: lists of
        float, the accuracies after every epoch.
    """
    history = {"loss": [], "train_acc": [], "val_acc": []}
    epoch_range = range(epochs)
    if progress:
        from tqdm.auto import tqdm

        epoch_range = tqdm(epoch_range, desc="epochs")
    num_train = X.shape[0]
    for _ in epoch_range:
        order = rng.permutation(num_train)
        for start in range(0, num_train, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = model.loss(X[batch], y[batch])
            for key, grad in grads.items():
                model.params[key] -= lr * grad
            history["loss"].append(loss)
        history["train_acc"].append(float(np.mean(model.predict(X) == y)))
        history["val_acc"].append(float(np.mean(model.predict(X_val) == y_val)))
    return history
