# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 8 — Autoencoders
#
# An **autoencoder** is a network trained to give back its own input. An *encoder* maps a sample $\mathbf{x}$ to
# a code $\mathbf{z} = f(\mathbf{x})$, a *decoder* maps the code back to a reconstruction $\mathbf{x}' =
# g(\mathbf{z})$, and training minimises the reconstruction error $\|\mathbf{x} - \mathbf{x}'\|^2$. No labels are
# needed: the input is its own target (self-supervised learning). Copying would be trivial, so the code is made
# **undercomplete**, $\dim(\mathbf{z}) < \dim(\mathbf{x})$: the network must squeeze each sample through a
# bottleneck and keep only what matters most.
#
# You will
# 1. write PCA with the SVD, and measure how far apart two subspaces are (principal angles);
# 2. train a *linear* autoencoder by gradient descent and find that it learns PCA's subspace, but not PCA's basis;
# 3. train a nonlinear autoencoder on handwritten digits, compare its 2-D code with PCA's and t-SNE's, and watch
#    the error fall as the bottleneck widens;
# 4. train a **denoising** autoencoder that removes noise it was never shown the clean version of at test time;
# 5. write the **transposed convolution**, the layer decoders upsample with: its output size, forward and backward
#    passes, why it is the *transpose* (the adjoint) of a convolution, and how it relates to unpooling;
# 6. train a small convolutional decoder.
#
# **Notation.** Samples are rows: a batch is a matrix $X$ of shape `(N, D)`. The notes write one sample as a
# column, $\mathbf{z} = W^{[1]}\mathbf{x} + \mathbf{b}^{[1]}$; for rows the same layer reads $Z = X W_1 +
# \mathbf{b}_1$, so our $W_1$ of shape `(D, k)` is the notes' $W^{[1]}$ transposed (the layout of Lab 4's
# `affine_forward`). Reconstruction errors are the mean over **all** entries, $L = \frac{1}{ND} \sum_{i,d}
# (X'_{id} - X_{id})^2$: the notes' $\|\mathbf{x} - \mathbf{x}'\|^2$ averaged over the samples and divided by $D$.
#
# Fill in every cell marked `# YOUR CODE HERE` (delete the `raise NotImplementedError()` line) and run the
# self-check cell below it. The self-checks are small public tests; your notebook is graded by other tests on
# random inputs (one sample, non-square images, 1×1 kernels, strides and paddings), with every gradient also
# compared against numeric ones. Everything is vectorised NumPy: no Python loops over samples or pixels (a loop
# over the taps of a kernel is fine).

# %%
import numpy as np
import matplotlib.pyplot as plt
from numpy.lib.stride_tricks import sliding_window_view  # used by Lab 7's im2col, handed out below

from labkit import check, eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from labkit.data import load_digits, load_sample_image
from labkit.plotting import plot_curves

np.set_printoptions(precision=4, suppress=True)

X_train, y_train, X_test, y_test = load_digits(test_fraction=0.25, seed=0)
print(f"digits: train {X_train.shape}, test {X_test.shape}, pixel values in [{X_train.min()}, {X_train.max()}]")


def show_digits(rows, titles, suptitle):
    """A grid of 8x8 digits: one row per array of shape (n, 64), labelled on the left."""
    fig, axes = plt.subplots(len(rows), len(rows[0]), figsize=(1.1 * len(rows[0]), 1.2 * len(rows)), squeeze=False)
    for row_axes, images, title in zip(axes, rows, titles):
        for ax, image in zip(row_axes, images):
            ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        row_axes[0].set_ylabel(title, rotation=0, ha="right", va="center", fontsize=10)
    fig.suptitle(suptitle)
    fig.tight_layout()
    plt.show()

# %% [markdown]
# ## 1. Principal component analysis
#
# PCA finds an orthonormal basis in which the data varies most along the first axis, then along the second, and
# so on. Centre the data, $X_c = X - \mathbf{1}\boldsymbol{\mu}^\top$ with the mean sample $\boldsymbol{\mu}$,
# and take its thin singular value decomposition
#
# $$X_c = U S V^\top, \qquad s_1 \ge s_2 \ge \dots \ge 0 .$$
#
# The columns $\mathbf{v}_1, \mathbf{v}_2, \dots$ of $V$ are the **principal directions**, and the data's variance
# along $\mathbf{v}_j$ is $s_j^2 / (N - 1)$. Keeping the first $k$ directions, $V_k$ of shape `(D, k)`, a sample
# gets the code $\mathbf{z} = V_k^\top (\mathbf{x} - \boldsymbol{\mu})$ and the reconstruction $\mathbf{x}' =
# \boldsymbol{\mu} + V_k \mathbf{z}$; for a batch,
#
# $$Z = (X - \mathbf{1}\boldsymbol{\mu}^\top) V_k, \qquad X' = Z V_k^\top + \mathbf{1}\boldsymbol{\mu}^\top .$$
#
# No rank-$k$ reconstruction is better in squared error (the Eckart–Young theorem): what is left is
# $\sum_{j > k} s_j^2$. Two details decide whether your PCA is right. `np.linalg.svd` returns $V^\top$, whose
# **rows** are the directions; and it sorts the singular values in decreasing order, so the first $k$ are the
# ones to keep. And without centring, the first "direction" mostly points at the mean.

# %% exercise="pca" functions=["pca_fit", "pca_reconstruct"]

# %% check="pca"
check("pca_fit", pca_fit)
check("pca_reconstruct", pca_reconstruct)

# %% [markdown]
# The first principal directions of the digits, shown as 8 × 8 images (a direction's sign is arbitrary: red and
# blue may swap), and the share of the variance that the first $k$ directions explain:

# %%
mean_train, components_all, variances_all = pca_fit(X_train, 64)
fig = plt.figure(figsize=(13, 3.6), layout="constrained")
grid = fig.add_gridspec(2, 8, width_ratios=[1] * 5 + [0.3, 2.2, 2.2])
for j in range(10):
    ax = fig.add_subplot(grid[j // 5, j % 5])
    limit = np.abs(components_all[:, j]).max()
    ax.imshow(components_all[:, j].reshape(8, 8), cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"$v_{{{j + 1}}}$", fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
ax = fig.add_subplot(grid[:, 6:])
explained = np.cumsum(variances_all) / np.sum(variances_all)
ax.plot(np.arange(1, 65), explained, marker=".")
ax.set_xlabel("number of components k")
ax.set_ylabel("share of the variance explained")
ax.set_title("Cumulative explained variance")
ax.grid(alpha=0.3)
fig.suptitle("The first ten principal directions of the digits (left) and the variance they explain (right)")
plt.show()
print(f"k = 2 explains {explained[1]:.1%} of the variance, k = 10 {explained[9]:.1%}, k = 30 {explained[29]:.1%}")

# %% [markdown]
# ## 2. How far apart are two subspaces?
#
# To compare what a network learns with PCA we need to compare **subspaces**, not bases: the plane spanned by
# $\mathbf{v}_1, \mathbf{v}_2$ is also spanned by $2\mathbf{v}_1 + \mathbf{v}_2$ and $\mathbf{v}_2$. The
# **principal angles** $0 \le \theta_1 \le \theta_2 \le \dots \le 90°$ between the column spaces of $A$ and $B$
# do that. With orthonormal bases $Q_A$, $Q_B$ of the two spaces (a QR decomposition, `np.linalg.qr`, gives
# them), the cosines of the angles are the singular values of $Q_A^\top Q_B$:
#
# $$\cos \theta_i = \sigma_i(Q_A^\top Q_B).$$
#
# Equal subspaces have all angles 0; a largest angle of 90° means that some direction of one space is orthogonal
# to the whole other space. The orthonormalisation is not optional: the singular values of $A^\top B$ for
# arbitrary bases are not cosines at all. Clip the cosines to $[0, 1]$ before `np.arccos` (rounding can push them a
# hair above 1), return **degrees**, smallest first.

# %% exercise="angles" functions=["principal_angles"]

# %% check="angles"
check("principal_angles", principal_angles)

# %% [markdown]
# ## 3. A linear autoencoder is PCA without orthogonality
#
# The notes' linear autoencoder has one hidden layer and no activation:
#
# $$Z = X W_1 + \mathbf{b}_1, \qquad X' = Z W_2 + \mathbf{b}_2, \qquad L = \frac{1}{ND}\sum_{i,d} (X'_{id} -
#   X_{id})^2,$$
#
# with $W_1$ of shape `(D, k)` and $W_2$ of shape `(k, D)`, $k < D$. Every reconstruction $X'$ it can produce has
# rank at most $k$ (plus the offset $\mathbf{b}_2$), and the best such reconstruction is PCA's. So at its minimum
# the autoencoder reproduces PCA's reconstructions, and the rows of the decoder $W_2$ span PCA's principal
# subspace. But nothing in the loss asks for an orthonormal basis: for any invertible $k \times k$ matrix $A$,
# the weights $(W_1 A,\ A^{-1} W_2)$ (with $\mathbf{b}_1 A$) give exactly the same $X'$.
#
# Backward, with $G = \frac{\partial L}{\partial X'} = \frac{2}{ND}(X' - X)$ (both the 2 and the mean matter):
#
# $$\frac{\partial L}{\partial W_2} = Z^\top G, \quad \frac{\partial L}{\partial \mathbf{b}_2} = \sum_i G_{i,:},
#   \quad \frac{\partial L}{\partial Z} = G W_2^\top, \quad \frac{\partial L}{\partial W_1} = X^\top
#   \frac{\partial L}{\partial Z}, \quad \frac{\partial L}{\partial \mathbf{b}_1} = \sum_i
#   \left(\frac{\partial L}{\partial Z}\right)_{i,:} .$$
#
# Write `linear_autoencoder_loss` with these matrix products (let the shapes guide you).

# %% exercise="linear_ae" functions=["linear_autoencoder_loss"]

# %% check="linear_ae"
check("linear_autoencoder_loss", linear_autoencoder_loss)

# %% [markdown]
# This lab brings its own small trainer: Lab 5's Adam (`adam_update`, given), a weight initialisation, and
# `fit_linear_autoencoder`, which takes full-batch Adam steps on your loss. Read them; they are short.

# %% provided=["init_autoencoder", "adam_update", "fit_linear_autoencoder"]

# %% [markdown]
# Train a linear autoencoder with a code of $k = 4$ numbers on the training digits and compare it with PCA:
# the largest principal angle between the decoder's rows and PCA's first four directions, and the two
# reconstruction errors.

# %%
K_LINEAR = 4
linear_params, linear_losses = fit_linear_autoencoder(X_train, K_LINEAR, steps=2000, lr=0.05, seed=0)
mean_k, components_k, _ = pca_fit(X_train, K_LINEAR)
pca_error = np.mean((pca_reconstruct(X_train, mean_k, components_k) - X_train) ** 2)
linear_error, _ = linear_autoencoder_loss(linear_params, X_train)
angles = principal_angles(linear_params["W2"].T, components_k)
print(f"principal angles between the decoder's rows and PCA's subspace: {np.round(angles, 4)} degrees")
print(f"reconstruction error: PCA {pca_error:.6f}, linear autoencoder {linear_error:.6f}"
      f" ({linear_error / pca_error - 1:+.3%})")
assert angles.max() < 1.0 and abs(linear_error / pca_error - 1) < 0.01

# %%
fig, (ax_loss, ax_gram_ae, ax_gram_pca) = plt.subplots(1, 3, figsize=(15, 4),
                                                       gridspec_kw={"width_ratios": [1.5, 1, 1]})
ax_loss.plot(np.arange(1, len(linear_losses) + 1), np.array(linear_losses) - pca_error)
ax_loss.set_yscale("log")
ax_loss.set_xlabel("Adam step")
ax_loss.set_ylabel("MSE minus PCA's MSE")
ax_loss.set_title("The linear autoencoder approaches PCA's error")
ax_loss.grid(alpha=0.3)
for ax, basis, title in ((ax_gram_ae, linear_params["W2"].T, "the decoder's rows, $W_2 W_2^\\top$"),
                         (ax_gram_pca, components_k, "PCA's directions, $V_k^\\top V_k$")):
    gram = basis.T @ basis
    limit = np.abs(gram).max()
    image = ax.imshow(gram, cmap="RdBu_r", vmin=-limit, vmax=limit)
    for (i, j), value in np.ndenumerate(gram):
        ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=9,
                color="white" if abs(value) > 0.6 * limit else "black")
    ax.set_xticks(range(K_LINEAR), [f"{j + 1}" for j in range(K_LINEAR)])
    ax.set_yticks(range(K_LINEAR), [f"{j + 1}" for j in range(K_LINEAR)])
    ax.set_xlabel("basis vector")
    ax.set_ylabel("basis vector")
    ax.set_title(f"Inner products of {title}", fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.046)
fig.tight_layout()
plt.show()

show_digits([linear_params["W2"] / np.abs(linear_params["W2"]).max(axis=1, keepdims=True) * 0.5 + 0.5,
             components_k.T / np.abs(components_k.T).max(axis=1, keepdims=True) * 0.5 + 0.5],
            ["decoder rows", "PCA directions"],
            "The same subspace, two different bases (grey = 0, each row scaled to its largest entry)")

# %% [markdown]
# (The spikes in the curve are Adam's: near a minimum its gradient estimates become tiny and the normalised steps
# overshoot now and then; the loss recovers within a few dozen steps, and the trainer's last fifth at a tenth of
# the rate lets it settle.) The two bases span the same
# four-dimensional space (angles far below 1°) and reconstruct the digits equally well, yet the decoder's vectors
# are not of unit length, not exactly orthogonal, and they do not look like PCA's directions. Explain why training
# cannot single out PCA's basis, what *is* determined by the loss, and how you could recover PCA's ordered
# orthonormal directions from the trained $W_2$.

# %% [markdown] answer="linear_basis" points=2
# The loss depends on the weights only through the reconstruction $X' = (X W_1 + \mathbf{b}_1) W_2 +
# \mathbf{b}_2$. For every invertible $k \times k$ matrix $A$, replacing $W_1 \to W_1 A$, $\mathbf{b}_1 \to
# \mathbf{b}_1 A$ and $W_2 \to A^{-1} W_2$ leaves $X'$ and hence the loss unchanged, so the minima form a whole
# family and gradient descent stops at whichever member its initialisation leads to: nothing rewards orthogonal
# or unit-length rows (PCA imposes that as an extra constraint). What the loss does determine at the optimum is
# the reconstruction itself, i.e. the product $W_1 W_2$, the projection onto the principal subspace, and so the
# row space of $W_2$. PCA's ordered directions can be recovered by orthonormalising the rows of $W_2$ (QR) and
# then diagonalising the covariance of the data projected onto that basis (or simply by taking the SVD of the
# centred reconstructions $X' - \mathbf{1}\boldsymbol{\mu}^\top$), which orders the directions by variance.

# %% [markdown]
# ## 4. A nonlinear, undercomplete autoencoder
#
# Now with nonlinearities, built from Lab 4's layers (given below):
#
# $$\underbrace{H_1 = \text{ReLU}(X W_1 + \mathbf{b}_1), \quad Z = H_1 W_2 + \mathbf{b}_2}_{\text{encoder}},
#   \qquad \underbrace{H_3 = \text{ReLU}(Z W_3 + \mathbf{b}_3), \quad X' = \sigma(H_3 W_4 +
#   \mathbf{b}_4)}_{\text{decoder}} .$$
#
# The code $Z$ is linear (it may take any value); the sigmoid keeps the reconstructed pixels in $[0, 1]$, like the
# data. The loss compares $X'$ with a `target` (the input itself here; something else in section 5), as the mean
# squared error over all entries. Write `autoencoder_loss`: the forward pass through the layer functions, keeping
# every cache, then the backward pass in reverse order. It returns the gradients of all eight parameters.

# %% provided=["solutions.layers:affine_forward", "solutions.layers:affine_backward", "solutions.layers:relu_forward", "solutions.layers:relu_backward", "solutions.layers:sigmoid_forward", "solutions.layers:sigmoid_backward"]

# %% exercise="autoencoder" functions=["autoencoder_loss"]

# %% check="autoencoder"
check("autoencoder_loss", autoencoder_loss)

# %% [markdown]
# The encoder and the decoder on their own, for plots, and the mini-batch trainer (Adam again), all given:

# %% provided=["encode", "decode", "train_autoencoder"]

# %% [markdown]
# Train autoencoders `64 → 48 → k → 48 → 64` for bottlenecks from $k = 1$ to $k = 32$, and compare their error
# on the **test** digits with PCA's for the same $k$.

# %%
BOTTLENECKS = [1, 2, 4, 8, 16, 32]
autoencoders, ae_errors, pca_errors = {}, [], []
for k in BOTTLENECKS:
    rng_k = np.random.default_rng(k)
    params_k = init_autoencoder([64, 48, k, 48, 64], rng_k)
    train_autoencoder(params_k, X_train, lambda p, xb, r: autoencoder_loss(p, xb, xb), epochs=40, batch_size=64,
                      lr=5e-3, rng=rng_k)
    autoencoders[k] = params_k
    ae_errors.append(np.mean((decode(params_k, encode(params_k, X_test)) - X_test) ** 2))
    mean_k, components_k, _ = pca_fit(X_train, k)
    pca_errors.append(np.mean((pca_reconstruct(X_test, mean_k, components_k) - X_test) ** 2))
    print(f"k = {k:2d}: test MSE autoencoder {ae_errors[-1]:.4f}, PCA {pca_errors[-1]:.4f}")

fig, ax = plt.subplots(figsize=(6.5, 4))
ax.plot(BOTTLENECKS, ae_errors, marker="o", label="autoencoder 64-48-k-48-64")
ax.plot(BOTTLENECKS, pca_errors, marker="s", label="PCA with k components")
ax.set_xscale("log", base=2)
ax.set_xticks(BOTTLENECKS, [str(k) for k in BOTTLENECKS])
ax.set_xlabel("bottleneck size k")
ax.set_ylabel("test MSE per pixel")
ax.set_title("Reconstruction error against the size of the code")
ax.grid(alpha=0.3)
ax.legend()
plt.show()

# %% [markdown]
# Look at both ends of the curve. Why can the nonlinear autoencoder beat PCA, the *best* linear reconstruction,
# for small codes? And why does PCA win at $k = 32$, although an autoencoder with a linear decoder could at least
# match it?

# %% [markdown] answer="bottleneck" points=2
# PCA is optimal only among reconstructions that are an affine function of a $k$-dimensional code. The
# autoencoder's encoder and decoder are nonlinear: the decoder maps the $k$ numbers onto a curved $k$-dimensional
# surface in the 64-dimensional pixel space, which can pass closer to the digits than any flat $k$-dimensional
# subspace, and the sigmoid keeps every pixel inside $[0, 1]$. With a narrow code that flexibility is worth a
# lot (about 20-30 % less error for $k = 2$ to $8$). For wide codes PCA's error falls towards 0 (32 components
# keep about 96 % of the variance), while the autoencoder is limited by other things: every code passes through
# hidden layers of only 48 ReLUs, the sigmoid output cannot hit 0 and 1 exactly, and 40 epochs of Adam do not
# reach its best weights (a non-convex problem, unlike PCA's exact SVD). It is underfitting, not overfitting:
# its *training* error at $k = 32$ is about 0.005, twice PCA's (0.0025); trained for 150 epochs it gets to about
# 0.003 (test 0.0038). A wider network trained longer would close the gap; PCA gets its optimum for free.

# %% [markdown]
# One test digit of each class, reconstructed from codes of 2 and 8 numbers:

# %%
examples = np.array([np.flatnonzero(y_test == digit)[0] for digit in range(10)])
rows, titles = [X_test[examples]], ["original"]
for k in (2, 8):
    mean_k, components_k, _ = pca_fit(X_train, k)
    rows += [pca_reconstruct(X_test[examples], mean_k, components_k),
             decode(autoencoders[k], encode(autoencoders[k], X_test[examples]))]
    titles += [f"PCA, k = {k}", f"autoencoder, k = {k}"]
show_digits(rows, titles, "Test digits and their reconstructions")

# %% [markdown]
# With $k = 2$ every digit becomes a point in the plane. The notes compare three ways of drawing such a map:
# PCA (linear, global, deterministic), an autoencoder (nonlinear, learned), and t-SNE (nonlinear, keeps
# neighbourhoods, randomised; scikit-learn's `TSNE`, here on the 450 test digits). Colour is the digit's class,
# which none of the three was shown.

# %%
from sklearn.manifold import TSNE

mean_2, components_2, _ = pca_fit(X_train, 2)
maps = {"PCA": (X_test - mean_2) @ components_2,
        "autoencoder (k = 2)": encode(autoencoders[2], X_test),
        "t-SNE": TSNE(n_components=2, init="pca", method="exact", max_iter=500, random_state=0).fit_transform(X_test)}
fig, axes = plt.subplots(1, 3, figsize=(15, 4.8), layout="constrained")
for ax, (name, code) in zip(axes, maps.items()):
    points = ax.scatter(code[:, 0], code[:, 1], c=y_test, cmap="tab10", vmin=-0.5, vmax=9.5, s=9)
    ax.set_title(name)
    ax.set_xlabel("code 1")
    ax.set_ylabel("code 2")
fig.colorbar(points, ax=axes, ticks=range(10), label="digit")
fig.suptitle("Test digits mapped to two numbers, coloured by class")
plt.show()

# %% [markdown]
# ## 5. A denoising autoencoder
#
# A denoising autoencoder gets a **corrupted** input $\tilde{\mathbf{x}} = \mathbf{x} + \boldsymbol{\epsilon}$,
# $\boldsymbol{\epsilon} \sim \mathcal{N}(0, \sigma^2 I)$, and is trained to reconstruct the **clean**
# $\mathbf{x}$: $L = \frac{1}{ND} \sum (g(f(\tilde{X})) - X)^2$. It cannot simply copy its input any more; it has to
# learn what digits look like. `corrupt` draws the noise with one call `rng.standard_normal(X.shape)` from the
# generator it is given (a seed then reproduces it), and `denoising_loss` corrupts a clean batch and calls your
# `autoencoder_loss` with the right target. Fresh noise is drawn on every call, so the network never sees the same
# noisy digit twice.

# %% exercise="denoising" functions=["corrupt", "denoising_loss"]

# %% check="denoising"
check("corrupt", corrupt)
check("denoising_loss", denoising_loss)

# %% [markdown]
# Train a denoising autoencoder with $k = 16$ on noise of $\sigma = 0.3$ (pixels lie in $[0, 1]$), and compare it
# on noisy test digits with the plain autoencoder of the same size from section 4:

# %%
NOISE = 0.3
rng_noise = np.random.default_rng(16)
denoiser = init_autoencoder([64, 48, 16, 48, 64], rng_noise)
denoising_history = train_autoencoder(denoiser, X_train, lambda p, xb, r: denoising_loss(p, xb, NOISE, r),
                                      epochs=40, batch_size=64, lr=5e-3, rng=rng_noise)
X_test_noisy = corrupt(X_test, NOISE, np.random.default_rng(1))
plain_output = decode(autoencoders[16], encode(autoencoders[16], X_test_noisy))
denoised = decode(denoiser, encode(denoiser, X_test_noisy))
for name, images in (("the noisy input itself", X_test_noisy), ("plain autoencoder, k = 16", plain_output),
                     ("denoising autoencoder, k = 16", denoised)):
    print(f"MSE against the clean test digits, {name:>30}: {np.mean((images - X_test) ** 2):.4f}")
show_digits([X_test[examples], np.clip(X_test_noisy[examples], 0, 1), plain_output[examples], denoised[examples]],
            ["clean", f"noisy (σ = {NOISE})", "plain AE", "denoising AE"],
            "Denoising test digits (noisy inputs shown clipped to [0, 1])")

# %% [markdown]
# ## 6. Transposed convolution
#
# A convolutional decoder has to go from a small feature map to a large image: it needs a layer that
# **upsamples**. The transposed convolution (also called fractionally strided convolution, and sometimes,
# wrongly, "deconvolution") does it by *stamping*: every input pixel adds a copy of the kernel, scaled by the
# pixel's value, to the output. Neighbouring input pixels stamp $s$ positions apart (the stride), overlapping
# stamps add up, and finally $p$ rows and columns are cropped from every border:
#
# $$\text{out}_\text{full}[n, f, s i + a, s j + b] \mathrel{+}= x[n, c, i, j]\; w[c, f, a, b], \qquad
#   \text{out} = \text{out}_\text{full}[:, :, p:-p, p:-p] + \mathbf{b}.$$
#
# The weights have the shape `(C_in, C_out, HH, WW)`: **PyTorch's layout** for `conv_transpose2d`, the transpose
# of a convolution's `(F, C, HH, WW)` (section 7 shows why). An input of $n$ pixels therefore gives
# (the notes' formula)
#
# $$n' = s(n - 1) + f - 2p ,$$
#
# $n$ stamps of length $f$, spaced $s$ apart, minus what is cropped. Compare with the convolution,
# $\lfloor (n + 2p - f)/s \rfloor + 1$: the padding now *removes* positions, and the stride *multiplies*.
# Write the size formula first (raise a `ValueError` when the crop leaves nothing, like Lab 7's
# `conv_output_size`).

# %% exercise="size" functions=["conv_transpose_output_size"]

# %% check="size"
check("conv_transpose_output_size", conv_transpose_output_size)
for n, f, pad, stride in ((2, 4, 1, 2), (4, 4, 1, 2), (7, 3, 1, 2), (3, 3, 0, 1)):
    size = conv_transpose_output_size(n, f, pad, stride)
    print(f"n = {n}, f = {f}, p = {pad}, s = {stride}: the transposed convolution gives {size}")

# %% [markdown]
# Now the layer. The stamping loop over input pixels is a fine first version, but it is slow; vectorise it.
# One way: compute every stamp at once with one matrix product (`x` as rows of $C_\text{in}$ numbers per pixel,
# times `w.reshape(C_in, -1)`), then add the stamps into the output **one kernel tap at a time**: tap $(a, b)$
# of all pixels lands on the strided slice `out_full[:, :, a : a + s*(H-1) + 1 : s, b : b + s*(W-1) + 1 : s]`. A
# loop over the $HH \cdot WW$ taps is fine; no loop over samples or pixels.
#
# Backward: pad `dout` back to the uncropped size, with zeros; input pixel $(i, j)$ influenced exactly the spots
# its stamp covered, so
#
# $$\frac{\partial L}{\partial x[n, c, i, j]} = \sum_{f, a, b} w[c, f, a, b]\, \text{dout}_\text{full}[n, f, s i +
#   a, s j + b], \qquad \frac{\partial L}{\partial w[c, f, a, b]} = \sum_{n, i, j} x[n, c, i, j]\,
#   \text{dout}_\text{full}[n, f, s i + a, s j + b],$$
#
# and $\frac{\partial L}{\partial \mathbf{b}}$ sums `dout` over the batch and both spatial axes. (The first
# formula is a strided *convolution* of $\text{dout}_\text{full}$ with $w$: convolution and transposed convolution
# are each other's backward passes.)

# %% exercise="conv_transpose" functions=["conv_transpose_forward", "conv_transpose_backward"]

# %% check="conv_transpose"
check("conv_transpose_forward", conv_transpose_forward)
check("conv_transpose_backward", conv_transpose_backward)

rng_check = np.random.default_rng(3)
for (N, C_in, C_out, H, W, HH, WW), conv_param in (((2, 3, 2, 3, 4, 3, 3), {"stride": 2, "pad": 1}),
                                                  ((1, 2, 3, 2, 3, 1, 1), {"stride": 3, "pad": 0}),
                                                  ((2, 1, 2, 4, 3, 4, 2), {"stride": 1, "pad": 1})):
    x = rng_check.normal(size=(N, C_in, H, W))
    w = rng_check.normal(size=(C_in, C_out, HH, WW))
    b = rng_check.normal(size=C_out)
    out, cache = conv_transpose_forward(x, w, b, conv_param)
    dout = rng_check.normal(size=out.shape)
    dx, dw, db = conv_transpose_backward(dout, cache)
    numeric = [eval_numerical_gradient_array(lambda v: conv_transpose_forward(v, w, b, conv_param)[0], x, dout),
               eval_numerical_gradient_array(lambda v: conv_transpose_forward(x, v, b, conv_param)[0], w, dout),
               eval_numerical_gradient_array(lambda v: conv_transpose_forward(x, w, v, conv_param)[0], b, dout)]
    errors = ", ".join(f"{name} {rel_error(g, n):.1e}" for name, g, n in zip(("dx", "dw", "db"), (dx, dw, db), numeric))
    print(f"x {x.shape} -> out {out.shape} with {conv_param}: rel. errors vs numeric: {errors}")

# %% [markdown]
# ## 7. Why "transposed": the adjoint of a convolution
#
# A convolution without bias is linear in its input, so it *is* a matrix: for images of shape $(C, H, W)$,
# $\text{conv}(x)$ flattened equals $M\,\text{vec}(x)$ for a matrix $M$ of shape $(F H' W') \times (C H W)$. Its
# **transpose** $M^\top$ maps the output space back to the input space, and that is the transposed convolution
# with the same array $w$ (read as `(C_in, C_out) = (F, C)`). Equivalently, it is the **adjoint**:
#
# $$\langle \text{conv}(x), y \rangle = \langle x, \text{conv}^\top(y) \rangle \quad \text{for all } x, y,$$
#
# where $\langle \cdot, \cdot \rangle$ sums the products of all entries. The sizes match when the convolution
# fits exactly, i.e. $(H + 2p - f)$ is a multiple of $s$; otherwise a few input rows are never visited and the
# transposed convolution's output is smaller than $H$.
#
# Lab 7's fast convolution is handed out (with the `im2col` and `col2im` it calls). Write `conv_matrix`, which
# builds $M$ column by column: column $d$ is the flattened output for the $d$-th **unit image**, all zeros but a 1
# at flat index $d$. Push all $CHW$ unit images through `conv_forward_fast` as one batch (bias 0), then arrange
# the outputs as columns.

# %% provided=["solutions.cnn:im2col", "solutions.cnn:col2im", "solutions.cnn:conv_forward_fast", "solutions.cnn:conv_backward_fast"]

# %% exercise="conv_matrix" functions=["conv_matrix"]

# %% check="conv_matrix"
check("conv_matrix", conv_matrix)

# %% [markdown]
# Three ways to see that your transposed convolution is the transpose of the convolution, on a random layer
# with stride 2 and padding 1 (the sizes fit: $(7 + 2 - 3)$ is even):

# %%
rng_adjoint = np.random.default_rng(4)
conv_param = {"stride": 2, "pad": 1}
w_conv = rng_adjoint.normal(size=(2, 3, 3, 3))  # a convolution from C = 3 to F = 2 channels
x_image = rng_adjoint.normal(size=(1, 3, 7, 7))
conv_x, conv_cache = conv_forward_fast(x_image, w_conv, np.zeros(2), conv_param)
y_image = rng_adjoint.normal(size=conv_x.shape)
convT_y, _ = conv_transpose_forward(y_image, w_conv, np.zeros(3), conv_param)
M = conv_matrix(w_conv, conv_param, (3, 7, 7))
print(f"conv: {x_image.shape} -> {conv_x.shape}; transposed conv with the same w: {y_image.shape} -> {convT_y.shape}")
print(f"<conv(x), y> = {np.sum(conv_x * y_image):.10f}")
print(f"<x, convT(y)> = {np.sum(x_image * convT_y):.10f}")
print(f"max |M^T vec(y) - vec(convT(y))| = {np.abs(M.T @ y_image.ravel() - convT_y.ravel()).max():.2e}")
dx_of_conv = conv_backward_fast(y_image, conv_cache)[0]  # the convolution's backward pass, fed with y
print(f"max |conv_backward(y).dx - convT(y)| = {np.abs(dx_of_conv - convT_y).max():.2e}")

w_small = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
M_small = conv_matrix(w_small, {"stride": 1, "pad": 0}, (1, 5, 5))
fig, (ax_m, ax_mt) = plt.subplots(1, 2, figsize=(13, 5), layout="constrained", gridspec_kw={"width_ratios": [25, 9]})
for ax, matrix, title, xlabel, ylabel in (
        (ax_m, M_small, "$M$ (9 × 25): a 3 × 3 convolution of 5 × 5 images", "input pixel", "output pixel"),
        (ax_mt, M_small.T, "$M^\\top$ (25 × 9): the transposed convolution", "output pixel of the convolution",
         "input pixel of the convolution")):
    shown = ax.imshow(matrix, cmap="viridis", vmin=0, vmax=9)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
fig.colorbar(shown, ax=[ax_m, ax_mt], label="entry (the kernel holds 1 ... 9)", shrink=0.7)
plt.show()

# %% [markdown]
# ## 8. Upsampling: unpooling and transposed convolution
#
# Lab 7's **max unpooling** puts each value back where the maximum of its window was (it needs the pooling's
# switches) and zeros elsewhere. Simpler fixed upsamplers are transposed convolutions with stride $s$ and special
# kernels, each channel on its own:
#
# * **nearest neighbour**: a kernel of ones, $f = s$: every pixel becomes an $s \times s$ block;
# * **bed of nails**: a 1 in the kernel's corner, $f = s$: each pixel is copied once, with zeros between
#   (unpooling without switches);
# * **bilinear**: $f = 2s - (s \bmod 2)$, $p = (f - s)/2$, the tent-shaped kernel $\mathbf{t}\mathbf{t}^\top$ with
#   $t_i = 1 - |i - c|/s$ and centre $c = (f - 1)/2$: neighbouring stamps overlap and blend.
#
# Write `upsampling_weights(kind, factor, channels)`, which returns the kernel array (`w[c, c]` holds the kernel,
# `w[c, d] = 0` for $c \ne d$) and the `conv_param` to use.

# %% exercise="upsampling" functions=["upsampling_weights"]

# %% check="upsampling"
check("upsampling_weights", upsampling_weights)

# %% [markdown]
# The upsamplers side by side on a photograph. It is shrunk to 48 × 64 pixels by 4 × 4 averaging, max-pooled to
# 24 × 32 with Lab 7's functions (given below, with the switches), and enlarged back by a factor of 2 in four
# ways: max unpooling with the switches, and your three transposed convolutions. A learned transposed convolution
# can do any of these, or something better.

# %% provided=["solutions.cnn:max_pool_forward_naive", "solutions.cnn:max_pool_switches", "solutions.cnn:max_unpool_forward"]

# %%
photo = load_sample_image("china.jpg")[40:232, 140:396]  # a 192 x 256 crop, greyscale
medium = photo.reshape(48, 4, 64, 4).mean(axis=(1, 3))[None, None]  # (1, 1, 48, 64)
pooling = dict(pool_height=2, pool_width=2, stride=2)
pooled, _ = max_pool_forward_naive(medium, pooling)  # (1, 1, 24, 32)
panels = {"original, 48 × 64": medium, "max-pooled, 24 × 32": pooled,
          "max unpooling (switches)": max_unpool_forward(pooled, max_pool_switches(medium, pooling), (48, 64))[0]}
for kind in ("nearest", "bed_of_nails", "bilinear"):
    w_up, param_up = upsampling_weights(kind, 2, 1)
    panels[f"transposed conv: {kind}"], _ = conv_transpose_forward(pooled, w_up, np.zeros(1), param_up)
fig, axes = plt.subplots(2, 3, figsize=(14, 7), layout="constrained")
for ax, (name, image) in zip(axes.flat, panels.items()):
    ax.imshow(image[0, 0], cmap="gray", vmin=0, vmax=1)
    ax.set_title(name)
    ax.set_xlabel("column")
    ax.set_ylabel("row")
fig.suptitle("Upsampling a max-pooled photograph by 2")
plt.show()
for name, image in list(panels.items())[2:]:
    print(f"{name:>32}: MSE against the original {np.mean((image - medium) ** 2):.4f}")

# %% [markdown]
# Max unpooling restores each window's maximum at its exact place, but leaves three zeros in every window; bed of
# nails puts the values at a fixed corner instead (it knows no switches); nearest-neighbour repeats every value
# and gives blocks; bilinear blends neighbours (its darker frame: at the border a stamp has no neighbour to
# overlap with, so a quarter of the weight is missing).

# %% [markdown]
# Overlaps matter for *learned* kernels too. With $f = 3$ and $s = 2$ the stamps overlap on every other row and
# column only, so even a constant input and a constant kernel give an uneven output: the **checkerboard
# artefact** of decoders and GANs. Count how many stamps cover each output pixel:

# %%
coverage = {}
for f, s in ((3, 2), (4, 2), (2, 2)):
    coverage[(f, s)], _ = conv_transpose_forward(np.ones((1, 1, 6, 6)), np.ones((1, 1, f, f)), np.zeros(1),
                                                 {"stride": s, "pad": 0})
fig, axes = plt.subplots(1, 3, figsize=(14, 4.3), layout="constrained")
for ax, ((f, s), image) in zip(axes, coverage.items()):
    shown = ax.imshow(image[0, 0], cmap="magma", vmin=0, vmax=4)
    ax.set_title(f"f = {f}, s = {s}: output {image.shape[2]} × {image.shape[3]}")
    ax.set_xlabel("column")
    ax.set_ylabel("row")
fig.colorbar(shown, ax=axes, ticks=range(5), label="number of stamps")
fig.suptitle("How many stamps cover each output pixel (a 6 × 6 input of ones, a kernel of ones)")
plt.show()

# %% [markdown]
# Explain the three coverage pictures. When is the coverage even away from the borders, and why does that matter
# for a decoder whose kernels are learned? How would you choose $f$ and $s$, or what could you use instead of a
# transposed convolution, to avoid the checkerboard?

# %% [markdown] answer="checkerboard" points=2
# Along one axis, output position $q$ is covered by the inputs $i$ with $s i \le q \le s i + f - 1$, i.e. by
# about $f / s$ stamps. With $f = 3$, $s = 2$ that number alternates between 1 and 2 (even positions are hit by
# two stamps, odd ones by one), and in 2-D between 1, 2 and 4: a checkerboard, although input and kernel are
# constant. With $f = 4$, $s = 2$ (and with $f = 2$, $s = 2$) every interior pixel is covered by exactly
# $(f/s)^2$ stamps, so a constant input gives a constant output away from the borders. The coverage is even
# exactly when the stride divides the kernel size. A learned decoder with uneven overlap starts with (and must
# learn to cancel) this periodic pattern in every layer, which it rarely does exactly, so checkerboards show up in
# its outputs. Remedies: kernel sizes that are multiples of the stride (4×4 with stride 2, as our decoder uses);
# or upsample with a fixed nearest or bilinear resize (or unpooling) and follow it with an ordinary stride-1
# convolution; or initialise the transposed convolution with a bilinear kernel.

# %% [markdown]
# ## 9. A small convolutional decoder
#
# Finally, a decoder made of your transposed convolutions: from the code, an affine layer to $16 \times 2 \times
# 2$ numbers, then two transposed convolutions with 4 × 4 kernels, stride 2 and padding 1 (each doubles the size,
# $2(n - 1) + 4 - 2 = 2n$): $2 \times 2 \to 4 \times 4 \to 8 \times 8$, with ReLUs between and a sigmoid at the
# end. The encoder is the MLP encoder of section 4, `64 → 32 → k`. The code is given; it trains with your
# `conv_transpose_forward` and `conv_transpose_backward`.

# %% provided=["init_conv_autoencoder", "_conv_decoder_forward", "conv_decode", "conv_autoencoder_loss"]

# %%
K_CONV = 8
rng_conv = np.random.default_rng(8)
conv_autoencoder = init_conv_autoencoder(K_CONV, rng_conv)
conv_history = train_autoencoder(conv_autoencoder, X_train, lambda p, xb, r: conv_autoencoder_loss(p, xb, xb),
                                 epochs=30, batch_size=64, lr=5e-3, rng=rng_conv, progress=True)
conv_reconstruction = conv_decode(conv_autoencoder, encode(conv_autoencoder, X_test))
decoder_sizes = {"convolutional": sum(conv_autoencoder[key].size for key in ("W3", "b3", "K1", "c1", "K2", "c2")),
                 "MLP": sum(autoencoders[K_CONV][key].size for key in ("W3", "b3", "W4", "b4"))}
print(f"test MSE, k = {K_CONV}: convolutional decoder {np.mean((conv_reconstruction - X_test) ** 2):.4f}"
      f" ({decoder_sizes['convolutional']} decoder parameters), MLP decoder"
      f" {ae_errors[BOTTLENECKS.index(K_CONV)]:.4f} ({decoder_sizes['MLP']} decoder parameters)")
show_digits([X_test[examples], conv_reconstruction[examples],
             decode(autoencoders[K_CONV], encode(autoencoders[K_CONV], X_test[examples]))],
            ["original", "conv decoder", "MLP decoder"], f"Reconstructions from codes of {K_CONV} numbers")
