# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 2 — Linear models
#
# Before neural networks, this lab builds the classic models they grew out of, each in a few lines of NumPy:
#
# 1. **least squares**, solved in closed form and again by gradient descent — the two must agree;
# 2. the **perceptron** and **ADALINE**, which learn one sample at a time with a *delta rule*;
# 3. **logistic regression**, trained on the binary cross-entropy by gradient descent;
# 4. **k-nearest neighbours** (k-NN), which does not learn weights at all;
# 5. a **Gaussian maximum-likelihood classifier**, which models each class as a Gaussian;
# 6. **k-fold cross-validation**, to choose a hyperparameter (k of k-NN) without touching the test set.
#
# Conventions used everywhere: a data matrix $X$ has shape `(N, D)`, one sample per **row**; binary labels are
# 0 or 1; all arrays are float64. Fill in every cell marked `# YOUR CODE HERE` (delete the
# `raise NotImplementedError()` line) and run the self-check cell below it. The self-checks are small public
# tests; your notebook is graded by other tests on random inputs, so make your functions correct, not just the
# examples.

# %%
import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap
from tqdm.auto import tqdm

from labkit import check, eval_numerical_gradient, rel_error
from labkit.data import load_digits
from labkit.plotting import plot_curves

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# Two helpers for the pictures of this lab: synthetic 2-D "blobs" (Gaussian clouds of points, one per class) and a
# plot that colours the plane by a classifier's prediction, so you can see its **decision boundary**.

# %%
CLASS_COLOURS = ["tab:blue", "tab:orange", "tab:green", "tab:red"]


def make_blobs(rng, n_per_class, centers, covs=None):
    """n_per_class Gaussian points around each center (unit covariance unless covs is given), shuffled.

    Returns X of shape (C * n_per_class, 2) and integer labels y in 0 .. C-1.
    """
    centers = np.asarray(centers, dtype=float)
    covs = [np.eye(2)] * len(centers) if covs is None else covs
    X = np.concatenate([rng.multivariate_normal(c, s, size=n_per_class) for c, s in zip(centers, covs)])
    y = np.repeat(np.arange(len(centers)), n_per_class)
    order = rng.permutation(len(y))
    return X[order], y[order]


def plot_decision_boundary(predict, X, y, ax, title, resolution=200, margin=1.0):
    """Colour the plane by predict(points) (integer labels 0 .. C-1) and draw the samples X, y on top."""
    n_classes = int(max(y.max(), 1)) + 1
    cmap = ListedColormap(CLASS_COLOURS[:n_classes])
    xs = np.linspace(X[:, 0].min() - margin, X[:, 0].max() + margin, resolution)
    ys = np.linspace(X[:, 1].min() - margin, X[:, 1].max() + margin, resolution)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    regions = np.asarray(predict(grid)).reshape(resolution, resolution)
    ax.contourf(xs, ys, regions, levels=np.arange(n_classes + 1) - 0.5, cmap=cmap, alpha=0.25)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap=cmap, vmin=-0.5, vmax=n_classes - 0.5, s=14, edgecolors="k",
               linewidths=0.4)
    ax.set_title(title)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax


# %% [markdown]
# ## 1. Least squares in closed form
#
# A linear model predicts $\hat y = w^\top x + b$. Put the bias inside the parameter vector by giving every sample
# a constant input 1: with $\tilde x = [1, x_1, \dots, x_D]$ and $\theta = [b, w_1, \dots, w_D]$ the prediction is
# $\hat y = \theta^\top \tilde x$. (The lecture notes append the 1 at the end, $\hat x = [x; 1]$; we put it
# **first**, so `theta[0]` is the bias. Only the order differs.) Stack the rows $\tilde x^{(i)\top}$ into the
# matrix $\tilde X$ of shape `(N, D+1)`; `add_bias_column(X)` below does exactly that.
#
# Least squares picks the $\theta$ with the smallest sum of squared errors,
#
# $$L(\theta) = \sum_{i=1}^N \left(y^{(i)} - \theta^\top \tilde x^{(i)}\right)^2 = \lVert y - \tilde X\theta \rVert^2 .$$
#
# Its gradient is $\nabla_\theta L = -2\tilde X^\top (y - \tilde X\theta)$. Setting it to zero gives the
# **normal equations**
#
# $$\tilde X^\top \tilde X \, \theta = \tilde X^\top y \qquad\Longrightarrow\qquad
#   \theta^* = (\tilde X^\top \tilde X)^{-1} \tilde X^\top y .$$
#
# Never compute the inverse: solve the linear system with `np.linalg.solve(A, b)`, which is faster and more
# accurate. `add_bias_column` is given; write `least_squares_fit`.

# %% provided=["add_bias_column"]

# %% exercise="least_squares" functions=["least_squares_fit"]

# %% check="least_squares"
check("least_squares_fit", least_squares_fit)

# %% [markdown]
# A first fit: noisy points around the line $y = 1.5x + 4$.

# %%
rng = np.random.default_rng(0)
x_line = rng.uniform(-3, 3, size=40)
y_line = 1.5 * x_line + 4.0 + rng.normal(scale=1.0, size=40)
X_line = x_line[:, None]  # shape (40, 1): one feature

theta_closed = least_squares_fit(X_line, y_line)
print("closed form: bias = %.4f, slope = %.4f" % (theta_closed[0], theta_closed[1]))

# %% [markdown]
# ## 2. The same loss, minimised by gradient descent
#
# The closed form needs the $(D+1)\times(D+1)$ system to be solvable and affordable. Gradient descent (Lab 1) only
# needs the gradient. We minimise the **mean** squared error
#
# $$\mathrm{MSE}(\theta) = \frac{1}{N}\lVert \tilde X\theta - y \rVert^2, \qquad
#   \nabla_\theta \mathrm{MSE} = \frac{2}{N}\,\tilde X^\top(\tilde X\theta - y),$$
#
# which is $L(\theta)/N$: dividing by the constant $N$ does not move the minimum, so both methods must end at the
# same $\theta^*$ (the mean keeps the gradient's size independent of $N$, so one learning rate works for any data
# size). Write `mse_loss_and_grad`, then `least_squares_gd`: start from $\theta = 0$ and take `n_steps` steps
# $\theta \leftarrow \theta - \eta\,\nabla_\theta \mathrm{MSE}$, recording the loss **before** each step.

# %% exercise="least_squares_gd" functions=["mse_loss_and_grad", "least_squares_gd"]

# %% check="least_squares_gd"
check("mse_loss_and_grad", mse_loss_and_grad)
check("least_squares_gd", least_squares_gd)

# gradient check: your analytic gradient against central differences of your own loss
rng_check = np.random.default_rng(1)
X_check, y_check = rng_check.normal(size=(6, 3)), rng_check.normal(size=6)
theta_check = rng_check.normal(size=4)
numeric = eval_numerical_gradient(lambda t: mse_loss_and_grad(t, X_check, y_check)[0], theta_check)
print("dtheta vs numeric: rel. error", rel_error(mse_loss_and_grad(theta_check, X_check, y_check)[1], numeric))

# %% [markdown]
# Gradient descent on the data of section 1 should land on the closed-form line.

# %%
theta_gd, gd_losses = least_squares_gd(X_line, y_line, lr=0.1, n_steps=150)
print("gradient descent: bias = %.4f, slope = %.4f" % (theta_gd[0], theta_gd[1]))
print("largest difference from the closed form: %.1e" % np.max(np.abs(theta_gd - theta_closed)))

fig, (ax_fit, ax_loss) = plt.subplots(1, 2, figsize=(12, 4))
grid_x = np.linspace(-3.3, 3.3, 2)[:, None]
ax_fit.scatter(x_line, y_line, s=14, color="tab:gray", label="data")
ax_fit.plot(grid_x[:, 0], add_bias_column(grid_x) @ theta_closed, color="tab:blue", lw=3, alpha=0.6,
            label="closed form")
ax_fit.plot(grid_x[:, 0], add_bias_column(grid_x) @ theta_gd, "--", color="tab:red", label="gradient descent")
ax_fit.set_xlabel("x")
ax_fit.set_ylabel("y")
ax_fit.set_title("Least-squares fit")
ax_fit.legend()
plot_curves({"GD": gd_losses - mse_loss_and_grad(theta_closed, X_line, y_line)[0]}, ax=ax_loss, logy=True,
            ylabel="MSE(θ_t) − MSE(θ*)", title="Gradient descent: distance to the optimal loss")
plt.tight_layout()
plt.show()

# %% [markdown]
# On this convex quadratic the gap to the optimal loss shrinks by a constant factor at every step — a straight
# line on the logarithmic axis — until it reaches the rounding level of float64 (about $10^{-15}$), where it stays.

# %% [markdown]
# ## 3. The perceptron
#
# The perceptron classifies with a **binary step**: $z = w^\top x + b$, $\hat y = 1$ if $z \ge 0$ else $0$
# (so $z = 0$ counts as class 1). It learns one sample at a time. Start from $w = 0$, $b = 0$; in every epoch
# visit the samples in their stored order and for each one compute
#
# $$\hat y^{(i)} = \mathrm{step}(w^\top x^{(i)} + b), \qquad e^{(i)} = y^{(i)} - \hat y^{(i)} \in \{-1, 0, 1\},
#   \qquad w \leftarrow w + \eta\, e^{(i)} x^{(i)}, \qquad b \leftarrow b + \eta\, e^{(i)} .$$
#
# A correct prediction ($e = 0$) changes nothing; a missed 1 adds the sample to the weights, a false 1 subtracts
# it. The bias is the weight of the constant input 1, so it gets the same update with $x = 1$.
#
# This is one of the few places where a Python loop over the samples is right: the update after each sample *is*
# the algorithm. Write `perceptron_predict` (vectorised) and `perceptron_train`.

# %% exercise="perceptron" functions=["perceptron_train", "perceptron_predict"]

# %% check="perceptron"
check("perceptron_predict", perceptron_predict)
check("perceptron_train", perceptron_train)

# %% [markdown]
# Two separable clouds of points, then a real task: telling handwritten 0s from 1s (8×8 images, 64 pixels in
# $[0, 1]$).

# %%
X_sep, y_sep = make_blobs(np.random.default_rng(2), 60, [(-2.5, -1.0), (2.5, 1.0)])
w_p, b_p = perceptron_train(X_sep, y_sep, lr=1.0, epochs=10)
print("blobs: training accuracy %.3f" % np.mean(perceptron_predict(w_p, b_p, X_sep) == y_sep))

X01_train, y01_train, X01_test, y01_test = load_digits(classes=(0, 1))
w_p01, b_p01 = perceptron_train(X01_train, y01_train, lr=1.0, epochs=10)
print("digits 0 vs 1: %d training images, test accuracy %.3f"
      % (len(y01_train), np.mean(perceptron_predict(w_p01, b_p01, X01_test) == y01_test)))

fig, ax = plt.subplots(figsize=(5, 4))
plot_decision_boundary(lambda P: perceptron_predict(w_p, b_p, P), X_sep, y_sep, ax, "Perceptron, 10 epochs")
plt.show()

# %% [markdown]
# ## 4. ADALINE and the Widrow–Hoff rule
#
# ADALINE keeps the perceptron's loop but computes the error from the **linear** output $z$, before the step
# function: $e = y - z$. Each update is then a gradient step on the squared error of one sample, $(y - z)^2$,
# whose gradient is $-2(y - z)\,\tilde x$ (the 2 is absorbed into $\eta$). This is the **Widrow–Hoff delta rule**
# (least mean squares, LMS). With $\tilde x = [1, x]$ and $W = [b, w]$:
#
# * **original:** $\quad W \leftarrow W + \eta\,(y^{(i)} - z)\,\tilde x^{(i)}$
# * **normalised:** $\quad W \leftarrow W + \eta\,(y^{(i)} - z)\,\dfrac{\tilde x^{(i)}}{\lVert \tilde x^{(i)} \rVert^2}$,
#   with $\lVert \tilde x \rVert^2 = 1 + \lVert x \rVert^2$.
#
# **Which normalisation this lab uses.** The lecture notes (section 1.4.2, "unit-norm") divide by
# $\lVert x \rVert$, which moves along the *unit* vector $x / \lVert x \rVert$. This lab (the reference solution,
# the tests and `adaline_train`'s docstring) divides by the **squared** norm $\lVert \tilde x \rVert^2$ of the
# sample **with its bias input 1 included** — the normalised LMS rule. Dividing by the squared norm has a clean
# meaning: after the update, the same sample's error is exactly $(1 - \eta)\,e$ (check it: $z$ grows by
# $\eta e \,\tilde x^\top \tilde x / \lVert \tilde x \rVert^2 = \eta e$). So $\eta = 1$ fits the current sample
# exactly, any $0 < \eta < 2$ shrinks its error, and the step no longer depends on how the inputs are scaled.
# Including the bias input means the denominator is never zero, even for $x = 0$.
#
# Write `adaline_train` with both variants (`normalized=False` / `True`). ADALINE classifies by thresholding its
# linear output; with targets 0 and 1 the natural threshold is $z \ge 0.5$.

# %% exercise="adaline" functions=["adaline_train"]

# %% check="adaline"
check("adaline_train", adaline_train)

# %% [markdown]
# On the digits, a single image has $\lVert \tilde x \rVert^2$ between about 10 and 25, so the original rule's
# steps are 10 to 25 times larger than $\eta$ suggests: it needs $\eta$ well below $1 / \lVert \tilde x\rVert^2$
# and blows up already at $\eta = 0.2$. The normalised rule is stable for any $0 < \eta < 2$, whatever the scale
# of the inputs. Compare the training MSE of both rules. The targets are 0 and 1, so we classify with $z \ge 0.5$, i.e. `perceptron_predict(w, b - 0.5, X)`.

# %%
norms = 1 + np.sum(X01_train**2, axis=1)
print("||x~||^2 of the training images: from %.1f to %.1f" % (norms.min(), norms.max()))
settings = [("original", 0.01, False), ("original", 0.2, False), ("normalised", 0.2, True), ("normalised", 1.0, True)]
for name, lr, normalized in settings:
    with np.errstate(over="ignore", invalid="ignore"):
        w_a, b_a = adaline_train(X01_train, y01_train.astype(float), lr=lr, epochs=10, normalized=normalized)
        mse = np.mean((X01_train @ w_a + b_a - y01_train) ** 2)
    if np.isfinite(mse) and mse < 1e6:
        accuracy = np.mean(perceptron_predict(w_a, b_a - 0.5, X01_test) == y01_test)
        print(f"{name:10s} lr = {lr:<4g}: training MSE {mse:.4f}, test accuracy {accuracy:.3f}")
    else:
        print(f"{name:10s} lr = {lr:<4g}: diverged (training MSE {mse:.3g})")

# %% [markdown]
# ## 5. Logistic regression
#
# Instead of a hard step, logistic regression outputs a probability, $\hat y = P(y = 1 \mid x) = \sigma(z)$ with
# $z = w^\top x + b$ and the **sigmoid** $\sigma(z) = 1 / (1 + e^{-z})$. Maximising the likelihood of the labels is
# the same as minimising the **binary cross-entropy** (BCE) cost
#
# $$J(w, b) = -\frac{1}{N}\sum_{i=1}^N \Big[y^{(i)} \log \hat y^{(i)} + (1 - y^{(i)}) \log\big(1 - \hat y^{(i)}\big)\Big],$$
#
# whose gradient is remarkably simple:
#
# $$\frac{\partial J}{\partial w} = \frac{1}{N}\sum_{i=1}^N \big(\sigma(w^\top x^{(i)} + b) - y^{(i)}\big)\, x^{(i)},
#   \qquad \frac{\partial J}{\partial b} = \frac{1}{N}\sum_{i=1}^N \big(\sigma(w^\top x^{(i)} + b) - y^{(i)}\big).$$
#
# Two numerical traps. `np.exp(-z)` overflows for large negative $z$: compute $\sigma$ from $e^{-|z|}$, which is
# never larger than 1 (see the docstring). And $\log(1 - \hat y)$ is $\log 0 = -\infty$ as soon as $\sigma(z)$
# rounds to 1: compute the loss from $z$ directly, using $-\log\sigma(z) = \log(1 + e^{z}) - z$, so each term is
# `np.logaddexp(0, z) - y * z`. Then train with full-batch gradient descent from $w = 0$, $b = 0$.

# %% exercise="logistic_regression" functions=["sigmoid", "bce_loss", "logistic_regression_train"]

# %% check="logistic_regression"
check("sigmoid", sigmoid)
check("bce_loss", bce_loss)
check("logistic_regression_train", logistic_regression_train)

# gradient check of your own bce_loss: dw and db against central differences
rng_check = np.random.default_rng(3)
X_check = rng_check.normal(size=(8, 3))
y_check = rng_check.integers(0, 2, size=8).astype(float)
w_check, b_check = rng_check.normal(size=3), 0.3
_, dw_check, db_check = bce_loss(w_check, b_check, X_check, y_check)
dw_numeric = eval_numerical_gradient(lambda w: bce_loss(w, b_check, X_check, y_check)[0], w_check)
db_numeric = eval_numerical_gradient(lambda b: bce_loss(w_check, float(b[0]), X_check, y_check)[0],
                                     np.array([b_check]))
print("dw vs numeric: rel. error", rel_error(dw_check, dw_numeric))
print("db vs numeric: rel. error", rel_error(np.array([db_check]), db_numeric))

# %% [markdown]
# Train on the two blobs and on the 0-vs-1 digits.

# %%
w_lr, b_lr, lr_losses = logistic_regression_train(X_sep, y_sep.astype(float), lr=0.5, n_steps=300)
print("blobs: training accuracy %.3f, final loss %.4f"
      % (np.mean(perceptron_predict(w_lr, b_lr, X_sep) == y_sep), lr_losses[-1]))
w_lr01, b_lr01, lr01_losses = logistic_regression_train(X01_train, y01_train.astype(float), lr=0.5, n_steps=300)
print("digits 0 vs 1: test accuracy %.3f" % np.mean(perceptron_predict(w_lr01, b_lr01, X01_test) == y01_test))
plot_curves({"blobs": lr_losses, "digits 0 vs 1": lr01_losses}, ylabel="BCE", logy=True,
            title="Logistic regression: training loss")
plt.show()

# %% [markdown]
# ## 6. k-nearest neighbours
#
# k-NN stores the training set and, for a query $x$, lets its $k$ closest training samples vote. Two choices make
# it a model: the **distance** — Euclidean (L2) $\lVert a - b\rVert_2 = \sqrt{\sum_d (a_d - b_d)^2}$ or Manhattan
# (L1) $\lVert a - b\rVert_1 = \sum_d |a_d - b_d|$ — and $k$.
#
# `pairwise_distances` computes all $M \times N$ distances between queries and training samples without Python
# loops. For L2 use $\lVert a - b\rVert^2 = \lVert a\rVert^2 + \lVert b\rVert^2 - 2\,a^\top b$ (one matrix
# product; clip tiny negative rounding errors to 0 before the square root); for L1, broadcasting to an
# `(M, N, D)` array is fine at this size.
#
# `knn_predict` needs **deterministic tie rules**, exactly as the docstring says:
# * equal distances: the neighbour with the smaller training index comes first — a *stable* sort,
#   `np.argsort(dists, axis=1, kind="stable")`;
# * a tied vote: the **smallest** label among the most-voted classes wins.

# %% exercise="knn" functions=["pairwise_distances", "knn_predict"]

# %% check="knn"
check("pairwise_distances", pairwise_distances)
check("knn_predict", knn_predict)

# %% [markdown]
# k-NN on all ten digits:

# %%
X10_train, y10_train, X10_test, y10_test = load_digits()
print("%d training and %d test images of the ten digits" % (len(y10_train), len(y10_test)))
for metric in ("l2", "l1"):
    for k in (1, 5):
        accuracy = np.mean(knn_predict(X10_train, y10_train, X10_test, k, metric) == y10_test)
        print(f"k = {k}, {metric}: test accuracy {accuracy:.3f}")

# %% [markdown]
# ## 7. Three decision boundaries side by side
#
# Now make the two classes overlap, so that no line separates them, and compare what each model does with the
# same 200 points: the perceptron (20 epochs), logistic regression (500 GD steps) and k-NN with a small and a
# large $k$.

# %%
X_ov, y_ov = make_blobs(np.random.default_rng(4), 100, [(-1.0, -0.5), (1.0, 0.5)], covs=[1.2 * np.eye(2)] * 2)
w_po, b_po = perceptron_train(X_ov, y_ov, lr=1.0, epochs=20)
w_lo, b_lo, _ = logistic_regression_train(X_ov, y_ov.astype(float), lr=0.5, n_steps=500)
models = {
    "perceptron, 20 epochs": lambda P: perceptron_predict(w_po, b_po, P),
    "logistic regression": lambda P: perceptron_predict(w_lo, b_lo, P),
    "1-NN": lambda P: knn_predict(X_ov, y_ov, P, 1),
    "25-NN": lambda P: knn_predict(X_ov, y_ov, P, 25),
}
fig, axes = plt.subplots(1, 4, figsize=(18, 4.2))
for ax, (name, predict) in zip(axes, models.items()):
    accuracy = np.mean(predict(X_ov) == y_ov)
    plot_decision_boundary(predict, X_ov, y_ov, ax, f"{name}\ntraining accuracy {accuracy:.2f}")
plt.tight_layout()
plt.show()

# %% [markdown]
# **Question.** Look at the four panels. In two to four sentences: why is the perceptron's line after 20 epochs
# more or less arbitrary on these data while logistic regression's is not, and what does $k$ do to the k-NN
# boundary? Write your answer in the cell below.

# %% [markdown] answer="boundaries" points=2
# The perceptron and logistic regression both draw a straight line, but for different reasons.
# On overlapping classes the perceptron never stops making mistakes, so its weights keep jumping and the line after
# 20 epochs is simply wherever the last mistakes left it (another number of epochs gives another line). Logistic
# regression minimises a smooth cost that every point contributes to, so GD converges to one well-defined line
# near the middle of the overlap. k-NN draws no line at all: with $k = 1$ every training point gets its own
# island (training accuracy 1, a jagged boundary that follows the noise), while $k = 25$ averages over many
# neighbours and gives a smooth boundary close to the linear ones — $k$ trades fitting the training data against
# smoothness.

# %% [markdown]
# ## 8. A Gaussian maximum-likelihood classifier
#
# A *generative* classifier models how each class produces its data. Assume class $c$ is a Gaussian,
# $x \mid y = c \sim \mathcal N(\mu_c, \Sigma_c)$. Maximising the likelihood of the training samples of class $c$
# gives the sample mean and the sample covariance **divided by** $N_c$ (not $N_c - 1$):
#
# $$\mu_c = \frac{1}{N_c}\sum_{i:\,y^{(i)} = c} x^{(i)}, \qquad
#   \Sigma_c = \frac{1}{N_c}\sum_{i:\,y^{(i)} = c} (x^{(i)} - \mu_c)(x^{(i)} - \mu_c)^\top .$$
#
# With equally likely classes, $\arg\max_c P(y = c \mid x) = \arg\max_c p(x \mid y = c)$, and we compare the
# log-densities
#
# $$\log \mathcal N(x \mid \mu_c, \Sigma_c) = -\frac{D}{2}\log 2\pi - \frac12 \log\det\Sigma_c
#   - \frac12 (x - \mu_c)^\top \Sigma_c^{-1} (x - \mu_c).$$
#
# The docstring shows a stable way through the Cholesky factor $\Sigma_c = LL^\top$ (no inverse, no determinant
# that under- or overflows). When a class has constant features — the always-blank border pixels of the digits —
# $\Sigma_c$ is singular; the argument `reg` adds $\mathrm{reg}\cdot I$ after the MLE estimate to fix that.

# %% exercise="gaussian_mle" functions=["gaussian_mle_fit", "gaussian_log_likelihood", "gaussian_mle_predict"]

# %% check="gaussian_mle"
check("gaussian_mle_fit", gaussian_mle_fit)
check("gaussian_log_likelihood", gaussian_log_likelihood)
check("gaussian_mle_predict", gaussian_mle_predict)

# %% [markdown]
# Three classes with different shapes: because every class has its own covariance, the boundaries are curves
# (quadratic), not lines.

# %%
X_g, y_g = make_blobs(np.random.default_rng(5), 80, [(-2.0, 0.0), (2.0, 1.5), (1.5, -2.0)],
                      covs=[np.array([[2.0, 1.2], [1.2, 1.0]]), np.array([[0.4, 0.0], [0.0, 2.0]]), 0.3 * np.eye(2)])
classes_g, means_g, covs_g = gaussian_mle_fit(X_g, y_g)
accuracy = np.mean(gaussian_mle_predict(X_g, classes_g, means_g, covs_g) == y_g)
fig, ax = plt.subplots(figsize=(5.5, 4.5))
plot_decision_boundary(lambda P: gaussian_mle_predict(P, classes_g, means_g, covs_g), X_g, y_g, ax,
                       f"Gaussian MLE classifier, training accuracy {accuracy:.2f}")
plt.show()

# %% [markdown]
# On the ten digits the pure MLE covariances are singular; a small ridge makes them usable.

# %%
_, _, covs_pure = gaussian_mle_fit(X10_train, y10_train)
print("reg = 0: ranks of the ten 64x64 class covariances:", [int(np.linalg.matrix_rank(c)) for c in covs_pure])
classes10, means10, covs10 = gaussian_mle_fit(X10_train, y10_train, reg=0.05)
accuracy = np.mean(gaussian_mle_predict(X10_test, classes10, means10, covs10) == y10_test)
print("reg = 0.05: test accuracy on the ten digits %.3f" % accuracy)

# %% [markdown]
# ## 9. Choosing k by k-fold cross-validation
#
# Which $k$ should k-NN use? Not the one with the best **training** accuracy ($k = 1$ always wins there: every
# point is its own nearest neighbour), and not the one with the best **test** accuracy (then the test set
# becomes part of training and stops measuring anything). **k-fold cross-validation** uses the training set
# only: cut it into $K$ folds; for each fold, train on the other $K-1$ folds and measure the accuracy on this one;
# average the $K$ accuracies. Every sample is used for validation exactly once.
#
# `kfold_indices(n, k, rng)` returns the $k$ splits `(train_idx, val_idx)`: the order is `np.arange(n)`, or
# `rng.permutation(n)` when an `rng` is given, cut into $k$ consecutive folds, the first `n % k` folds one sample
# larger (as `np.array_split` does). `cross_validate_knn` uses the **same** folds for every candidate $k$ and
# returns the mean validation accuracy of each. (This $K$, the number of folds, is not k-NN's $k$.)

# %% exercise="cross_validation" functions=["kfold_indices", "cross_validate_knn"]

# %% check="cross_validation"
check("kfold_indices", kfold_indices)
check("cross_validate_knn", cross_validate_knn)

# %% [markdown]
# The cross-validation curve on the ten digits (5 folds of the training set). Each call gets a fresh
# `np.random.default_rng(0)`, so every $k$ sees the same folds.

# %%
K_CANDIDATES = list(range(1, 16))
cv_accuracy = np.array([cross_validate_knn(X10_train, y10_train, [k], 5, rng=np.random.default_rng(0))[0]
                        for k in tqdm(K_CANDIDATES, desc="cross-validating k")])
train_accuracy = np.array([np.mean(knn_predict(X10_train, y10_train, X10_train, k) == y10_train)
                           for k in K_CANDIDATES])
best_k = K_CANDIDATES[int(np.argmax(cv_accuracy))]
test_accuracy = np.mean(knn_predict(X10_train, y10_train, X10_test, best_k) == y10_test)
print(f"cross-validation picks k = {best_k} (mean validation accuracy {cv_accuracy.max():.4f});"
      f" its test accuracy is {test_accuracy:.4f}")

fig, ax = plt.subplots(figsize=(6.5, 4))
ax.plot(K_CANDIDATES, train_accuracy, "o-", label="training accuracy")
ax.plot(K_CANDIDATES, cv_accuracy, "o-", label="5-fold CV accuracy")
ax.axvline(best_k, color="tab:gray", ls="--", label=f"chosen k = {best_k}")
ax.set_xlabel("k (number of neighbours)")
ax.set_ylabel("accuracy")
ax.set_title("k-NN on the digits: choosing k")
ax.legend()
plt.show()

# %% [markdown]
# **Question.** Which $k$ did cross-validation choose? In two to four sentences: why is the training-accuracy curve
# useless for choosing $k$, and why must we not choose $k$ by the test accuracy either? Write your answer in the cell
# below.

# %% [markdown] answer="choosing_k" points=2
# Training accuracy is 1 at $k = 1$ because each training image is its own nearest neighbour
# (distance 0), so it says nothing about new images and always prefers the most flexible model. The
# cross-validation accuracy measures every candidate on images it was not trained on, and its curve peaks at a
# small $k$ and then falls slowly as larger $k$ blur the vote across classes. Choosing $k$ on the test set would
# make the test accuracy an optimistic, biased estimate: the test set must be used once, at the end, for the model
# that cross-validation chose.
