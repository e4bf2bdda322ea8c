# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 7 — Convolutional networks
#
# A fully connected layer on a $32 \times 32 \times 3$ image gives every unit $3072$ weights, and it has to learn
# separately that an edge is an edge in the top left and in the bottom right. A **convolutional** layer instead
# slides one small filter over the whole image: the same few weights are used at every position (*shared
# parameters*), and each output depends only on a small window of the input (*sparse connections*). Stacked with
# **pooling**, which shrinks the feature maps, such layers make the networks that classify images.
#
# You will
# 1. write 2-D cross-correlation and convolution, find out when they agree, and apply the notes' classic kernels
#    to a real photograph (and repair the notes' "sharpen" kernel);
# 2. compute output sizes with padding and stride;
# 3. write the convolution layer forward and backward, first with loops, then with `im2col` and one matrix
#    product, and check that both agree;
# 4. write max and average pooling (with a fast path when the windows tile the input) and max **unpooling**;
# 5. count the parameters and activations of the notes' LeNet-like network, against a fully connected one;
# 6. build a small CNN from your layers and train it on handwritten digits to at least 97 % test accuracy.
#
# **Notation.** A batch of images is an array `x` of shape `(N, C, H, W)`: $N$ samples, $C$ channels, height $H$,
# width $W$. A convolution layer has $F$ filters `w` of shape `(F, C, HH, WW)` and biases `b` of shape `(F,)`; its
# output has shape `(N, F, H', W')`. For a scalar loss $L$ and an array $z$, `dz` is the array of
# $\partial L / \partial z$, of the shape of $z$.
#
# Fill in every cell marked `# YOUR CODE HERE` (delete the `raise NotImplementedError()` line) and run the
# self-check cell below it. The self-checks are small public tests; your notebook is graded by other tests on
# random shapes, strides and paddings (1×1 filters, a single sample and non-square images among them), with every
# gradient also compared against a numeric one. Loops are allowed where the exercise says "naive"; the other
# functions are vectorised.

# %%
import os

# This lab multiplies many small matrices: one BLAS thread is faster than several that wait for each other (set
# before NumPy is imported; restart the kernel if you change it).
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import matplotlib.pyplot as plt
from numpy.lib.stride_tricks import sliding_window_view

from labkit import check, eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from labkit.data import load_digits, load_sample_image
from labkit.plotting import plot_curves

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Cross-correlation and convolution
#
# Take a greyscale image $I$ and a kernel $K$ of size $f \times f$, $f = 2d + 1$, indexed from its centre,
# $i, j \in [-d, d]$. The notes define two ways of sliding the kernel over the image:
#
# $$\text{CrossCorrelation}(x, y) = \sum_{i=-d}^{d} \sum_{j=-d}^{d} I(x + i, y + j)\, K(i, j), \qquad
#   \text{CONV}(x, y) = \sum_{i=-d}^{d} \sum_{j=-d}^{d} I(x - i, y - j)\, K(i, j).$$
#
# Cross-correlation lays the kernel on the image as it is; convolution first **flips** it (the entry $K(i, j)$
# meets the pixel at offset $(-i, -j)$), i.e. rotates it by 180°. Both are computed only where the kernel lies
# fully inside the image, so an $n_X \times n_Y$ image gives an $(n_X - f + 1) \times (n_Y - f + 1)$ result.
#
# With array indices from the top-left corner, for a kernel of shape `(kh, kw)` (odd or even):
#
# $$\text{out}[r, c] = \sum_{u=0}^{kh-1} \sum_{v=0}^{kw-1} I[r + u, c + v]\, K[u, v] \quad
#   \text{(cross-correlation)},$$
#
# and convolution is the same with `K[::-1, ::-1]`. Deep-learning libraries compute cross-correlation and call it
# "convolution"; since the filters are learned, a network would simply learn them flipped. In this lab, too, the
# convolution *layer* computes cross-correlation.
#
# Write `cross_correlate2d` and `convolve2d`. You may loop over the kernel's entries (each step adds a shifted
# copy of the image times one weight), but not over pixels. Then `correlation_equals_convolution(kernel)`: for
# which kernels do the two operations agree on **every** image? Think about what the flip does before you write
# it, and return a Python `bool`.

# %% exercise="correlation" functions=["cross_correlate2d", "convolve2d", "correlation_equals_convolution"]

# %% check="correlation"
check("cross_correlate2d", cross_correlate2d)
check("convolve2d", convolve2d)
check("correlation_equals_convolution", correlation_equals_convolution)

# %% [markdown]
# The two operations on a random image, for a few kernels: the largest difference between them, and what your
# `correlation_equals_convolution` says.

# %%
rng_demo = np.random.default_rng(0)
image_demo = rng_demo.normal(size=(12, 12))
demo_kernels = {
    "blur (all 1/9)": np.ones((3, 3)) / 9,
    "vertical edges": np.array([[1.0, 0.0, -1.0]] * 3),
    "equal to its transpose": np.array([[1.0, 2.0, 0.0], [2.0, 1.0, 3.0], [0.0, 3.0, 1.0]]),
    "equal to its 180° rotation": np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 4.0], [3.0, 2.0, 1.0]]),
}
for name, kernel in demo_kernels.items():
    difference = np.abs(convolve2d(image_demo, kernel) - cross_correlate2d(image_demo, kernel)).max()
    print(f"{name:>28}: max |conv - xcorr| = {difference:7.4f}   agree: {correlation_equals_convolution(kernel)}")

# %% [markdown]
# ## 2. The notes' kernels on a photograph
#
# The notes list six classic $3 \times 3$ kernels:
#
# $$\text{vertical edges} \begin{bmatrix} 1 & 0 & -1 \\ 1 & 0 & -1 \\ 1 & 0 & -1 \end{bmatrix}, \quad
#   \text{horizontal edges} \begin{bmatrix} 1 & 1 & 1 \\ 0 & 0 & 0 \\ -1 & -1 & -1 \end{bmatrix}, \quad
#   \text{blur } \tfrac{1}{9} \begin{bmatrix} 1 & 1 & 1 \\ 1 & 1 & 1 \\ 1 & 1 & 1 \end{bmatrix},$$
#
# $$\text{"sharpen"} \begin{bmatrix} 0 & 0 & 0 \\ 0 & 2 & 0 \\ 0 & 0 & 0 \end{bmatrix}, \quad
#   \text{identity} \begin{bmatrix} 0 & 0 & 0 \\ 0 & 1 & 0 \\ 0 & 0 & 0 \end{bmatrix}, \quad
#   \text{shift} \begin{bmatrix} 0 & 0 & 0 \\ 1 & 0 & 0 \\ 0 & 0 & 0 \end{bmatrix}.$$
#
# Below they are applied (by your `cross_correlate2d`) to one of scikit-learn's photographs, in grey levels from 0
# (black) to 1 (white). The edge detectors give positive and negative values: they are shown on a grey scale
# centred at 0. The others are shown on the image's own scale, 0 to 1, and clipped there.

# %% provided=["box_blur_kernel", "identity_kernel"]

# %%
photo = load_sample_image("china.jpg", gray=True)
NOTES_KERNELS = {
    "vertical edges": np.array([[1.0, 0.0, -1.0]] * 3),
    "horizontal edges": np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -1.0, -1.0]]),
    "blur": box_blur_kernel(3),
    "the notes' \"sharpen\"": 2 * identity_kernel(3),
    "identity": identity_kernel(3),
    "shift": np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
}
filtered = {name: cross_correlate2d(photo, kernel) for name, kernel in NOTES_KERNELS.items()}

fig, axes = plt.subplots(2, 4, figsize=(16, 6.4))
axes[0, 0].imshow(photo, cmap="gray", vmin=0, vmax=1)
axes[0, 0].set_title(f"the photograph, {photo.shape[0]} × {photo.shape[1]}")
axes[1, 0].axis("off")
for ax, (name, result) in zip(list(axes[0, 1:]) + list(axes[1, 1:]), filtered.items()):
    if "edges" in name:
        limit = np.percentile(np.abs(result), 99)
        shown = ax.imshow(result, cmap="gray", vmin=-limit, vmax=limit)
    else:
        shown = ax.imshow(np.clip(result, 0, 1), cmap="gray", vmin=0, vmax=1)
    ax.set_title(name)
    fig.colorbar(shown, ax=ax, fraction=0.035)
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("The notes' six kernels, by cross-correlation")
fig.tight_layout()
plt.show()

# %% [markdown]
# The picture of the notes' "sharpen" looks washed out. Compare numbers rather than impressions:

# %%
inner = photo[1:-1, 1:-1]  # the pixels that have a full 3 x 3 neighbourhood
for name in ("identity", "the notes' \"sharpen\"", "blur"):
    ratio = filtered[name] / np.maximum(inner, 1e-12)
    print(f"{name:>22}: mean grey level {filtered[name].mean():.4f}, output / input pixel by pixel between "
          f"{np.percentile(ratio, 1):.3f} and {np.percentile(ratio, 99):.3f}")

# %% [markdown]
# Every pixel is exactly doubled: the notes' kernel is $2 \times$ identity, it does not sharpen anything. Real
# sharpening ("unsharp masking") adds back the *detail* that blurring removes: the detail is
# $I - \text{blur}(I)$, and since cross-correlation is linear in the kernel,
#
# $$I + \alpha\,(I - \text{blur}(I)) = I \star \big((1 + \alpha)\, \text{identity} - \alpha\, \text{blur}\big).$$
#
# Write `sharpen_kernel(amount)` from `identity_kernel(3)` and `box_blur_kernel(3)` (given above). Its entries
# sum to 1, so that a flat region keeps its brightness.

# %% exercise="sharpen" functions=["sharpen_kernel"]

# %% check="sharpen"
check("sharpen_kernel", sharpen_kernel)
print(sharpen_kernel(1.0) * 9)

# %%
rows, cols = slice(40, 200), slice(130, 330)  # a detail of the temple roof
crops = {"the photograph": photo[1:-1, 1:-1],
         "the notes' \"sharpen\" (clipped to [0, 1])": filtered["the notes' \"sharpen\""],
         "sharpen_kernel(1.0)": cross_correlate2d(photo, sharpen_kernel(1.0)),
         "sharpen_kernel(3.0)": cross_correlate2d(photo, sharpen_kernel(3.0))}
fig, axes = plt.subplots(1, 4, figsize=(17, 3.9))
for ax, (name, result) in zip(axes, crops.items()):
    ax.imshow(np.clip(result[rows, cols], 0, 1), cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"{name}\nmean grey level {result.mean():.3f}", fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("A detail of the photograph: only a kernel built from identity and blur sharpens")
fig.tight_layout(rect=(0, 0, 1, 0.92))
plt.show()

# %% [markdown]
# In two or three sentences: why does the notes' "sharpen" kernel only change the brightness, and why does your
# kernel keep the brightness of flat regions while it makes edges stand out?

# %% [markdown] answer="sharpen_explained" points=2
# A kernel with a single non-zero entry $c$ at its centre multiplies every pixel by $c$: the notes' kernel is
# $2 \times$ identity, so the output is the image with every grey level doubled (and clipped to white where it
# exceeds 1), and no pixel is compared with its neighbours. The unsharp-mask kernel $(1 + \alpha)\,\text{identity} -
# \alpha\, \text{blur}$ sums to $1 + \alpha - \alpha = 1$, so on a flat region (all nine pixels equal) it returns
# the same value; near an edge the pixel differs from its neighbourhood's mean, and that difference is amplified by
# $1 + \alpha$, so the bright side gets brighter and the dark side darker.

# %% [markdown]
# ## 3. Output size, padding and stride
#
# Sliding an $f \times f$ filter over an $n \times n$ input leaves $n - f + 1$ positions per axis: the image shrinks
# at every layer, and the border pixels are visited less often than the others. **Padding** adds $p$ rows or
# columns of zeros on *each* side, and the **stride** $s$ is the step between two positions. Along one axis the
# output has
#
# $$n' = \left\lfloor \frac{n + 2p - f}{s} \right\rfloor + 1$$
#
# entries; window positions that would run past the padded input are dropped (the floor). At stride 1, the
# output keeps the input's size ("same" convolution) when $p = \frac{f - 1}{2}$, which is an integer only for odd
# $f$. A stride **fits** when nothing is dropped: when $s$ divides $n + 2p - f$, the last window ends exactly at the
# border. The handwritten notes' example: a $7 \times 7$ input with a $3 \times 3$ filter allows strides 1, 2 or 4,
# but not 3.
#
# Write `conv_output_size(n, f, pad, stride)`, `same_padding(f)` and `fitting_strides(n, f, pad)` (see their
# docstrings for the errors they raise). They return Python `int`s (and a list of them).

# %% exercise="output_size" functions=["conv_output_size", "same_padding", "fitting_strides"]

# %% check="output_size"
check("conv_output_size", conv_output_size)
check("same_padding", same_padding)
check("fitting_strides", fitting_strides)

# %%
print("n = 7, f = 3, no padding:")
for s in range(1, 5):
    n_out = conv_output_size(7, 3, 0, s)
    covered = (n_out - 1) * s + 3
    print(f"  stride {s}: {n_out} positions, the windows cover {covered} of 7 columns"
          + ("" if covered == 7 else f"  -> {7 - covered} left over"))
print("fitting strides:", fitting_strides(7, 3))
print("'same' padding for f = 3, 5, 7:", [same_padding(f) for f in (3, 5, 7)])

# %% [markdown]
# ## 4. The convolution layer
#
# In a network an image has several channels (three colours, or the feature maps of the previous layer), and each
# filter spans **all** of them: a filter is an $f \times f \times C$ block (the notes' "3D convolution"), and it
# produces one feature map. With $F$ filters the layer computes, for sample $n$ and filter $k$,
#
# $$\text{out}[n, k, i, j] = b_k + \sum_{c=0}^{C-1} \sum_{u=0}^{HH-1} \sum_{v=0}^{WW-1}
#   x_\text{pad}[n, c,\, i s + u,\, j s + v]\; w[k, c, u, v],$$
#
# a cross-correlation summed over channels, plus one bias per filter; `x_pad` is `x` with `pad` zeros on every
# side of each channel (`np.pad` with `((0, 0), (0, 0), (pad, pad), (pad, pad))`).
#
# **Backward.** Each output entry is a dot product of one window with one filter, so its upstream gradient
# $g = \text{dout}[n, k, i, j]$ flows
#
# * to the filter: `dw[k] += g * window` (the same filter is used at every position and for every sample, so its
#   gradient sums over all of them);
# * to the window: `dx_pad[n, :, window] += g * w[k]` (overlapping windows add up; at the end, cut the padding
#   off);
# * to the bias: `db[k] += g`, i.e. `dout` summed over the batch and all positions.
#
# Write the **naive** pair: loops over the output positions $(i, j)$ (and, if you like, over samples and filters)
# are fine here; the sums inside can use `np.sum` or `np.tensordot`. The cache is `(x, w, b, conv_param)`.

# %% exercise="conv_naive" functions=["conv_forward_naive", "conv_backward_naive"]

# %% check="conv_naive"
check("conv_forward_naive", conv_forward_naive)
check("conv_backward_naive", conv_backward_naive)

rng_check = np.random.default_rng(1)
x_check = rng_check.normal(size=(2, 3, 7, 6))
w_check = rng_check.normal(size=(4, 3, 3, 2))
b_check = rng_check.normal(size=4)
param_check = {"stride": 2, "pad": 1}
out_check, cache_check = conv_forward_naive(x_check, w_check, b_check, param_check)
dout_check = rng_check.normal(size=out_check.shape)
grads_check = conv_backward_naive(dout_check, cache_check)
numeric_check = {
    "dx": eval_numerical_gradient_array(lambda v: conv_forward_naive(v, w_check, b_check, param_check)[0], x_check,
                                        dout_check),
    "dw": eval_numerical_gradient_array(lambda v: conv_forward_naive(x_check, v, b_check, param_check)[0], w_check,
                                        dout_check),
    "db": eval_numerical_gradient_array(lambda v: conv_forward_naive(x_check, w_check, v, param_check)[0], b_check,
                                        dout_check),
}
print(f"out: shape {out_check.shape}")
for name, analytic in zip(("dx", "dw", "db"), grads_check):
    print(f"{name}: shape {analytic.shape}, rel. error vs numeric {rel_error(analytic, numeric_check[name]):.2e}")

# %% [markdown]
# ## 5. A fast convolution: im2col and one matrix product
#
# The loops of the naive layer run in Python, $H' W'$ times per call. The trick of every fast implementation is
# to copy each window once into a **column** of a matrix (*image to columns*): for output position $(i, j)$ of
# sample $n$, column $n H' W' + i W' + j$ holds `x_pad[n, :, i*s : i*s + HH, j*s : j*s + WW]`, flattened in the
# order of a filter, $(c, u, v)$. The matrix `cols` has $C \cdot HH \cdot WW$ rows and $N H' W'$ columns, and the
# whole layer is **one** matrix product,
#
# $$\underbrace{w_\text{row}}_{F \times C\,HH\,WW} \cdot \underbrace{\text{cols}}_{C\,HH\,WW \times N H' W'}
#   + b \;=\; \text{out}, \qquad w_\text{row} = \texttt{w.reshape(F, -1)},$$
#
# reshaped to `(F, N, H', W')` and transposed to `(N, F, H', W')`. The backward pass is two more products: with
# $G$ the upstream gradient laid out like the product, `(F, N H' W')`, we get $dw = G\, \text{cols}^\top$ and
# $d\,\text{cols} = w_\text{row}^\top G$, and `col2im` adds every column of $d\,\text{cols}$ back onto the
# window it came from (overlaps add up): it is the **adjoint** of `im2col`, $\langle \text{im2col}(x), c \rangle
# = \langle x, \text{col2im}(c) \rangle$ for all $x$ and $c$.
#
# Write `im2col` without loops over pixels (hint: `sliding_window_view(x_pad, (HH, WW), axis=(2, 3))` gives every
# window as a view; take every `stride`-th one, then `transpose` and `reshape`), `col2im` (a loop over the
# $HH \times WW$ filter entries is fine: each step adds a strided slice for the whole batch), and the fast
# forward/backward pair. The fast cache is `(x, w, b, conv_param, cols)`.

# %% exercise="conv_fast" functions=["im2col", "col2im", "conv_forward_fast", "conv_backward_fast"]

# %% check="conv_fast"
check("im2col", im2col)
check("col2im", col2im)
check("conv_forward_fast", conv_forward_fast)
check("conv_backward_fast", conv_backward_fast)

# %% [markdown]
# Both implementations on random shapes, strides and paddings (1×1 filters, one sample and non-square images among
# them): they must agree to $10^{-10}$, forward and backward; `col2im` must be the adjoint of `im2col`.

# %%
rng_agree = np.random.default_rng(2)
worst = {"out": 0.0, "dx": 0.0, "dw": 0.0, "db": 0.0, "adjoint": 0.0}
for trial in range(40):
    N_, C_, F_ = rng_agree.integers(1, 4, size=3)
    HH_, WW_ = rng_agree.integers(1, 5, size=2)
    param = {"stride": int(rng_agree.integers(1, 4)), "pad": int(rng_agree.integers(0, 3))}
    H_ = int(rng_agree.integers(max(1, HH_ - 2 * param["pad"]), 10))
    W_ = int(rng_agree.integers(max(1, WW_ - 2 * param["pad"]), 10))
    x_ = rng_agree.normal(size=(N_, C_, H_, W_))
    w_ = rng_agree.normal(size=(F_, C_, HH_, WW_))
    b_ = rng_agree.normal(size=F_)
    slow, slow_cache = conv_forward_naive(x_, w_, b_, param)
    fast, fast_cache = conv_forward_fast(x_, w_, b_, param)
    dout_ = rng_agree.normal(size=slow.shape)
    worst["out"] = max(worst["out"], np.abs(slow - fast).max())
    for name, g_slow, g_fast in zip(("dx", "dw", "db"), conv_backward_naive(dout_, slow_cache),
                                    conv_backward_fast(dout_, fast_cache)):
        worst[name] = max(worst[name], np.abs(g_slow - g_fast).max())
    columns = im2col(x_, HH_, WW_, param)
    other = rng_agree.normal(size=columns.shape)
    adjoint_gap = np.sum(columns * other) - np.sum(x_ * col2im(other, x_.shape, HH_, WW_, param))
    worst["adjoint"] = max(worst["adjoint"], abs(adjoint_gap))
for name, value in worst.items():
    print(f"largest difference naive vs fast, {name:>7}: {value:.1e}")
assert max(worst.values()) < 1e-10

# %% [markdown]
# How much faster is it? Time both on a CIFAR-sized layer in a cell of your own, e.g. `%timeit
# conv_forward_fast(x, w, b, {"stride": 1, "pad": 1})` for `x` of shape `(64, 3, 32, 32)` and `w` of shape
# `(16, 3, 3, 3)`. `benchmarks/conv_speed.py` in the course repository compares the reference's naive and fast
# layers with PyTorch's `conv2d`: the im2col version is hundreds of times faster than the loops, and within a small
# factor of PyTorch.
#
# ## 6. Pooling
#
# A **pooling** layer summarises every window of each feature map by one number, channel by channel, and has no
# parameters: **max pooling** keeps the largest value, **average pooling** the mean. With windows of
# $ph \times pw$ and stride $s$ (no padding), the output has $\lfloor (H - ph)/s \rfloor + 1$ rows. The usual
# $2 \times 2$ pooling with stride 2 halves the height and the width; a small shift of the input often leaves
# the maxima, and so the output, unchanged.
#
# **Backward.** Average pooling shares each window's gradient equally: every entry of the window receives
# $\text{dout} / (ph \cdot pw)$. Max pooling is, inside each window, a selection: the gradient goes to the
# entry that was the maximum and to no other (if several entries tie, to the first in row-major order, as
# `np.argmax` of the flattened window and PyTorch do). Where windows overlap ($s < ph$), gradients add up.
# The cache of every pooling function is `(x, pool_param)`.
#
# Write the naive pairs (loops over output positions).

# %% exercise="max_pool" functions=["max_pool_forward_naive", "max_pool_backward_naive"]

# %% check="max_pool"
check("max_pool_forward_naive", max_pool_forward_naive)
check("max_pool_backward_naive", max_pool_backward_naive)

# %% exercise="avg_pool" functions=["avg_pool_forward_naive", "avg_pool_backward_naive"]

# %% check="avg_pool"
check("avg_pool_forward_naive", avg_pool_forward_naive)
check("avg_pool_backward_naive", avg_pool_backward_naive)
for forward, backward in ((max_pool_forward_naive, max_pool_backward_naive),
                          (avg_pool_forward_naive, avg_pool_backward_naive)):
    x_pool = np.random.default_rng(3).permutation(2 * 2 * 5 * 7).reshape(2, 2, 5, 7) / 10.0  # distinct values
    param = {"pool_height": 3, "pool_width": 2, "stride": 2}
    out_pool, cache_pool = forward(x_pool, param)
    dout_pool = np.random.default_rng(4).normal(size=out_pool.shape)
    numeric = eval_numerical_gradient_array(lambda v: forward(v, param)[0], x_pool.copy(), dout_pool)
    print(f"{backward.__name__}: rel. error vs numeric {rel_error(backward(dout_pool, cache_pool), numeric):.2e}")

# %% [markdown]
# **A fast path.** When the windows **tile** the input (stride = pool height = pool width, and the pool size
# divides $H$ and $W$), pooling needs no loop at all: `x.reshape(N, C, H // p, p, W // p, p)` puts each window on
# two axes of its own, and the maximum (or mean) over those two axes is the output. Write the four fast functions:
# they take the reshape path when `pool_windows_tile` (given) says so, and fall back on your naive functions
# otherwise. For the max-pool gradient, the mask of each window's first maximum can be built from `np.argmax`
# over the window's entries, after a `transpose` that puts them next to each other.

# %% provided=["pool_windows_tile"]

# %% exercise="fast_pool" functions=["max_pool_forward_fast", "max_pool_backward_fast", "avg_pool_forward_fast", "avg_pool_backward_fast"]

# %% check="fast_pool"
check("max_pool_forward_fast", max_pool_forward_fast)
check("max_pool_backward_fast", max_pool_backward_fast)
check("avg_pool_forward_fast", avg_pool_forward_fast)
check("avg_pool_backward_fast", avg_pool_backward_fast)

# %% [markdown]
# $4 \times 4$ max and average pooling of the photograph (cropped to a multiple of 4, so that the windows tile it):
# 16 times fewer numbers, and still recognisable.

# %%
tile = 4
crop = photo[None, None, : photo.shape[0] // tile * tile, : photo.shape[1] // tile * tile]
pool4 = {"pool_height": tile, "pool_width": tile, "stride": tile}
fig, axes = plt.subplots(1, 3, figsize=(16, 4.2))
pictures = [("the photograph", crop), ("max pooling 4 × 4", max_pool_forward_fast(crop, pool4)[0]),
            ("average pooling 4 × 4", avg_pool_forward_fast(crop, pool4)[0])]
for ax, (name, picture) in zip(axes, pictures):
    ax.imshow(picture[0, 0], cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"{name}: {picture.shape[2]} × {picture.shape[3]}")
    ax.set_xlabel("column")
    ax.set_ylabel("row")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 7. Max unpooling
#
# Decoders and segmentation networks have to go back up in size. **Unpooling** (the notes' 3.4.2) recreates the
# size before pooling and puts each pooled value back **where its maximum was**; every other entry is 0. To do
# that, max pooling remembers the positions of its maxima, the **switches**: for each window, the flat index
# $h \cdot W + w$ of its (first) maximum inside the channel's $H \times W$ plane (PyTorch's convention for
# `max_pool2d(..., return_indices=True)`).
#
# * `max_pool_switches(x, pool_param)` returns the switches, an integer array of the pooled shape;
# * `max_unpool_forward(x, switches, (H, W))` scatters: `out[n, c].flat[switches[n, c, i, j]] = x[n, c, i, j]`;
#   its cache is `switches`;
# * `max_unpool_backward(dout, switches)` gathers: the gradient of each input value is `dout` at its switch.
#
# (`np.take_along_axis` and `np.put_along_axis` on arrays reshaped to `(N, C, H * W)` do the gathering and the
# scattering; a loop over windows is fine too.)

# %% exercise="unpool" functions=["max_pool_switches", "max_unpool_forward", "max_unpool_backward"]

# %% check="unpool"
check("max_pool_switches", max_pool_switches)
check("max_unpool_forward", max_unpool_forward)
check("max_unpool_backward", max_unpool_backward)

# %% [markdown]
# The notes' picture of max pooling followed by unpooling, on a $4 \times 4$ example: each $2 \times 2$ window's
# maximum returns to its place.

# %%
example = np.array([[1.0, 3.0, 2.0, 1.0], [4.0, 2.0, 1.0, 5.0], [3.0, 1.0, 6.0, 2.0], [1.0, 2.0, 0.0, 4.0]])[None, None]
pool2 = {"pool_height": 2, "pool_width": 2, "stride": 2}
pooled_example, _ = max_pool_forward_fast(example, pool2)
switches_example = max_pool_switches(example, pool2)
restored_example, _ = max_unpool_forward(pooled_example, switches_example, (4, 4))
fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
for ax, (name, grid) in zip(axes, [("input", example), ("max pool 2 × 2", pooled_example),
                                   ("unpooled with the switches", restored_example)]):
    values = grid[0, 0]
    ax.imshow(values, cmap="Blues", vmin=0, vmax=7)
    for (r, c), value in np.ndenumerate(values):
        ax.text(c, r, f"{value:g}", ha="center", va="center", fontsize=14)
    ax.set_xticks(range(values.shape[1]))
    ax.set_yticks(range(values.shape[0]))
    ax.set_title(name)
fig.tight_layout()
plt.show()
print("switches (flat indices into the 4 x 4 plane):\n", switches_example[0, 0])

# %% [markdown]
# ## 8. Counting parameters and activations
#
# A convolution layer with $F$ filters of $f \times f$ on an input with $C$ channels has $(f \cdot f \cdot C + 1)
# \cdot F$ parameters: the filter weights and one bias per filter, **whatever the image size**. A fully connected
# layer from $D$ inputs to $M$ outputs has $D M + M$. Pooling has none.
#
# Write `count_parameters(input_shape, layers)`: for every layer the shape and size of its output activation,
# its number of parameters, and, beside it, the parameters a **fully connected** layer would need to map the same
# input size to the same output size, $(D_\text{in} + 1) \cdot D_\text{out}$ (0 for pooling). Shapes are
# `(C, H, W)` after convolution and pooling, `(M,)` after a fully connected layer (which flattens its input).

# %% exercise="counting" functions=["count_parameters"]

# %% check="counting"
check("count_parameters", count_parameters)

# %% [markdown]
# The notes' LeNet-like network on a $32 \times 32 \times 3$ image (the notes write shapes as
# $(H, W, C)$; so does this table):

# %%
LENET = [("CONV1 (f=5, s=1)", {"type": "conv", "filters": 8, "size": 5, "stride": 1}),
         ("POOL1", {"type": "pool", "size": 2, "stride": 2}),
         ("CONV2 (f=5, s=1)", {"type": "conv", "filters": 16, "size": 5, "stride": 1}),
         ("POOL2", {"type": "pool", "size": 2, "stride": 2}),
         ("FC3", {"type": "fc", "units": 120}),
         ("FC4", {"type": "fc", "units": 84}),
         ("Softmax", {"type": "fc", "units": 10})]
table = count_parameters((3, 32, 32), [layer for _, layer in LENET])


def notes_shape(shape):
    return f"({shape[1]}, {shape[2]}, {shape[0]})" if len(shape) == 3 else f"({shape[0]}, 1)"


print(f"{'':4}{'layer':<18}{'activation shape':>17}{'activation size':>17}{'# parameters':>14}"
      f"{'fully connected':>17}")
print(f"{1:<4}{'Input Layer':<18}{'(32, 32, 3)':>17}{3072:>17,}{0:>14,}{0:>17,}")
for number, ((name, _), shape, size, params, dense) in enumerate(
        zip(LENET, table["shapes"], table["sizes"], table["params"], table["dense_params"]), start=2):
    print(f"{number:<4}{name:<18}{notes_shape(shape):>17}{size:>17,}{params:>14,}{dense:>17,}")
print(f"{'':4}{'total':<18}{'':>17}{'':>17}{sum(table['params']):>14,}{sum(table['dense_params']):>17,}")

# %% [markdown]
# The two convolution layers hold 3,824 of the 62,958 parameters; fully connected layers with the same
# activation sizes would need almost 22 million. The handwritten notes make the same point: 100 filters of
# $4 \times 4 \times 3$ on a $32 \times 32 \times 3$ image,

# %%
handwritten = count_parameters((3, 32, 32), [{"type": "conv", "filters": 100, "size": 4}])
print(f"activation {handwritten['shapes'][0]} = {handwritten['sizes'][0]:,} numbers from "
      f"{handwritten['params'][0]:,} parameters")
dense_500 = count_parameters((3, 32, 32), [{"type": "fc", "units": 500}])["params"][0]
print(f"a fully connected layer 3072 -> 500 already needs {dense_500:,}")

# %% [markdown]
# ## 9. A convolutional network on handwritten digits
#
# Time to stack the layers. The network is
#
# $$\text{conv} \to \text{ReLU} \to \text{max pool} \to \text{conv} \to \text{ReLU} \to \text{max pool} \to
#   \text{affine} \to \text{ReLU} \to \text{affine} \to \text{softmax},$$
#
# with $3 \times 3$ "same" convolutions (stride 1, padding 1) and $2 \times 2$ pooling with stride 2: an
# $8 \times 8$ digit becomes $F_1$ maps of $8 \times 8$, then $4 \times 4$, then $F_2$ maps of $4 \times 4$,
# then $2 \times 2$, which the affine layers classify. The affine and ReLU layers and the softmax loss are given:
# they were your exercises in Labs 3 and 4.

# %% provided=["solutions.layers:affine_forward", "solutions.layers:affine_backward", "solutions.layers:relu_forward", "solutions.layers:relu_backward", "solutions.softmax:softmax_loss"]

# %% [markdown]
# Write `ConvNet.loss` with your `conv_forward_fast` and `max_pool_forward_fast` (and their backward passes):
# the forward pass keeping every cache, then, if labels are given, the softmax loss, the backward pass in reverse
# order, and L2 regularisation of the four weight arrays. The constructor, `predict` and `convnet_loss` (how the
# grader calls your network) are given.

# %% exercise="cnn" functions=["ConvNet", "convnet_loss"]

# %% check="cnn"
check("convnet_loss", convnet_loss)

# %% [markdown]
# **Training.** Lab 7 comes with its own small trainer (given code, not an exercise, so that this lab does not
# depend on the optimizers of Lab 5): mini-batch SGD with momentum, $v \leftarrow \mu v - \eta\, \nabla_\theta L$,
# $\theta \leftarrow \theta + v$, with the learning rate $\eta$ multiplied by `lr_decay` after every epoch.

# %% provided=["train_convnet"]

# %% [markdown]
# The digits become images of shape `(1, 8, 8)`, standardised with the mean and standard deviation of the
# training pixels; a tenth of the training set is held out for validation. With 16 and 32 filters, training
# takes a few seconds.

# %%
X_train_all, y_train_all, X_test, y_test = load_digits(test_fraction=0.25, seed=0)
mean, std = X_train_all.mean(), X_train_all.std()
X_train_all = ((X_train_all - mean) / std).reshape(-1, 1, 8, 8)
X_test = ((X_test - mean) / std).reshape(-1, 1, 8, 8)
order = np.random.default_rng(7).permutation(len(y_train_all))
n_val = len(order) // 10
X_val, y_val = X_train_all[order[:n_val]], y_train_all[order[:n_val]]
X_train, y_train = X_train_all[order[n_val:]], y_train_all[order[n_val:]]
print(f"train {X_train.shape}, validation {X_val.shape}, test {X_test.shape}")

digit_net = ConvNet(input_shape=(1, 8, 8), num_filters=(16, 32), filter_size=3, hidden=64, reg=3e-3, rng=0)
history = train_convnet(digit_net, X_train, y_train, X_val, y_val, lr=0.01, momentum=0.9, lr_decay=0.9, epochs=30,
                        batch_size=32, rng=0, progress=True)
test_accuracy = np.mean(digit_net.predict(X_test) == y_test)
print(f"validation accuracy after the last epoch: {history['val_acc'][-1]:.1%}")
print(f"test accuracy: {test_accuracy:.1%}")
assert test_accuracy >= 0.97, "below 97 %: check your layers' gradients first (the self-checks above)"

# %%
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(13, 4))
plot_curves({"minibatch loss": history["loss"]}, xlabel="SGD step", ylabel="loss", logy=True,
            title="Training loss", ax=ax_loss)
epochs = range(1, len(history["val_acc"]) + 1)
ax_acc.plot(epochs, history["train_acc"], marker=".", label="train")
ax_acc.plot(epochs, history["val_acc"], marker=".", label="validation")
ax_acc.axhline(0.97, color="grey", linestyle=":", label="97 %")
ax_acc.set_ylim(0.8, 1.005)
ax_acc.set_xlabel("epoch")
ax_acc.set_ylabel("accuracy")
ax_acc.set_title("Accuracy after each epoch")
ax_acc.legend()
plt.show()

# %% [markdown]
# **What did the first layer learn?** Each of the 16 filters is a $3 \times 3$ pattern of weights (red positive,
# blue negative, on one scale for all of them). Many look like the notes' edge and blur kernels, in various
# orientations.

# %%
filters = digit_net.params["W1"][:, 0]
limit = np.abs(filters).max()
fig, axes = plt.subplots(2, 8, figsize=(13, 3.8))
for k, ax in enumerate(axes.flat):
    shown = ax.imshow(filters[k], cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"filter {k}", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
fig.colorbar(shown, ax=axes, fraction=0.02, label="weight")
fig.suptitle("The 16 learned 3 × 3 filters of the first convolution layer")
plt.show()

# %% [markdown]
# **Feature maps.** One test digit on its way through the network: the 16 maps after the first convolution and
# ReLU ($8 \times 8$), after the first pooling ($4 \times 4$), and the first 16 of the 32 maps after the second
# convolution and ReLU ($4 \times 4$). Bright means a strong response.

# %%
digit = X_test[:1]
conv1 = {"stride": 1, "pad": 1}
maps1 = np.maximum(conv_forward_fast(digit, digit_net.params["W1"], digit_net.params["b1"], conv1)[0], 0)
pooled1 = max_pool_forward_fast(maps1, pool2)[0]
maps2 = np.maximum(conv_forward_fast(pooled1, digit_net.params["W2"], digit_net.params["b2"], conv1)[0], 0)
stages = [("conv1 + ReLU, 8 × 8", maps1[0]), ("pool1, 4 × 4", pooled1[0]), ("conv2 + ReLU, 4 × 4", maps2[0, :16])]

fig = plt.figure(figsize=(15, 6.6))
grid = fig.add_gridspec(4, 1 + 3 * 4, width_ratios=[2.2] + [1] * 12, wspace=0.15, hspace=0.35)
ax_digit = fig.add_subplot(grid[1:3, 0])
ax_digit.imshow(digit[0, 0], cmap="gray_r")
ax_digit.set_title(f"a test digit\nlabel {y_test[0]}\npredicted {digit_net.predict(digit)[0]}", fontsize=10)
ax_digit.axis("off")
for s, (name, maps) in enumerate(stages):
    top = maps.max()
    for k in range(16):
        ax = fig.add_subplot(grid[k // 4, 1 + 4 * s + k % 4])
        ax.imshow(maps[k], cmap="magma", vmin=0, vmax=top)
        ax.set_xticks([])
        ax.set_yticks([])
        if k == 1:
            ax.set_title(name, fontsize=11, loc="left")
fig.suptitle("Feature maps of one digit, layer by layer (one colour scale per stage)")
plt.show()

# %% [markdown]
# Finally, some test digits the network gets wrong, each titled true label → the network's guess:

# %%
predicted = digit_net.predict(X_test)
wrong = np.flatnonzero(predicted != y_test)[:10]
fig, axes = plt.subplots(1, max(len(wrong), 1), figsize=(1.4 * max(len(wrong), 1), 1.9), squeeze=False)
for ax, index in zip(axes[0], wrong):
    ax.imshow(X_test[index, 0], cmap="gray_r")
    ax.set_title(f"{y_test[index]} → {predicted[index]}", fontsize=10)
for ax in axes[0]:
    ax.axis("off")
plt.show()

# %% [markdown]
# Lab 4's MLP reached about 95–97 % on the same digits with 64 · 100 + 100 · 10 weights. Why can this network,
# whose convolution layers have far fewer weights (160 and 4,640), do better? Name the two properties of a
# convolution layer that the notes give, and say what each one buys on images.

# %% [markdown] answer="why_convolution" points=2
# **Parameter sharing**: one filter is applied at every position, so a stroke detector learned in one place works
# everywhere (the layer is translation-equivariant) and needs its 9 weights once instead of once per position;
# fewer parameters to fit from 1,200 training digits means less overfitting. **Sparse (local) connectivity**: each
# output depends only on a small window, which matches images, where nearby pixels belong together (strokes,
# corners); deeper layers and pooling then see larger receptive fields and combine local features, and pooling
# adds some tolerance to small shifts of the digit. The MLP has to learn every pattern at every position
# separately from the same data.
