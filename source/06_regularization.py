# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 6 — Regularization
#
# A network with enough weights can fit its training set perfectly, noise included, and then does worse on new
# data than a simpler model would: it **overfits**. Regularization is every change to training that aims to
# lower the error on new data (the generalization error) without lowering the training error. The usual recipe
# adds a regularizer to the loss,
#
# $$L(\theta) = \frac{1}{n} \sum_{i=1}^{n} \ell\big(NN_\theta(\mathbf{x}^{(i)}), y^{(i)}\big) + \lambda
#   R(\theta), \qquad \lambda > 0,$$
#
# where the first term asks the predictions to match the training data and the second keeps the weights
# "well-behaved". Other regularizers change the network (dropout, batch normalization), the data (augmentation,
# label smoothing), the length of training (early stopping) or the number of models (ensembles).
#
# You will
# 1. watch a polynomial overfit ten noisy points, and tame it with a penalty (ridge regression);
# 2. write the L2 and L1 penalties, the weight-decay form of SGD, and the proximal L1 step that sets weights to
#    exactly zero;
# 3. write early stopping that keeps the best parameters;
# 4. write inverted dropout (and the original, non-inverted one), and batch normalization with two backward passes;
# 5. augment image batches (flips, crops, noise) and smooth labels;
# 6. combine models into ensembles: probability averaging, bagging and a snapshot ensemble;
# 7. train a network with dropout and batch norm on a deliberately small digits training set and compare.
#
# **Notation.** $\theta$ or $\mathbf{w}$ are the weights, $J(\mathbf{w})$ the data term of the loss, $\alpha$ (or
# $\lambda$) the strength of a penalty, $\varepsilon$ the learning rate; a batch has $N$ samples (the notes write
# $m$) and $D$ features. **$p$ is the probability of dropping a unit**, as in the lecture.
#
# Fill in every cell marked `# YOUR CODE HERE` (delete the `raise NotImplementedError()` line) and run the
# self-check cell below it. The self-checks are small public tests; your notebook is graded by other tests on
# random inputs and hyper-parameters (a single sample, odd shapes, runs of many steps in which your state is carried
# from call to call), with every gradient also compared against a numeric one, so make your functions correct, not
# just the examples.

# %%
import math  # Lab 5's cosine_lr, handed out below, uses it
import os

for variable in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    # set before NumPy loads: our matrices are small, and one BLAS thread beats several competing for the cores
    os.environ.setdefault(variable, "1")

import numpy as np
import matplotlib.pyplot as plt
from tqdm.auto import tqdm

from labkit import check, eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from labkit.data import load_digits, load_sample_image
from labkit.plotting import plot_curves

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Overfitting: a line or a polynomial?
#
# The lecture asks what function generated a handful of points. A polynomial of high enough degree goes through
# every one of them; a line misses them all a little. If the points are noisy samples of a line, the line is the
# better answer (Ockham's razor): the polynomial has fitted the noise.
#
# Fit a polynomial of degree $K$ by least squares on the features $[1, x, x^2, \dots, x^K]$. With a penalty on
# the coefficients (not on the intercept $\theta_0$, which only shifts the curve) the problem is **ridge
# regression**, the L2 penalty of the notes applied to a linear model:
#
# $$\min_\theta\; \tfrac{1}{2} \lVert X\theta - \mathbf{y} \rVert^2 + \tfrac{\lambda}{2} \sum_{k \ge 1}
#   \theta_k^2 \quad\Longrightarrow\quad (X^\top X + \lambda P)\,\theta = X^\top \mathbf{y}, \quad
#   P = \operatorname{diag}(0, 1, \dots, 1).$$
#
# Write `polynomial_features` (one row $[1, x_i, \dots, x_i^K]$ per sample) and `ridge_fit`. Solve the linear
# system with `np.linalg.solve`; never compute an inverse.

# %% exercise="overfitting" functions=["polynomial_features", "ridge_fit"]

# %% check="overfitting"
check("polynomial_features", polynomial_features)
check("ridge_fit", ridge_fit)

# %% [markdown]
# Ten noisy samples of the line $y = 0.5 + 0.8x$, and a validation set of 200 more from the same source:

# %%
def true_line(x):
    return 0.5 + 0.8 * x


rng_poly = np.random.default_rng(0)
x_few = np.sort(rng_poly.uniform(-1, 1, size=10))
y_few = true_line(x_few) + rng_poly.normal(scale=0.25, size=10)
x_check = rng_poly.uniform(-1, 1, size=200)
y_check = true_line(x_check) + rng_poly.normal(scale=0.25, size=200)
x_grid = np.linspace(-1, 1, 400)


def mse_of(theta, x, y):
    degree = theta.size - 1
    return float(np.mean((polynomial_features(x, degree) @ theta - y) ** 2))


fig, ax = plt.subplots(figsize=(7, 4.5))
ax.plot(x_few, y_few, "ko", label="10 noisy samples")
ax.plot(x_grid, true_line(x_grid), color="grey", linestyle=":", label="the true line")
for degree, lam, style in ((1, 0.0, "-"), (9, 0.0, "-"), (9, 1e-3, "--")):
    theta = ridge_fit(polynomial_features(x_few, degree), y_few, lam)
    label = f"degree {degree}" + (f", λ = {lam:g}" if lam else "") + f": train MSE {mse_of(theta, x_few, y_few):.3f}"
    ax.plot(x_grid, polynomial_features(x_grid, degree) @ theta, style, label=label)
ax.set_ylim(-1.5, 2.5)
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title("A line and a polynomial through the same points")
ax.legend(fontsize="small", loc="upper left")
plt.show()

# %% [markdown]
# The degree-9 polynomial has ten coefficients for ten points: it interpolates them (training error 0) and
# swings wildly in between. Now the errors against the degree (no penalty), and against $\lambda$ for degree 9:

# %%
degrees = np.arange(0, 10)
errors_by_degree = {"train": [], "validation": []}
for degree in degrees:
    theta = ridge_fit(polynomial_features(x_few, degree), y_few, 0.0)
    errors_by_degree["train"].append(mse_of(theta, x_few, y_few))
    errors_by_degree["validation"].append(mse_of(theta, x_check, y_check))
lambdas = np.logspace(-6, 2, 33)
errors_by_lambda = {"train": [], "validation": []}
for lam in lambdas:
    theta = ridge_fit(polynomial_features(x_few, 9), y_few, lam)
    errors_by_lambda["train"].append(mse_of(theta, x_few, y_few))
    errors_by_lambda["validation"].append(mse_of(theta, x_check, y_check))

fig, (ax_degree, ax_lambda) = plt.subplots(1, 2, figsize=(12, 4))
for name, values in errors_by_degree.items():
    ax_degree.semilogy(degrees, np.maximum(values, 1e-6), marker="o", label=name + (" (0 drawn at 1e-6)" if name == "train" else ""))
ax_degree.axhline(0.25 ** 2, color="grey", linestyle=":", label="noise variance 0.0625")
ax_degree.set_xlabel("polynomial degree K (λ = 0)")
ax_degree.set_ylabel("mean squared error")
ax_degree.set_title("Error against model complexity")
ax_degree.legend()
for name, values in errors_by_lambda.items():
    ax_lambda.loglog(lambdas, values, marker=".", label=name)
ax_lambda.axhline(0.25 ** 2, color="grey", linestyle=":", label="noise variance 0.0625")
ax_lambda.set_xlabel("penalty λ (degree 9)")
ax_lambda.set_ylabel("mean squared error")
ax_lambda.set_title("Error against the strength of the penalty")
ax_lambda.legend()
fig.tight_layout()
plt.show()
best_lambda = lambdas[int(np.argmin(errors_by_lambda["validation"]))]
print(f"best degree by validation error: {degrees[int(np.argmin(errors_by_degree['validation']))]};"
      f" best λ for degree 9: {best_lambda:.2g}")

# %% [markdown]
# Read the two plots together: what happens to the training and the validation error as the model gets more
# freedom (higher degree) or less (larger λ)? Where would you stop, and why can the training error never tell
# you?

# %% [markdown] answer="overfitting_explained" points=2
# The training error can only go down as the degree grows (each model contains the smaller ones) and reaches 0 at
# degree 9, where the polynomial interpolates the ten points. The validation error first drops (degree 0 cannot
# even follow the slope), is lowest for the line or a low degree, about the noise variance, and then grows by
# orders of magnitude: the extra coefficients fit the noise. λ works the other way round: a large λ forces the
# coefficients towards 0 and underfits (both errors high, the curve flattens to the mean), a tiny λ leaves the
# degree-9 polynomial free to overfit (training error near 0, validation error high), and a middle value gives a
# validation error near the noise level. The training error rewards every extra bit of freedom, so only data the
# model was not fitted on (a validation set) can choose the degree or λ.

# %% [markdown]
# ## 2. Norm penalties
#
# The notes write a regularized objective as $\tilde J(\mathbf{w}) = J(\mathbf{w}) + \alpha\,\Omega(\mathbf{w})$.
# The two classic penalties:
#
# | | $\Omega(\mathbf{w})$ | $\nabla_\mathbf{w} \Omega$ |
# |---|---|---|
# | L2 (ridge, Tikhonov, "weight decay") | $\tfrac{1}{2} \lVert \mathbf{w} \rVert_2^2 = \tfrac{1}{2} \sum_i w_i^2$ | $\mathbf{w}$ |
# | L1 (lasso) | $\lVert \mathbf{w} \rVert_1 = \sum_i \lvert w_i \rvert$ | $\operatorname{sign}(\mathbf{w})$ |
#
# Note the $\tfrac12$ in the L2 penalty: it makes the gradient exactly $\mathbf{w}$ (Lab 4's MLP used $\lambda
# \sum W^2$ without it, whose gradient is $2\lambda W$). $\lvert w \rvert$ has no derivative at $w = 0$; any
# number in $[-1, 1]$ is a *subgradient* there, and we use $0$, which is what `np.sign` (and PyTorch) give.
#
# Both functions return the penalty (a float) and its (sub)gradient.

# %% exercise="penalties" functions=["l2_penalty", "l1_penalty"]

# %% check="penalties"
check("l2_penalty", l2_penalty)
check("l1_penalty", l1_penalty)

# %% [markdown]
# ### 2.1 SGD on the penalty is weight decay
#
# A gradient step on $\tilde J$ with learning rate $\varepsilon$ is
# $\mathbf{w} \leftarrow \mathbf{w} - \varepsilon\,(\nabla J(\mathbf{w}) + \alpha \nabla\Omega(\mathbf{w}))$. For
# the L2 penalty, collect the terms in $\mathbf{w}$:
#
# $$\mathbf{w} \leftarrow \underbrace{(1 - \varepsilon \alpha)}_{\text{shrinks the weights}} \mathbf{w} -
#   \varepsilon \nabla_\mathbf{w} J(\mathbf{w}),$$
#
# the **weight-decay** form: before each ordinary step the weights are multiplied by a factor a little below 1.
# For L1 the penalty's pull is $\varepsilon\alpha\,\operatorname{sign}(\mathbf{w})$ instead: a constant amount,
# however small the weight already is. Write `penalized_sgd_step` (either penalty, through your two functions)
# and `weight_decay_step`. The grader runs both forms side by side for many steps: they must follow one path.

# %% exercise="weight_decay" functions=["penalized_sgd_step", "weight_decay_step"]

# %% check="weight_decay"
check("penalized_sgd_step", penalized_sgd_step)
check("weight_decay_step", weight_decay_step)
w_demo = np.random.default_rng(1).normal(size=5)
dw_demo = np.random.default_rng(2).normal(size=5)
difference = penalized_sgd_step(w_demo, dw_demo, 0.1, 0.5, "l2") - weight_decay_step(w_demo, dw_demo, 0.1, 0.5)
print(f"largest difference between the two forms of one step: {np.abs(difference).max():.1e}")

# %% [markdown]
# ### 2.2 L1 drives weights to exactly zero, if you let it
#
# The notes say L1 "tends to push more weights to 0" and is used for feature selection. With subgradient steps,
# though, a weight near 0 is pushed by $\pm\varepsilon\alpha$ across 0 and back, and it lands on exactly 0.0 only by
# accident. The **proximal** step (ISTA) does the data step first and then solves the penalty's part exactly:
#
# $$\mathbf{z} = \mathbf{w} - \varepsilon \nabla J(\mathbf{w}), \qquad w_i \leftarrow \operatorname{sign}(z_i)
#   \max(\lvert z_i \rvert - \varepsilon\alpha,\; 0),$$
#
# *soft-thresholding*: every entry moves $\varepsilon\alpha$ towards 0, and those closer than that become exactly
# 0. Write `l1_proximal_step`.

# %% exercise="l1_sparsity" functions=["l1_proximal_step"]

# %% check="l1_sparsity"
check("l1_proximal_step", l1_proximal_step)

# %% [markdown]
# A regression with 40 features of which only 5 matter. The function below (given) runs full-batch gradient descent
# on $\frac{1}{2N}\lVert X\mathbf{w} - \mathbf{y} \rVert^2 + \alpha\,\Omega(\mathbf{w})$ with your steps.

# %% provided=["linear_regression_path"]

# %%
rng_sparse = np.random.default_rng(3)
X_sparse = rng_sparse.normal(size=(100, 40))
w_sparse = np.zeros(40)
w_sparse[:5] = [2.0, -1.5, 1.0, -0.8, 0.6]
y_sparse = X_sparse @ w_sparse + 0.3 * rng_sparse.normal(size=100)
fits = {"L2 penalty (α = 0.2)": linear_regression_path(X_sparse, y_sparse, "l2", 0.2, 0.1, 1000),
        "L1 subgradient steps (α = 0.2)": linear_regression_path(X_sparse, y_sparse, "l1", 0.2, 0.1, 1000),
        "L1 proximal steps (α = 0.2)": linear_regression_path(X_sparse, y_sparse, "l1", 0.2, 0.1, 1000,
                                                                proximal=True)}
fig, axes = plt.subplots(1, 3, figsize=(14, 3.8), sharey=True)
bins = np.linspace(-2.2, 2.2, 45)
for ax, (name, w_fit) in zip(axes, fits.items()):
    ax.hist(w_fit, bins=bins, color="tab:blue")
    zeros = int(np.sum(w_fit == 0.0))
    ax.set_title(f"{name}\n{zeros} of 40 weights exactly 0", fontsize=10)
    ax.set_xlabel("weight value")
axes[0].set_ylabel("number of weights")
fig.suptitle("Weights after 1000 steps (the true weights: 5 nonzero, 35 zero)")
fig.tight_layout()
plt.show()
for name, w_fit in fits.items():
    print(f"{name:>32}: largest |w| among the 35 useless features {np.abs(w_fit[5:]).max():.4f}")

# %% [markdown]
# ## 3. Early stopping
#
# Training longer lowers the training loss forever, but the validation loss turns up once the network starts to
# fit noise. **Early stopping** watches the validation loss after every epoch, remembers the best parameters seen
# so far, and stops when there has been no improvement for `patience` epochs in a row; the model then gets the
# best parameters back. It is a regularizer that costs nothing: the number of epochs becomes a hyper-parameter
# chosen on validation data.
#
# Write `EarlyStopping.update`. Careful: the training loop changes the parameter arrays **in place**, so keeping
# a reference to `params` (or to its arrays) keeps the *latest* parameters, not the best ones; store copies. The
# function `early_stopping_run` below the class replays a training run through it; it is how the grader calls
# your class, so leave it as it is.

# %% exercise="early_stopping" functions=["EarlyStopping", "early_stopping_run"]

# %% check="early_stopping"
check("early_stopping_run", early_stopping_run)

# %% [markdown]
# ## 4. Dropout
#
# Dropout switches units off at random during training: in every forward pass each hidden unit is dropped
# (set to 0) with probability $p$, independently, by a fresh binary mask. A network of $q$ units has $2^q$
# thinned sub-networks that share their weights, and each step trains one of them: dropout approximates bagging a
# huge ensemble, and forces every unit to be useful in many contexts (redundant features) rather than to rely on
# particular partners.
#
# At test time we want the whole network. But a unit that was present only a fraction $1 - p$ of the time in
# training would now contribute too much ("over-activate", the notes say): its expected training contribution is
# $(1-p)\,w_i h_i$. Two fixes:
#
# * **original dropout**: train with the raw mask, multiply the activations by $(1 - p)$ at test time;
# * **inverted dropout** (better, and what frameworks do): divide by $(1 - p)$ during training,
#   $h \leftarrow h \odot \mathbb{1}[u < 1 - p] / (1 - p)$ with $u \sim \mathcal{U}(0, 1)$, so the expected
#   activation is unchanged and the test-time network is left alone.
#
# For the grader to reproduce your mask, draw it exactly as the docstring says, from a **fresh** generator of the
# given seed: `keep = np.random.default_rng(seed).random(x.shape) < 1 - p`. The backward pass lets the gradient
# through the kept units, scaled like them.

# %% exercise="dropout" functions=["dropout_forward", "dropout_backward"]

# %% check="dropout"
check("dropout_forward", dropout_forward)
check("dropout_backward", dropout_backward)
x_do = np.random.default_rng(4).normal(size=(6, 7))
dout_do = np.random.default_rng(5).normal(size=(6, 7))
param_do = {"p": 0.3, "mode": "train", "seed": 9}
_, cache_do = dropout_forward(x_do, param_do)
numeric_do = eval_numerical_gradient_array(lambda v: dropout_forward(v, param_do)[0], x_do.copy(), dout_do)
print(f"dropout_backward vs numeric gradient: rel. error {rel_error(dropout_backward(dout_do, cache_do), numeric_do):.2e}")

# %% [markdown]
# Now the original, non-inverted variant, with the same mask: no scaling in training, a factor $1 - p$ at test
# time.

# %% exercise="dropout_noninverted" functions=["dropout_forward_noninverted"]

# %% check="dropout_noninverted"
check("dropout_forward_noninverted", dropout_forward_noninverted)

# %% [markdown]
# Both variants have the same *expected* activation as their own test-time network: averaged over many masks, the
# training output of inverted dropout approaches $x$, that of the original one approaches $(1 - p)\,x$.

# %%
x_mean = np.random.default_rng(6).uniform(0.5, 2.0, size=(50, 40))
seeds = range(400)
print("               training output averaged over 400 masks, divided by the test output (1 = same expectation)")
for p in (0.2, 0.5, 0.8):
    inverted = np.mean([dropout_forward(x_mean, {"p": p, "mode": "train", "seed": s})[0] for s in seeds], axis=0)
    original = np.mean([dropout_forward_noninverted(x_mean, {"p": p, "mode": "train", "seed": s})[0] for s in seeds],
                       axis=0)
    test_inverted = dropout_forward(x_mean, {"p": p, "mode": "test"})[0]
    test_original = dropout_forward_noninverted(x_mean, {"p": p, "mode": "test"})[0]
    print(f"p = {p}:  inverted {inverted.sum() / test_inverted.sum():.4f} (test output = {test_inverted.sum() / x_mean.sum():.2f} x),"
          f"  original {original.sum() / test_original.sum():.4f} (test output = {test_original.sum() / x_mean.sum():.2f} x)")

# %% [markdown]
# ## 5. Batch normalization
#
# Training updates all layers at once, so a layer's input distribution shifts under it at every step (the notes'
# "internal covariate shift"): the best $W_2$ for yesterday's $h_1$ may be wrong for today's. Batch
# normalization fixes the statistics of every unit over the mini-batch, and then lets the network choose the ones
# it wants through a learned scale $\gamma$ and shift $\beta$. Per feature, over a batch of $N$:
#
# $$\mu = \frac{1}{N} \sum_{j=1}^{N} x^{(j)}, \qquad \sigma^2 = \frac{1}{N} \sum_{j=1}^{N} (x^{(j)} - \mu)^2, \qquad
#   \hat{x}^{(j)} = \frac{x^{(j)} - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y^{(j)} = \gamma\,\hat{x}^{(j)} +
#   \beta,$$
#
# so that $E[y] = \beta$ and $\operatorname{var}(y) = \gamma^2$. Note the **biased** variance (divide by $N$), as in
# the notes and PyTorch.
#
# At test time there may be a single sample and no batch to average over, so the layer keeps **running averages**
# during training and normalises with them at test time:
#
# $$\mu_\text{run} \leftarrow m\,\mu_\text{run} + (1 - m)\,\mu, \qquad
#   \sigma^2_\text{run} \leftarrow m\,\sigma^2_\text{run} + (1 - m)\,\frac{N}{N - 1}\,\sigma^2 ,$$
#
# with momentum $m = 0.9$ by default. The running variance averages the **unbiased** batch variance (divide by
# $N - 1$), as PyTorch's `BatchNorm1d` does; so a training batch needs $N \ge 2$. (PyTorch's `momentum=0.1` is the
# weight of the *new* value: our $m = 0.9$.) The running averages live in `bn_param` and your function must store
# them there: write the new arrays into the dictionary, `bn_param['running_mean'] = ...`. Missing entries start as
# zeros (mean) and ones (variance).

# %% exercise="batchnorm_forward" functions=["batchnorm_forward"]

# %% check="batchnorm_forward"
check("batchnorm_forward", batchnorm_forward)
x_bn = np.random.default_rng(7).normal(loc=5.0, scale=3.0, size=(200, 3))
out_bn, _ = batchnorm_forward(x_bn, np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 3.0]), {"mode": "train"})
print("means after batch norm:", out_bn.mean(axis=0), " stds:", out_bn.std(axis=0))

# %% [markdown]
# ### 5.1 Backward along the graph
#
# The notes draw batch normalization as a graph of small nodes (per feature; sums run over the batch):
#
# | node | forward | local derivatives |
# |---|---|---|
# | $y$ | $a + \beta$ | $\partial y / \partial a = 1$, $\partial L / \partial \beta = \sum_j \partial L / \partial y^{(j)}$ |
# | $a$ | $\gamma\, b$ | $\partial a / \partial \gamma = b$, $\partial a / \partial b = \gamma$ |
# | $b$ | $c \cdot d$ ($= \hat{x}$) | $\partial b / \partial c = d$, $\partial b / \partial d = c$ |
# | $d$ | $1 / e$ | $-1/e^2$ |
# | $e$ | $\sqrt{f}$ | $1 / (2\sqrt{f})$ |
# | $f$ | $\sigma^2 + \epsilon$ | $1$ |
# | $\sigma^2$ | $\frac{1}{N} \sum_j c_j^2$ | $2 c_j / N$ |
# | $c$ | $x - \mu$ | $\partial c / \partial x = 1$, $\partial c / \partial \mu = -1$ |
# | $\mu$ | $\frac{1}{N} \sum_j x^{(j)}$ | $1 / N$ |
#
# Walk it from the top, multiplying by one local derivative per node. Two places need care: $c$ feeds both $b$
# and $\sigma^2$, so its gradient is the sum of two paths; and $\mu$ depends on *every* sample, so every
# $x^{(j)}$ receives a share $\frac{1}{N} \frac{\partial L}{\partial \mu}$ on top of its direct path (the "law of
# total gradient" in the notes). Forget either and the numeric gradient check will tell you. The cache is
# `(x, x_hat, mu, var, gamma, beta, eps)`, as the forward docstring says.

# %% exercise="batchnorm_backward" functions=["batchnorm_backward"]

# %% check="batchnorm_backward"
check("batchnorm_backward", batchnorm_backward)

# %% [markdown]
# ### 5.2 The closed form
#
# Collect the paths on paper and everything simplifies to one line per feature:
#
# $$\frac{\partial L}{\partial x^{(j)}} = \frac{\gamma}{N \sqrt{\sigma^2 + \epsilon}} \Big( N
#   \frac{\partial L}{\partial y^{(j)}} - \sum_k \frac{\partial L}{\partial y^{(k)}} - \hat{x}^{(j)} \sum_k
#   \frac{\partial L}{\partial y^{(k)}} \hat{x}^{(k)} \Big).$$
#
# Read it: the upstream gradient, minus its mean, minus its component along $\hat{x}$: exactly the two
# directions (a shift and a scaling of the batch) that the normalisation removes. Write `batchnorm_backward_alt`.

# %% exercise="batchnorm_backward_alt" functions=["batchnorm_backward_alt"]

# %% check="batchnorm_backward_alt"
check("batchnorm_backward_alt", batchnorm_backward_alt)
rng_bn = np.random.default_rng(8)
x_bn = rng_bn.normal(loc=2.0, scale=4.0, size=(64, 100))
gamma_bn, beta_bn, dout_bn = rng_bn.normal(size=100), rng_bn.normal(size=100), rng_bn.normal(size=(64, 100))
_, cache_bn = batchnorm_forward(x_bn, gamma_bn, beta_bn, {"mode": "train"})
graph_grads, closed_grads = batchnorm_backward(dout_bn, cache_bn), batchnorm_backward_alt(dout_bn, cache_bn)
for name, a, b in zip(("dx", "dgamma", "dbeta"), graph_grads, closed_grads):
    print(f"{name}: graph vs closed form, rel. error {rel_error(a, b):.1e}")

# %% [markdown]
# ## 6. Data augmentation
#
# More data is the best regularizer, and for images some of it is free: a cat shifted by two pixels or mirrored is
# still a cat. Augmentation applies such label-preserving changes at random to every training batch, so the
# network never sees exactly the same image twice. Images come in batches of shape $(N, C, H, W)$:
#
# * `random_flip`: mirror each image left-right (reverse the **width** axis) with probability `p`;
# * `random_crop`: pad each image with `pad` zeros on all four sides and cut a window of the original size at a
#   random offset, i.e. shift it by up to `pad` pixels in each direction;
# * `add_gaussian_noise`: add independent noise $\mathcal{N}(0, \text{std}^2)$ to every pixel.
#
# Draw the random numbers exactly as the docstrings say, from the generator `rng` you are given (the grader
# replays them). `random_crop` should pick every image's window without a Python loop over the images: build index
# arrays (the rows `top[:, None] + np.arange(H)` of every image, and the columns likewise) and let NumPy's
# broadcasting fancy indexing cut all windows at once.

# %% exercise="augmentation" functions=["random_flip", "random_crop", "add_gaussian_noise"]

# %% check="augmentation"
check("random_flip", random_flip)
check("random_crop", random_crop)
check("add_gaussian_noise", add_gaussian_noise)

# %% [markdown]
# A patch of one of scikit-learn's photographs, eight times through the augmentations (a new draw each time):

# %%
photo = load_sample_image("china.jpg", gray=False)[40:200:2, 100:260:2]  # (80, 80, 3), every second pixel
batch_photo = np.repeat(photo.transpose(2, 0, 1)[None], 8, axis=0)  # (8, 3, 80, 80)
rng_aug = np.random.default_rng(10)
augmented = add_gaussian_noise(random_crop(random_flip(batch_photo, rng_aug), rng_aug, 12), rng_aug, 0.05)
fig, axes = plt.subplots(1, 9, figsize=(16, 2.3))
for ax, image, title in zip(axes, [batch_photo[0]] + list(augmented), ["original"] + [f"#{i}" for i in range(1, 9)]):
    ax.imshow(np.clip(image.transpose(1, 2, 0), 0, 1))
    ax.set_title(title, fontsize=9)
    ax.axis("off")
fig.suptitle("Random flips, crops with 12 pixels of padding, and noise of std 0.05", y=1.02)
plt.show()

# %% [markdown]
# Augmentations must keep the label. Which of the three would you use for the 8 × 8 handwritten digits below, and
# which not? Look at the mirrored digits.

# %%
X_all_digits, y_all_digits, _, _ = load_digits(test_fraction=0.25, seed=0)
digit_batch = X_all_digits[:8].reshape(8, 1, 8, 8)
rows = {"digits": digit_batch, "flipped (p = 1)": random_flip(digit_batch, np.random.default_rng(0), 1.0),
        "cropped (pad 1)": random_crop(digit_batch, np.random.default_rng(0), 1),
        "noise (std 0.1)": add_gaussian_noise(digit_batch, np.random.default_rng(0), 0.1)}
fig, axes = plt.subplots(4, 8, figsize=(10, 5.4))
for row, (name, images) in zip(axes, rows.items()):
    for ax, image in zip(row, images):
        ax.imshow(image[0], cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
    row[0].set_ylabel(name, fontsize=9)
for ax, label in zip(axes[0], y_all_digits[:8]):
    ax.set_title(f"label {label}", fontsize=9)
fig.tight_layout()
plt.show()

# %% [markdown] answer="augmentation_explained" points=2
# Small shifts (crops with a padding of one pixel) and a little noise keep a digit what it is: handwriting is
# placed a bit differently every time and scanners add noise. Mirroring does not: a flipped 2, 3, 4, 5, 7 or 9 is
# not a digit at all (or looks like another symbol), and a flipped 6 is not a 6, so flips would teach the network
# wrong labels. For natural photos (the street above) a left-right flip is the most useful augmentation of all,
# but an up-down flip would not be. An augmentation must keep the label; which ones do depends on the data. Also,
# on 8 × 8 images a shift of one pixel is already an eighth of the image, so even crops should stay small.

# %% [markdown]
# ## 7. Label smoothing
#
# One-hot targets ask the network to give the true class probability 1, which the softmax reaches only for
# infinitely large scores: a network trained on them keeps growing its weights and becomes over-confident.
# **Label smoothing** asks for a little less. The notes' example, for a "dog" among 10 classes:
# $[0.011, \dots, 0.9, \dots, 0.011]$: the true class gets $1 - \varepsilon = 0.9$ and the other $C - 1 = 9$
# classes share $\varepsilon = 0.1$, $\varepsilon / (C - 1) \approx 0.011$ each. (Careful when comparing with other
# texts and with PyTorch's `label_smoothing`: they spread $\varepsilon$ over **all** $C$ classes, the true one
# included, which gives $1 - \varepsilon + \varepsilon / C$ to the true class. Here we follow the notes.)
#
# With soft targets $\mathbf{t}_i$, the loss is the cross-entropy against them, averaged over the batch:
#
# $$L = -\frac{1}{N} \sum_{i=1}^{N} \sum_{c=1}^{C} t_{ic} \log \operatorname{softmax}(\mathbf{s}_i)_c, \qquad
#   \frac{\partial L}{\partial s_{ic}} = \frac{1}{N} \Big( \operatorname{softmax}(\mathbf{s}_i)_c \sum_{k} t_{ik} -
#   t_{ic} \Big),$$
#
# which is $(\operatorname{softmax}(\mathbf{s}_i) - \mathbf{t}_i) / N$ when the targets sum to 1. Compute the log of
# the softmax stably (subtract each row's maximum first), as in Lab 3.

# %% exercise="label_smoothing" functions=["smooth_labels", "soft_cross_entropy"]

# %% check="label_smoothing"
check("smooth_labels", smooth_labels)
check("soft_cross_entropy", soft_cross_entropy)
print(smooth_labels(np.array([3]), 10, 0.1).round(3))

# %% [markdown]
# ## 8. A regularized network on a small training set
#
# Now everything together. The network below is given: an MLP whose hidden layers are, in the order of the notes,
#
# $$\text{affine} \rightarrow \text{ReLU} \rightarrow \text{batch norm} \rightarrow \text{dropout},$$
#
# with batch norm and dropout optional, an L2 penalty through your `l2_penalty`, and its backward pass through your
# `dropout_backward` and `batchnorm_backward_alt`. It needs Lab 4's layers, Lab 3's softmax and Lab 5's update
# rules and cosine schedule, handed out here:

# %% provided=["solutions.layers:affine_forward", "solutions.layers:affine_backward", "solutions.layers:relu_forward", "solutions.layers:relu_backward", "solutions.softmax:softmax", "solutions.softmax:softmax_loss", "solutions.optim:sgd", "solutions.optim:sgd_momentum", "solutions.optim:cosine_lr"]

# %% provided=["RegularizedMLP", "evaluate", "train_model"]

# %% [markdown]
# We train on a deliberately **small** training set, 200 digits, so that overfitting shows; 400 other digits
# are the validation set, and the 450 digits of the official test split are kept for the ensembles at the end.

# %%
X_train_all, y_train_all, X_test, y_test = load_digits(test_fraction=0.25, seed=0)
order = np.random.default_rng(0).permutation(len(y_train_all))
X_train, y_train = X_train_all[order[:200]], y_train_all[order[:200]]
X_val, y_val = X_train_all[order[200:600]], y_train_all[order[200:600]]
print(f"train {X_train.shape}, validation {X_val.shape}, test {X_test.shape}")
SIZES = [64, 128, 128, 10]

# %% [markdown]
# ### 8.1 With and without dropout and batch norm
#
# Four networks of the same size (two hidden layers of 128 units), from the same initial weights, trained for 60
# epochs with SGD + momentum (learning rate 0.02, momentum 0.9, batches of 20):

# %%
setups = {"plain": {}, "dropout 0.5": {"dropout": 0.5}, "batch norm": {"batchnorm": True},
          "batch norm + dropout 0.5": {"batchnorm": True, "dropout": 0.5}}
histories = {}
for name, options in tqdm(setups.items(), desc="setups"):
    model = RegularizedMLP(SIZES, seed=1, **options)
    histories[name] = train_model(model, X_train, y_train, X_val, y_val, epochs=60, batch_size=20, learning_rate=0.02,
                                  rng=np.random.default_rng(2), config={"momentum": 0.9})
    h = histories[name]
    print(f"{name:>25}: train acc {h['train_acc'][-1]:.3f}, validation acc {h['val_acc'][-1]:.3f}"
          f" (best {max(h['val_acc']):.3f}); validation loss {h['val_loss'][-1]:.3f} (lowest {min(h['val_loss']):.3f})")

# %%
fig, axes = plt.subplots(2, 4, figsize=(17, 7), sharex=True)
epochs = np.arange(1, 61)
for column, (name, h) in enumerate(histories.items()):
    ax_loss, ax_acc = axes[0, column], axes[1, column]
    ax_loss.semilogy(epochs, h["train_loss"], label="train")
    ax_loss.semilogy(epochs, h["val_loss"], label="validation")
    ax_loss.set_title(name)
    ax_loss.set_ylim(1e-4, 3)
    ax_acc.plot(epochs, h["train_acc"], label="train")
    ax_acc.plot(epochs, h["val_acc"], label="validation")
    ax_acc.set_ylim(0.8, 1.005)
    ax_acc.set_xlabel("epoch")
    ax_loss.legend(loc="lower left")
    ax_acc.legend(loc="lower right")
axes[0, 0].set_ylabel("cross-entropy (log scale)")
axes[1, 0].set_ylabel("accuracy")
fig.suptitle("Train vs validation on 200 training digits (test mode: running averages, no dropout)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### 8.2 A learning rate that only batch norm survives
#
# Plain SGD (no momentum) with a learning rate of 1.0, with and without batch norm:

# %%
fast = {}
with np.errstate(all="ignore"):  # the plain network overflows
    for name, options in (("plain", {}), ("batch norm", {"batchnorm": True})):
        model = RegularizedMLP(SIZES, seed=1, **options)
        fast[name] = train_model(model, X_train, y_train, X_val, y_val, epochs=30, batch_size=20, learning_rate=1.0,
                                 rng=np.random.default_rng(2), update=sgd)
        print(f"{name:>10}, learning rate 1.0: validation accuracy {fast[name]['val_acc'][-1]:.3f}")

fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(12, 4))
epochs_fast = np.arange(1, 31)
for name, h in fast.items():
    ax_loss.semilogy(epochs_fast, np.nan_to_num(h["train_loss"], nan=1e3, posinf=1e3), label=f"{name}: train")
    ax_loss.semilogy(epochs_fast, np.nan_to_num(h["val_loss"], nan=1e3, posinf=1e3), "--", label=f"{name}: validation")
    ax_acc.plot(epochs_fast, h["val_acc"], label=f"{name}: validation")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("cross-entropy (log scale)")
ax_loss.set_title("SGD with learning rate 1.0")
ax_loss.legend(fontsize="small")
ax_acc.axhline(0.1, color="grey", linestyle=":", label="chance (10 classes)")
ax_acc.set_xlabel("epoch")
ax_acc.set_ylabel("accuracy")
ax_acc.set_title("Validation accuracy")
ax_acc.legend(fontsize="small")
fig.tight_layout()
plt.show()

# %% [markdown]
# Describe what the curves of 8.1 and 8.2 show: the gap between training and validation with and without
# dropout, what batch norm changes, and why batch norm lets the network survive a learning rate that destroys the
# plain one. The notes warn that dropout placed before batch norm "could affect batchnorm statistics": why does
# the order affine → ReLU → batch norm → dropout avoid that?

# %% [markdown] answer="experiment" points=3
# Every network reaches 100 % training accuracy and a training loss near 0 within 10 to 20 epochs, while the
# validation accuracy stays at 94 to 95 % and the validation loss stops falling at about 0.17 to 0.25: on 200
# digits they all memorise the training set, and the gap between the curves is the overfitting. Dropout keeps the
# training loss about ten times higher (a thinned network cannot memorise as easily), so the gap is smaller; here
# it gives the best validation accuracy (0.950 against 0.940) and the lowest validation loss on the way (0.166),
# although on so small a validation set differences of half a point are within the noise. Batch norm alone
# trains fastest and drives the training loss lowest, and its validation loss is the worst and creeps up: it is
# not a regularizer against overfitting here (8.3 stops it early). With a learning rate of 1.0 the plain network's
# first large steps throw its weights far away: its loss jumps to about log 10 = 2.3, the value of a constant
# prediction (the ReLUs are dead or the scores saturate), and its accuracy falls to chance and stays there. With
# batch norm, each hidden layer's output is renormalised to mean β and spread γ whatever the scale of the weights
# before it, so a too-large step changes the scale of W but not that of the activations, and the gradient with
# respect to W shrinks as W grows: training stays stable and reaches 94 %. Dropout after batch norm means that the
# batch statistics are computed on the full, undropped activations, the same kind of activations the test-time
# network sees; dropout before batch norm would make the batch mean and variance depend on the random mask and
# its 1/(1 - p) scaling, so the running averages used at test time would not match the test-time activations.

# %% [markdown]
# ### 8.3 Early stopping and label smoothing in practice
#
# The batch-norm network of 8.1 overfits in its validation loss. Trained for 150 epochs it ends much worse than it
# was early on; with your `EarlyStopping(patience=10)` the run stops soon after the best epoch and gets that
# epoch's parameters back (and running averages: `model.state()` includes them). Then the plain network trained
# with smoothed labels ($\varepsilon = 0.1$): label smoothing is about confidence, so look at the largest predicted
# probability on validation digits.

# %%
history_long = train_model(RegularizedMLP(SIZES, batchnorm=True, seed=1), X_train, y_train, X_val, y_val, epochs=150,
                           batch_size=20, learning_rate=0.02, rng=np.random.default_rng(2), config={"momentum": 0.9})
stopper = EarlyStopping(patience=10)
model_es = RegularizedMLP(SIZES, batchnorm=True, seed=1)
history_es = train_model(model_es, X_train, y_train, X_val, y_val, epochs=150, batch_size=20, learning_rate=0.02,
                         rng=np.random.default_rng(2), config={"momentum": 0.9}, early_stopping=stopper)
print(f"150 epochs: validation loss {history_long['val_loss'][-1]:.3f}, accuracy {history_long['val_acc'][-1]:.3f}")
print(f"early stopping: stopped after epoch {history_es['stopped_at'] + 1}, restored epoch"
      f" {history_es['best_epoch'] + 1}: validation loss and accuracy {np.round(evaluate(model_es, X_val, y_val), 3)}"
      f" (the last epoch's loss: {history_es['val_loss'][-1]:.3f})")

smoothing = {}
for epsilon in (0.0, 0.1):
    model = RegularizedMLP(SIZES, seed=1)
    train_model(model, X_train, y_train, X_val, y_val, epochs=60, batch_size=20, learning_rate=0.02,
                rng=np.random.default_rng(2), config={"momentum": 0.9}, label_smoothing=epsilon)
    smoothing[epsilon] = model.predict_proba(X_val)
    print(f"ε = {epsilon}: validation accuracy {np.mean(smoothing[epsilon].argmax(1) == y_val):.3f}, mean largest"
          f" probability {smoothing[epsilon].max(1).mean():.3f}")

fig, (ax_es, ax_conf) = plt.subplots(1, 2, figsize=(13, 4))
epochs_long = np.arange(1, 151)
ax_es.plot(epochs_long, history_long["val_loss"], color="tab:orange", alpha=0.5, label="validation (150 epochs)")
ax_es.plot(np.arange(1, len(history_es["val_loss"]) + 1), history_es["val_loss"], color="tab:orange", linewidth=3,
           label="validation (early stopping)")
ax_es.axvline(history_es["best_epoch"] + 1, color="tab:green", linestyle="--", label="best epoch (restored)")
ax_es.axvline(history_es["stopped_at"] + 1, color="tab:red", linestyle=":", label="stopped (patience 10)")
ax_es.set_xlabel("epoch")
ax_es.set_ylabel("validation cross-entropy")
ax_es.set_ylim(0.15, 0.5)
ax_es.set_title("Early stopping (batch-norm network)")
ax_es.legend(fontsize="small")
bins = np.linspace(0.3, 1.0, 36)
for epsilon, probs in smoothing.items():
    ax_conf.hist(probs.max(1), bins=bins, alpha=0.6, label=f"ε = {epsilon}")
ax_conf.set_yscale("log")
ax_conf.set_xlabel("largest predicted probability on a validation digit")
ax_conf.set_ylabel("number of digits (log scale)")
ax_conf.set_title("Label smoothing caps the confidence near 1 - ε")
ax_conf.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 9. Ensembles
#
# Train $k$ models and average their predictions. If their errors were independent, averaging would divide the
# variance of the error by $k$ (the best case); if they all made the same errors, nothing would change (the worst
# case). Networks trained from different random starts make partly independent errors, so ensembles are almost
# always more accurate than their members; the price is $k$ trainings. We average the **probabilities** (the
# softmax of each model's scores), not the scores.
#
# Two ways to get different models: **bagging** (bootstrap aggregating) trains each model on its own bootstrap
# sample, $n$ draws **with replacement** from the $n$ training samples (about 63 % of them distinct); and a
# cheaper trick from the notes, the **snapshot ensemble**: "set the learning rate as a cosine function and take each
# dip as a model". One training run, with a cosine schedule that restarts every cycle; at the bottom of every dip
# the network sits in a (different) good minimum, and a snapshot of it becomes a member.

# %% exercise="ensembles" functions=["ensemble_predict", "bootstrap_indices"]

# %% check="ensembles"
check("ensemble_predict", ensemble_predict)
check("bootstrap_indices", bootstrap_indices)

# %% [markdown]
# The cyclic schedule reuses Lab 5's `cosine_lr(step, total_steps, lr_max, lr_min)` (handed out above), restarted
# every `cycle_length` steps.

# %% exercise="snapshots" functions=["cyclic_cosine_lr"]

# %% check="snapshots"
check("cyclic_cosine_lr", cyclic_cosine_lr)

# %% [markdown]
# Three ensembles of five networks with one hidden layer of 100 units (and dropout 0.3), each member and each
# ensemble scored on the 450 held-out test digits, by accuracy and by cross-entropy (the mean of $-\log p_y$, lower
# is better):

# %%
ENSEMBLE_SIZES, K, EPOCHS, DROPOUT = [64, 100, 10], 5, 12, 0.3
STEPS_PER_EPOCH = 8  # 200 samples in batches of 25


def accuracy_of(scores, y):
    return float(np.mean(np.argmax(scores, axis=-1) == y))


def cross_entropy_of(probs, y):
    return float(-np.mean(np.log(probs[np.arange(len(y)), y])))


ensembles = {}
members = []
for k in tqdm(range(K), desc="independent members"):
    model = RegularizedMLP(ENSEMBLE_SIZES, dropout=DROPOUT, seed=10 + k)
    train_model(model, X_train, y_train, X_val, y_val, epochs=EPOCHS, batch_size=25, learning_rate=0.05,
                rng=np.random.default_rng(k), config={"momentum": 0.9})
    members.append(model.loss(X_test))
ensembles["independent starts"] = np.array(members)

members = []
for k in tqdm(range(K), desc="bagged members"):
    sample = bootstrap_indices(len(y_train), np.random.default_rng(100 + k))
    model = RegularizedMLP(ENSEMBLE_SIZES, dropout=DROPOUT, seed=10 + k)
    train_model(model, X_train[sample], y_train[sample], X_val, y_val, epochs=EPOCHS, batch_size=25,
                learning_rate=0.05, rng=np.random.default_rng(k), config={"momentum": 0.9})
    members.append(model.loss(X_test))
ensembles["bagging"] = np.array(members)

CYCLE = 10 * STEPS_PER_EPOCH  # steps per cosine cycle
model = RegularizedMLP(ENSEMBLE_SIZES, dropout=DROPOUT, seed=10)
snapshot_history = train_model(model, X_train, y_train, X_val, y_val, epochs=10 * K, batch_size=25,
                               learning_rate=lambda step: cyclic_cosine_lr(step, CYCLE, 0.3),
                               rng=np.random.default_rng(0), config={"momentum": 0.9}, snapshot_every=CYCLE)
members = []
for snapshot in snapshot_history["snapshots"]:
    model.load_state(snapshot)
    members.append(model.loss(X_test))
ensembles["snapshots (one run)"] = np.array(members)

for name, scores in ensembles.items():
    member_accuracies = [accuracy_of(s, y_test) for s in scores]
    member_losses = [cross_entropy_of(softmax(s), y_test) for s in scores]
    probs, labels = ensemble_predict(scores)
    print(f"{name:>20}: accuracy of the members {np.round(member_accuracies, 3)} (mean {np.mean(member_accuracies):.3f},"
          f" best {max(member_accuracies):.3f}), of the ensemble {np.mean(labels == y_test):.3f};"
          f" cross-entropy: best member {min(member_losses):.3f}, ensemble {cross_entropy_of(probs, y_test):.3f}")

# %%
fig, (ax_lr, ax_acc) = plt.subplots(1, 2, figsize=(13, 4))
ax_lr.plot(snapshot_history["lr"])  # one rate per step
for i in range(1, K + 1):
    ax_lr.axvline(i * CYCLE - 1, color="tab:red", linestyle=":", linewidth=1, label="snapshot" if i == 1 else None)
ax_lr.set_xlabel("SGD step")
ax_lr.set_ylabel("learning rate")
ax_lr.set_title("Cyclic cosine schedule: a snapshot in every dip")
ax_lr.legend()
for i, (name, scores) in enumerate(ensembles.items()):
    member_accuracies = [accuracy_of(s, y_test) for s in scores]
    ax_acc.plot(np.full(K, i), member_accuracies, "o", color="tab:blue", alpha=0.6,
                label="members" if i == 0 else None)
    ax_acc.plot(i, np.mean(ensemble_predict(scores)[1] == y_test), "*", color="tab:red", markersize=16,
                label="ensemble" if i == 0 else None)
ax_acc.set_xticks(range(len(ensembles)), list(ensembles))
ax_acc.set_xlim(-0.5, len(ensembles) - 0.5)
ax_acc.set_ylabel("test accuracy (450 held-out digits)")
ax_acc.set_title("Each ensemble against its five members")
ax_acc.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# Why does an ensemble beat its own members? Which of the three kinds gave the most diverse members here, and what
# does a snapshot ensemble save compared to the other two? How is dropout related to bagging?

# %% [markdown] answer="ensembles_explained" points=2
# The members make partly different mistakes; averaging their probabilities lets the members that are right (and
# confident) outvote those that are wrong, so the errors they do not share cancel out, and only those they share
# remain (the notes' worst case). Bagging gives the most diverse but also the weakest members: each sees only
# about 63 % of the 200 digits, some of them several times, so its ensemble gains the most over its members (0.927
# against 0.896 on average and 0.911 for the best). The snapshot ensemble beats its best member too (0.940 against
# 0.927) and is the best of the three, for the price of one training run instead of five: every restart of the
# learning rate throws the network out of one minimum and the next dip finds another. Five independently started
# networks agree the most: their ensemble is clearly better than the average member (0.933 against 0.925) but only
# matches the best one; which single member is "best" is only known after testing, while the ensemble is chosen in
# advance. Dropout trains, at every step, one of the exponentially many thinned networks that share the weights,
# each on its own mini-batch, like a bagged ensemble of sub-networks; the full, rescaled network at test time
# approximates averaging all of them.
