# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 4 — Backpropagation
#
# A network is a long composition of simple functions, $L(\theta) = \ell(f_L(\cdots f_2(f_1(\mathbf{x}))))$, and
# training it needs $\partial L / \partial \theta$ for every weight. The chain rule gives it, and
# **backpropagation** is the bookkeeping that makes it cheap: go forward once and remember what each piece saw,
# then go backward once, each piece turning the gradient of the loss with respect to its **output** into the
# gradient with respect to its **inputs**.
#
# You will
# 1. write six activation functions and their derivatives as forward/backward pairs;
# 2. write the affine (fully connected) layer and the mean squared error;
# 3. push gradients by hand through the notes' computational graph of one sigmoid neuron;
# 4. assemble a multi-layer perceptron (MLP) whose loss returns every parameter's gradient;
# 5. initialise weights in seven ways and watch activations vanish, explode or stay healthy;
# 6. train your MLP on real handwritten digits to at least 95 % test accuracy.
#
# **Notation.** A batch of $N$ samples is a matrix $X$ with one sample per row. A layer with $D$ inputs and $M$
# outputs has weights $W$ of shape `(D, M)` and biases $\mathbf{b}$ of shape `(M,)`. For a scalar loss $L$ and an
# array $z$, we write $\frac{\partial L}{\partial z}$ (in code `dz`) for the array of the same shape as $z$ holding
# $\partial L / \partial z_{ij}$.
#
# Fill in every cell marked `# YOUR CODE HERE` (delete the `raise NotImplementedError()` line) and run the
# self-check cell below it. The self-checks are small public tests; your notebook is graded by other tests on
# random inputs of several shapes (a single sample, extra dimensions, inputs exactly at the kinks), with
# gradients also compared against numeric ones, so make your functions correct, not just the examples.
# Everything here is vectorised NumPy: no Python loops over samples or entries.

# %%
import numpy as np
import matplotlib.pyplot as plt

from labkit import check, eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from labkit.data import load_digits
from labkit.plotting import plot_curves

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Layers as forward/backward pairs
#
# Every piece of a network is written as two functions:
#
# * `out, cache = X_forward(x, ...)` computes the output and keeps in `cache` exactly what the backward pass will
#   need (each function's docstring says what);
# * `dx = X_backward(dout, cache)` receives the **upstream gradient** `dout` $= \frac{\partial L}{\partial
#   \text{out}}$, of the shape of `out`, and returns $\frac{\partial L}{\partial x}$, of the shape of `x`.
#
# For an elementwise function $\text{out} = g(x)$ the chain rule is one multiplication per entry,
#
# $$\frac{\partial L}{\partial x} = \frac{\partial L}{\partial \text{out}} \odot g'(x),$$
#
# the upstream gradient times the **local gradient**. The backward pass never needs to know what comes after the
# layer: `dout` carries all of it. The grader hands your backward function the cache that your forward's
# docstring describes, so keep to it.
#
# To check a backward pass we compare it with central differences: `eval_numerical_gradient_array(f, x, dout)`
# estimates $\frac{\partial}{\partial x} \sum f(x) \odot \text{dout}$ entry by entry, and `rel_error(a, b)` $=
# \max \frac{|a - b|}{\max(10^{-8}, |a| + |b|)}$ should come out around $10^{-7}$ or smaller. The helper below runs
# that check for one forward/backward pair.

# %%
def gradient_check(forward, backward, shape=(4, 5), seed=0, **kwargs):
    """Relative error between backward(dout, cache) and the numeric gradient, for a random x and dout."""
    generator = np.random.default_rng(seed)
    x = generator.uniform(-3, 3, size=shape)
    upstream = generator.normal(size=shape)
    _, cache = forward(x, **kwargs)
    dx = backward(upstream, cache)
    dx_num = eval_numerical_gradient_array(lambda v: forward(v, **kwargs)[0], x.copy(), upstream)
    return rel_error(dx, dx_num)

# %% [markdown]
# ## 2. Activation functions
#
# | name | $g(x)$ | $g'(x)$ |
# |---|---|---|
# | sigmoid | $\sigma(x) = \frac{1}{1 + e^{-x}}$ | $\sigma(x)\,(1 - \sigma(x))$ |
# | tanh | $\frac{e^x - e^{-x}}{e^x + e^{-x}}$ | $1 - \tanh^2(x)$ |
# | ReLU | $\max(0, x)$ | $\mathbb{1}[x > 0]$ |
# | leaky ReLU | $\max(\alpha x, x)$, $\alpha = 0.1$ | $1$ if $x > 0$, else $\alpha$ |
# | ELU | $x$ if $x > 0$, else $\alpha (e^x - 1)$ | $1$ if $x > 0$, else $\alpha e^x$ |
# | softplus | $\log(1 + e^x)$ | $\sigma(x)$ |
#
# ReLU and leaky ReLU have a kink at $x = 0$ where no derivative exists. Frameworks simply pick a value, and so do
# we (as PyTorch does): ReLU uses $0$ there, leaky ReLU and ELU use $\alpha$. Check the docstrings.
#
# ### 2.1 Sigmoid
#
# The derivative of the sigmoid is written with its own output, $\sigma'(x) = \sigma(x)(1 - \sigma(x))$, so the
# forward pass caches `out`, not `x`. Write the forward pass so that it never overflows: $e^{-x}$ is
# $\infty$ in float64 for $x < -709$. Evaluate $e^{-|x|}$ only, which lies in $(0, 1]$, and use
# $\sigma(x) = \frac{1}{1 + e^{-x}}$ for $x \ge 0$ and $\sigma(x) = \frac{e^{x}}{1 + e^{x}}$ for $x < 0$
# (`np.where` picks entry by entry).

# %% exercise="sigmoid" functions=["sigmoid_forward", "sigmoid_backward"]

# %% check="sigmoid"
check("sigmoid_forward", sigmoid_forward)
check("sigmoid_backward", sigmoid_backward)
print(f"sigmoid_backward vs numeric gradient: rel. error {gradient_check(sigmoid_forward, sigmoid_backward):.2e}")

# %% [markdown]
# ### 2.2 Tanh
#
# Also written with its output: $\tanh'(x) = 1 - \tanh^2(x)$. `np.tanh` is fine.

# %% exercise="tanh" functions=["tanh_forward", "tanh_backward"]

# %% check="tanh"
check("tanh_forward", tanh_forward)
check("tanh_backward", tanh_backward)
print(f"tanh_backward vs numeric gradient: rel. error {gradient_check(tanh_forward, tanh_backward):.2e}")

# %% [markdown]
# ### 2.3 ReLU
#
# The backward pass lets the upstream gradient through where the input was positive and blocks it elsewhere,
# **including** at $x = 0$.

# %% exercise="relu" functions=["relu_forward", "relu_backward"]

# %% check="relu"
check("relu_forward", relu_forward)
check("relu_backward", relu_backward)
print(f"relu_backward vs numeric gradient: rel. error {gradient_check(relu_forward, relu_backward):.2e}")

# %% [markdown]
# ### 2.4 Leaky ReLU
#
# A ReLU whose negative side keeps a small slope $\alpha$ (the notes use $\alpha = 0.1$), so that a unit whose
# input is negative still gets a gradient. Here $\alpha$ is a parameter: cache it with `x`. At $x = 0$ use the
# slope $\alpha$.

# %% exercise="leaky_relu" functions=["leaky_relu_forward", "leaky_relu_backward"]

# %% check="leaky_relu"
check("leaky_relu_forward", leaky_relu_forward)
check("leaky_relu_backward", leaky_relu_backward)
for alpha in (0.1, 0.3):
    error = gradient_check(leaky_relu_forward, leaky_relu_backward, alpha=alpha)
    print(f"leaky_relu_backward (alpha = {alpha}) vs numeric gradient: rel. error {error:.2e}")

# %% [markdown]
# ### 2.5 ELU
#
# The exponential linear unit is smooth on the negative side and tends to $-\alpha$ there. Take the exponential
# of $\min(x, 0)$ only (`np.expm1(z)` computes $e^z - 1$ accurately), otherwise `np.where` still evaluates
# $e^{x}$ for large positive $x$ and overflows.

# %% exercise="elu" functions=["elu_forward", "elu_backward"]

# %% check="elu"
check("elu_forward", elu_forward)
check("elu_backward", elu_backward)
for alpha in (1.0, 2.0):
    error = gradient_check(elu_forward, elu_backward, alpha=alpha)
    print(f"elu_backward (alpha = {alpha}) vs numeric gradient: rel. error {error:.2e}")

# %% [markdown]
# ### 2.6 Softplus
#
# Softplus, $\log(1 + e^x)$, is a smooth ReLU, and its derivative is the sigmoid. The formula as written overflows
# for $x > 709$; use the identity $\log(1 + e^x) = \max(x, 0) + \log(1 + e^{-|x|})$ (`np.log1p`), and your
# stable sigmoid for the backward pass.

# %% exercise="softplus" functions=["softplus_forward", "softplus_backward"]

# %% check="softplus"
check("softplus_forward", softplus_forward)
check("softplus_backward", softplus_backward)
print(f"softplus_backward vs numeric gradient: rel. error {gradient_check(softplus_forward, softplus_backward):.2e}")

# %% [markdown]
# Each activation next to its derivative, both computed with your functions (the derivative is the backward
# pass with `dout = 1`). Notice where the derivative is close to 0: there, no gradient flows back.

# %%
xs = np.linspace(-4, 4, 801)
pairs = {"sigmoid": (sigmoid_forward, sigmoid_backward), "tanh": (tanh_forward, tanh_backward),
         "ReLU": (relu_forward, relu_backward), "leaky ReLU (α = 0.1)": (leaky_relu_forward, leaky_relu_backward),
         "ELU (α = 1)": (elu_forward, elu_backward), "softplus": (softplus_forward, softplus_backward)}
fig, axes = plt.subplots(2, 3, figsize=(13, 7), sharex=True)
for ax, (name, (forward, backward)) in zip(axes.flat, pairs.items()):
    values, cache = forward(xs)
    ax.plot(xs, values, label="g(x)")
    ax.plot(xs, backward(np.ones_like(xs), cache), "--", label="g'(x)")
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.axvline(0, color="grey", linewidth=0.5)
    ax.set_title(name)
    ax.set_ylim(-1.5, 4)
    ax.legend(loc="upper left")
for ax in axes[1]:
    ax.set_xlabel("x")
fig.suptitle("Activation functions (solid) and their derivatives (dashed)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 3. The affine layer
#
# A fully connected layer maps each sample to $\mathbf{x}^\top W + \mathbf{b}$; for a whole batch,
# $\text{out} = XW + \mathbf{b}$ of shape `(N, M)`. Inputs may come with more dimensions, e.g. images of shape
# `(N, 8, 8)`: flatten each sample to a row of $D = d_1 \cdots d_k$ numbers first (`x.reshape(N, -1)`).
#
# Backward, with $G = \frac{\partial L}{\partial \text{out}}$ of shape `(N, M)` (the notes' matrix rules, written
# for rows):
#
# $$\frac{\partial L}{\partial X} = G\, W^\top \quad (N \times D), \qquad
#   \frac{\partial L}{\partial W} = X^\top G \quad (D \times M), \qquad
#   \frac{\partial L}{\partial \mathbf{b}} = \sum_{i=1}^{N} G_{i,:} \quad (M,).$$
#
# The bias is added to every sample, so its gradient collects the contributions of all $N$ of them. Let the shapes
# guide you, and give `dx` back the shape of the original `x`.

# %% exercise="affine" functions=["affine_forward", "affine_backward"]

# %% check="affine"
check("affine_forward", affine_forward)
check("affine_backward", affine_backward)

rng_check = np.random.default_rng(2)
x_img = rng_check.normal(size=(3, 2, 4))  # three "images" of 2 x 4 numbers
w_img = rng_check.normal(size=(8, 5))
b_img = rng_check.normal(size=5)
dout_img = rng_check.normal(size=(3, 5))
_, cache_img = affine_forward(x_img, w_img, b_img)
dx, dw, db = affine_backward(dout_img, cache_img)
numeric = {"dx": eval_numerical_gradient_array(lambda v: affine_forward(v, w_img, b_img)[0], x_img, dout_img),
           "dw": eval_numerical_gradient_array(lambda v: affine_forward(x_img, v, b_img)[0], w_img, dout_img),
           "db": eval_numerical_gradient_array(lambda v: affine_forward(x_img, w_img, v)[0], b_img, dout_img)}
for name, analytic in (("dx", dx), ("dw", dw), ("db", db)):
    print(f"{name}: shape {analytic.shape}, rel. error vs numeric {rel_error(analytic, numeric[name]):.2e}")

# %% [markdown]
# ## 4. Mean squared error
#
# For regression the loss compares predictions with targets. We average over **all** entries (as PyTorch's
# `MSELoss` does): for arrays of $K$ numbers,
#
# $$L = \frac{1}{K} \sum_{k=1}^{K} (\hat{y}_k - y_k)^2, \qquad \frac{\partial L}{\partial \hat{y}_k} =
#   \frac{2}{K} (\hat{y}_k - y_k).$$
#
# A loss is where the backward pass starts, so it returns the loss **and** its gradient.

# %% exercise="mse" functions=["mse_loss"]

# %% check="mse"
check("mse_loss", mse_loss)
pred_check, target_check = np.random.default_rng(3).normal(size=(2, 4, 3))
dpred_numeric = eval_numerical_gradient(lambda p: mse_loss(p, target_check)[0], pred_check.copy())
print(f"mse_loss gradient vs numeric: rel. error {rel_error(mse_loss(pred_check, target_check)[1], dpred_numeric):.2e}")

# %% [markdown]
# Your pieces already make a network. Below, affine → tanh → affine is fitted to a noisy sine curve by plain
# gradient descent on the MSE. Read the backward half: it visits the layers in reverse order, and each call turns
# the gradient of one layer's output into the gradients of its input and parameters.

# %%
rng_fit = np.random.default_rng(3)
x_fit = np.linspace(-3, 3, 60).reshape(-1, 1)
y_fit = np.sin(x_fit) + 0.1 * rng_fit.normal(size=x_fit.shape)
net = {"W1": rng_fit.normal(size=(1, 20)), "b1": np.zeros(20),
       "W2": rng_fit.normal(size=(20, 1)) / np.sqrt(20), "b2": np.zeros(1)}
fit_losses = []
for step in range(3000):
    hidden_in, cache_in = affine_forward(x_fit, net["W1"], net["b1"])
    hidden, cache_act = tanh_forward(hidden_in)
    y_hat, cache_out = affine_forward(hidden, net["W2"], net["b2"])
    fit_loss, dy_hat = mse_loss(y_hat, y_fit)
    d_hidden, dW2, db2 = affine_backward(dy_hat, cache_out)
    d_hidden_in = tanh_backward(d_hidden, cache_act)
    _, dW1, db1 = affine_backward(d_hidden_in, cache_in)
    for key, grad in (("W1", dW1), ("b1", db1), ("W2", dW2), ("b2", db2)):
        net[key] -= 0.05 * grad
    fit_losses.append(fit_loss)

fig, (ax_fit, ax_loss) = plt.subplots(1, 2, figsize=(12, 4))
ax_fit.plot(x_fit, y_fit, ".", label="noisy samples")
ax_fit.plot(x_fit, np.sin(x_fit), color="grey", linewidth=0.8, label="sin(x)")
ax_fit.plot(x_fit, y_hat, label="network after 3000 steps")
ax_fit.set_title("A 1-20-1 tanh network fitted by backprop")
ax_fit.set_xlabel("x")
ax_fit.set_ylabel("y")
ax_fit.legend()
plot_curves({"MSE": fit_losses}, xlabel="step", ylabel="loss", title="Training loss", logy=True, ax=ax_loss)
plt.show()

# %% [markdown]
# ## 5. A computational graph by hand
#
# The notes draw one sigmoid neuron, $L = \sigma(w_0 x_0 + w_1 x_1 + w_2)$, as a graph of elementary nodes:
#
# | node | forward | local derivative |
# |---|---|---|
# | $f$ | $w_0 x_0$ | $\partial f/\partial w_0 = x_0$, $\partial f/\partial x_0 = w_0$ |
# | $g$ | $w_1 x_1$ | $\partial g/\partial w_1 = x_1$, $\partial g/\partial x_1 = w_1$ |
# | $e$ | $f + g$ | $1$ for each input |
# | $d$ | $e + w_2$ | $1$ for each input |
# | $c$ | $-d$ | $-1$ |
# | $b$ | $e^{c}$ | $e^{c}$ |
# | $a$ | $1 + b$ | $1$ |
# | $L$ | $1 / a$ | $-1/a^2$ |
#
# Backward, start from $\frac{\partial L}{\partial L} = 1$ and walk the table from the bottom up; at each node
# multiply the gradient arriving from above by the local derivative: e.g. $\frac{\partial L}{\partial b} =
# \frac{\partial L}{\partial a} \cdot 1$ and $\frac{\partial L}{\partial c} = \frac{\partial L}{\partial b} \cdot
# e^{c}$. An addition node passes its gradient unchanged to both inputs; a multiplication node sends each input the
# gradient times the *other* input. Return every forward value and every gradient, named as in the docstring.

# %% exercise="graph" functions=["sigmoid_neuron_graph"]

# %% check="graph"
check("sigmoid_neuron_graph", sigmoid_neuron_graph)

w_example, x_example = np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0])
graph = sigmoid_neuron_graph(w_example, x_example)
print("forward: ", "  ".join(f"{k} = {graph[k]:+.4f}" for k in ["f", "g", "e", "d", "c", "b", "a", "L"]))
print("backward:", "  ".join(f"{k} = {graph[k]:+.4f}" for k in ["dL", "da", "db", "dc", "dd", "de", "df", "dg"]))
print("inputs:  ", "  ".join(f"{k} = {graph[k]:+.4f}" for k in ["dw0", "dw1", "dw2", "dx0", "dx1"]))
numeric_w = eval_numerical_gradient(lambda w: sigmoid_neuron_graph(w, x_example)["L"], w_example.copy())
numeric_x = eval_numerical_gradient(lambda x: sigmoid_neuron_graph(w_example, x)["L"], x_example.copy())
print(f"rel. error of (dw0, dw1, dw2) vs numeric: {rel_error([graph['dw0'], graph['dw1'], graph['dw2']], numeric_w):.2e}")
print(f"rel. error of (dx0, dx1) vs numeric:      {rel_error([graph['dx0'], graph['dx1']], numeric_x):.2e}")
print("shortcut: the four nodes c, b, a, L form one sigmoid, and sigma(d)(1 - sigma(d)) =",
      f"{graph['L'] * (1 - graph['L']):.4f} = dL/dd")

# %% [markdown]
# ## 6. A multi-layer perceptron
#
# An MLP with layer sizes $[D, H_1, \dots, H_{L-1}, C]$ stacks $L$ affine layers with a ReLU after every one
# but the last:
#
# $$\mathbf{h}_0 = \mathbf{x}, \qquad \mathbf{h}_l = \text{ReLU}(\mathbf{h}_{l-1}^\top W_l + \mathbf{b}_l)
#   \ (l < L), \qquad \text{scores} = \mathbf{h}_{L-1}^\top W_L + \mathbf{b}_L .$$
#
# The loss is the softmax cross-entropy of Lab 3, averaged over the batch, plus L2 regularisation of the weight
# matrices (not the biases):
#
# $$L = \frac{1}{N} \sum_{i=1}^{N} -\log \text{softmax}(\text{scores}_i)_{y_i} + \lambda \sum_{l=1}^{L}
#   \sum_{jk} (W_l)_{jk}^2, \qquad \text{so each } \frac{\partial L}{\partial W_l} \text{ gains }
#   2 \lambda W_l .$$
#
# The softmax loss is given (it was your Lab 3 exercise):

# %% provided=["solutions.softmax:softmax_loss"]

# %% [markdown]
# Write `MLP.loss`: the forward pass through your layer functions, keeping every cache; then, if labels are
# given, the loss and the backward pass in reverse order, and the regularisation. The constructor, `predict`
# and the function `mlp_loss` below the class are given. `mlp_loss(params, X, y, reg)` builds an `MLP` from a
# dictionary of arrays and calls its `loss`: it is how the grader calls your network, so leave it as it is.
# The network uses your `affine_*` and `relu_*` functions, so get those right first.

# %% exercise="mlp" functions=["MLP", "mlp_loss"]

# %% check="mlp"
check("mlp_loss", mlp_loss)

rng_mlp = np.random.default_rng(4)
model = MLP([6, 7, 5, 4], init=0.5, reg=0.1, rng=rng_mlp)
X_mlp, y_mlp = rng_mlp.normal(size=(5, 2, 3)), rng_mlp.integers(0, 4, size=5)
loss, grads = model.loss(X_mlp, y_mlp)
print(f"loss = {loss:.4f}")
for key in sorted(model.params):
    def loss_of(value, key=key):
        return mlp_loss({**model.params, key: value}, X_mlp, y_mlp, reg=0.1)[0]

    numeric_grad = eval_numerical_gradient(loss_of, model.params[key].copy())
    print(f"{key}: shape {grads[key].shape}, rel. error vs numeric {rel_error(grads[key], numeric_grad):.2e}")

# %% [markdown]
# A sanity check worth making a habit: with tiny weights every class gets the same score, so the loss at the start
# of training should be close to $\log C$.

# %%
tiny = MLP([6, 7, 5, 4], init=1e-3, rng=0)
print(f"loss with tiny weights: {tiny.loss(X_mlp, y_mlp)[0]:.4f};  log(4) = {np.log(4):.4f}")

# %% [markdown]
# ## 7. Weight initialisation
#
# Where training starts matters. Consider a layer $h = g(\mathbf{x}^\top W)$ with $n_\text{in}$ inputs and
# $n_\text{out}$ outputs:
#
# * **all zeros**: every unit of a layer computes the same thing and receives the same gradient, so the units
#   never become different (and with ReLU no gradient flows at all);
# * **small** random values ($\sigma = 0.01$): each layer multiplies the spread of the activations by about
#   $0.01 \sqrt{n_\text{in}}$, so in a deep stack they shrink towards 0, and so do the gradients (*vanishing*);
# * **large** values ($\sigma = 1$): the pre-activations grow layer after layer; tanh and sigmoid saturate and
#   their derivatives vanish (*exploding*, then *saturated*);
# * **Xavier** (Glorot): keep $\text{var}(h_l)$ about constant across layers. A unit's pre-activation has variance
#   $n_\text{in} \text{var}(w) \text{var}(x)$, hence $\text{var}(w) = \frac{1}{n_\text{in}}$; keeping the
#   variance of the *gradients* constant in the backward pass asks for $\frac{1}{n_\text{out}}$ instead; the
#   compromise is $\frac{2}{n_\text{in} + n_\text{out}}$;
# * **He** (MSRA): a ReLU zeroes half of its inputs and halves the variance, so double it:
#   $\text{var}(w) = \frac{2}{n_\text{in}}$.
#
# Write `init_weights` for the seven schemes (`'zeros'`, `'small'`, `'large'`, `'xavier_in'`, `'xavier_out'`,
# `'xavier'`, `'he'`). Draw from the generator `rng` you are given (`rng.normal`), never from `np.random`
# directly, so that a seed reproduces a run. An unknown name must raise a `ValueError`.

# %% exercise="init" functions=["init_weights"]

# %% check="init"
check("init_weights", init_weights)
for scheme in ("small", "large", "xavier_in", "xavier_out", "xavier", "he"):
    W = init_weights(500, 200, scheme, np.random.default_rng(0))
    print(f"{scheme:>10}: shape {W.shape}, mean {W.mean():+.5f}, std {W.std():.5f}")

# %% [markdown]
# Now the experiment from the lecture. Push 1,000 random inputs through ten layers of 500 units without biases,
# each layer $h_l = g(h_{l-1} W_l)$, and look at the activations of every layer. The function below is given; it
# calls your `init_weights` and your activation functions.

# %% provided=["activation_statistics"]

# %%
X_deep = np.random.default_rng(5).standard_normal((1000, 500))
SETUPS = [("zeros", "tanh"), ("small", "tanh"), ("large", "tanh"), ("xavier", "tanh"), ("xavier", "relu"),
          ("he", "relu")]
deep = {f"{scheme} + {activation}": activation_statistics(X_deep, [500] * 10, scheme, activation,
                                                          np.random.default_rng(6))
        for scheme, activation in SETUPS}

print("standard deviation of the activations, layer by layer")
print(" " * 16 + "".join(f"{layer:>9d}" for layer in range(1, 11)))
for name, layers in deep.items():
    print(f"{name:>15} " + "".join(f"{h.std():9.2e}" for h in layers))

fig, ax = plt.subplots(figsize=(7, 4))
for name, layers in deep.items():
    if "zeros" not in name:  # all exactly 0: nothing to draw on a log axis
        ax.plot(range(1, 11), [h.std() for h in layers], marker="o", label=name)
ax.set_yscale("log")
ax.set_xlabel("layer")
ax.set_ylabel("std of the activations")
ax.set_title("How the spread of the activations evolves with depth")
ax.legend(fontsize="small")
plt.show()

# %% [markdown]
# The histograms tell the same story: one row per initialisation, one column per layer, the same horizontal axis
# along a row. For ReLU about half of the activations are exactly 0; the histograms show the positive ones.

# %%
shown = [name for name in deep if "zeros" not in name]
fig, axes = plt.subplots(len(shown), 10, figsize=(20, 2.1 * len(shown)), sharex="row")
for row, name in zip(axes, shown):
    if "tanh" in name:
        bins = np.linspace(-1, 1, 41)
    else:
        bins = np.linspace(0, np.percentile(deep[name][0], 99.5), 41)
    for layer, ax in enumerate(row):
        values = deep[name][layer].ravel()
        ax.hist(values if "tanh" in name else values[values > 0], bins=bins, color="tab:blue")
        ax.set_yticks([])  # counts differ wildly between panels; the shape is what matters
        ax.locator_params(axis="x", nbins=3)
        ax.tick_params(labelsize=10)
        if name == shown[0]:
            ax.set_title(f"layer {layer + 1}", fontsize=12)
        if name == shown[-1]:
            ax.set_xlabel("activation", fontsize=11)
        if layer == 0:
            ax.set_ylabel(name, rotation=0, ha="right", va="center", fontsize=12)
fig.suptitle("Histograms of the activations of ten layers of 500 units (ReLU rows: the positive activations only)",
             fontsize=14)
fig.tight_layout()
plt.show()

# %% [markdown]
# Explain what you see, one row at a time. Which initialisations make the activations vanish, which saturate
# them, which keep them healthy, and why (use the variance argument above)? Why does Xavier work for tanh but
# let ReLU activations shrink, and how does He fix it? And what happens with all-zero weights?

# %% [markdown] answer="initialisation" points=3
# * **zeros**: every pre-activation is 0, so every tanh output is exactly 0 in every layer; all units are identical
#   and stay identical during training (symmetry is never broken), and no signal reaches the last layer.
# * **small** ($\sigma = 0.01$): each layer scales the spread by about $0.01 \sqrt{500} \approx 0.22$, so after ten
#   layers the activations (and the gradients that are multiplied by them) are ~$10^{-7}$ of the input's:
#   vanishing. The histograms collapse into a spike at 0.
# * **large** ($\sigma = 1$): pre-activations have a standard deviation around $\sqrt{500} \approx 22$, so tanh
#   outputs pile up at $\pm 1$: saturated units whose derivative $1 - \tanh^2$ is about 0, so gradients vanish
#   too (the forward signal itself explodes before the squashing).
# * **Xavier + tanh**: $\text{var}(w) \approx 1/n_\text{in}$ keeps the pre-activation variance about constant;
#   tanh is almost linear near 0 and only slightly contracts, so the spread decreases slowly (about 0.6 to 0.2 over
#   ten layers) but stays far from both 0 and saturation: healthy.
# * **Xavier + ReLU**: ReLU zeroes the negative half and halves the second moment at each layer, so the spread
#   shrinks by about $1/\sqrt{2}$ per layer. **He** doubles the variance, $2/n_\text{in}$, which exactly
#   compensates: the ReLU activations keep the same scale from layer 1 to layer 10.

# %% [markdown]
# ## 8. Training on handwritten digits
#
# Time to train. The 8 × 8 digits of scikit-learn become vectors of 64 numbers in $[0, 1]$; we hold out a quarter of
# them for the final test and a fifth of the rest for validation. The training loop is given: mini-batch SGD,
# `params[k] -= lr * grads[k]`, which only works because your `loss` returns the gradient of every parameter.

# %% provided=["train_mlp"]

# %%
X_train_all, y_train_all, X_test, y_test = load_digits(test_fraction=0.25, seed=0)
order = np.random.default_rng(7).permutation(len(y_train_all))
n_val = len(order) // 5
X_val, y_val = X_train_all[order[:n_val]], y_train_all[order[:n_val]]
X_train, y_train = X_train_all[order[n_val:]], y_train_all[order[n_val:]]
print(f"train {X_train.shape}, validation {X_val.shape}, test {X_test.shape}")

digit_model = MLP([64, 100, 10], init="he", reg=1e-4, rng=0)
history = train_mlp(digit_model, X_train, y_train, X_val, y_val, lr=0.1, epochs=20, batch_size=32,
                    rng=np.random.default_rng(0), progress=True)
test_accuracy = np.mean(digit_model.predict(X_test) == y_test)
print(f"test accuracy: {test_accuracy:.1%}")
assert test_accuracy >= 0.95, "below 95 %: check your gradients and the learning rate"

# %%
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(13, 4))
plot_curves({"minibatch loss": history["loss"]}, xlabel="SGD step", ylabel="loss", logy=True,
            title="Training loss", ax=ax_loss)
epochs = range(1, len(history["val_acc"]) + 1)
ax_acc.plot(epochs, history["train_acc"], marker=".", label="train")
ax_acc.plot(epochs, history["val_acc"], marker=".", label="validation")
ax_acc.axhline(0.95, color="grey", linestyle=":", label="95 %")
ax_acc.set_xlabel("epoch")
ax_acc.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
ax_acc.set_ylabel("accuracy")
ax_acc.set_title("Accuracy after each epoch")
ax_acc.legend()
plt.show()

# %% [markdown]
# Some test digits the network gets wrong, each titled true label → the network's guess:

# %%
predicted = digit_model.predict(X_test)
wrong = np.flatnonzero(predicted != y_test)[:10]
fig, axes = plt.subplots(1, len(wrong), figsize=(1.4 * len(wrong), 1.9), squeeze=False)
for ax, index in zip(axes[0], wrong):
    ax.imshow(X_test[index].reshape(8, 8), cmap="gray_r")
    ax.set_title(f"{y_test[index]} → {predicted[index]}", fontsize=10)
    ax.axis("off")
plt.show()

# %% [markdown]
# Finally, the same network started from all-zero weights, trained for a few epochs:

# %%
zero_model = MLP([64, 100, 10], init="zeros", rng=0)
zero_history = train_mlp(zero_model, X_train, y_train, X_val, y_val, lr=0.1, epochs=3, batch_size=32,
                         rng=np.random.default_rng(0))
print("validation accuracy per epoch:", np.round(zero_history["val_acc"], 3))
print("largest |W1| and |W2| after training:", np.abs(zero_model.params["W1"]).max(),
      np.abs(zero_model.params["W2"]).max())

# %% [markdown]
# Why does it not learn? Trace the gradients of $W_1$ and $W_2$ through your backward pass when all the weights
# are 0, and say what does change.

# %% [markdown] answer="zero_init" points=2
# With $W_1 = 0$ the hidden pre-activations are $\mathbf{b}_1 = 0$, so $\mathbf{h}_1 = \text{ReLU}(0) = 0$.
# Then $\frac{\partial L}{\partial W_2} = \mathbf{h}_1^\top G = 0$, and the gradient flowing back into the hidden
# layer is $G W_2^\top = 0$ because $W_2 = 0$, so $\frac{\partial L}{\partial W_1} = 0$ and
# $\frac{\partial L}{\partial \mathbf{b}_1} = 0$ too (ReLU's derivative at 0 is 0 as well). Only $\mathbf{b}_2$
# gets a gradient: the network learns the class frequencies and predicts the same class for every input, about 10 %
# accuracy. Even with a smooth activation the hidden units would stay identical to each other forever, since they
# start equal and receive equal gradients: random initialisation is what breaks the symmetry.
