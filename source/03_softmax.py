# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 3 — The softmax classifier
#
# A linear classifier gives each of the $C$ classes a **score**
# $a_c(\mathbf{x}) = \mathbf{w}_c^\top \mathbf{x} + b_c$. Scores are hard to read: is 3.1 a lot? The **softmax**
# turns the $C$ scores of a sample into probabilities, and the classifier is then trained by maximum likelihood:
# make the probability of the true class as large as possible, i.e. minimise the **cross-entropy**
# $-\log p_y$ averaged over the training set. The same softmax + cross-entropy sits at the end of almost every
# network that classifies images, so this lab builds the piece you will reuse in every later one.
#
# You will
# 1. encode labels as one-hot vectors;
# 2. write a softmax that does not overflow, and its Jacobian;
# 3. write the cross-entropy, then the fused softmax loss and its gradient with respect to the scores;
# 4. write the loss and gradients of a linear classifier with L2 regularisation and check them numerically;
# 5. train it with mini-batch SGD on real handwritten digits, and look at what it has learned.
#
# **Notation.** $N$ samples (the lecture's $m$), $D$ features, $C$ classes. A batch is a matrix $X$ of shape
# `(N, D)` (one sample per row), the weights are $W$ of shape `(D, C)` (column $c$ is $\mathbf{w}_c$), the biases
# $\mathbf{b}$ of shape `(C,)`, so all the scores of a batch are one matrix product, $A = XW + \mathbf{b}$, of shape
# `(N, C)`. Labels are integers $y^{(i)} \in \{0, \dots, C-1\}$.
#
# Fill in every cell marked `# YOUR CODE HERE` (delete the `raise NotImplementedError()` line) and run the
# self-check cell below it. The self-checks are small public tests; your notebook is graded by other tests on
# random inputs (with $N = 1$, extra dimensions and extreme values among them), so make your functions correct,
# not just the examples. No Python loops over samples: everything here is a few lines of vectorised NumPy.

# %%
import numpy as np
import matplotlib.pyplot as plt

from labkit import check, eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from labkit.data import load_digits
from labkit.plotting import plot_curves

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. One-hot encoding
#
# A label $y \in \{0, \dots, C-1\}$ is a category, not a quantity: class 7 is not "more" than class 2. The
# **one-hot** encoding writes it as a vector of $C$ zeros with a single 1 at position $y$. For $C = 4$, the labels
# $[3, 0, 2]$ become the rows
#
# $$\begin{bmatrix} 0 & 0 & 0 & 1 \\ 1 & 0 & 0 & 0 \\ 0 & 0 & 1 & 0 \end{bmatrix}.$$
#
# With one-hot targets $Y$, "the probability of the true class" is just $\sum_c Y_{ic}\, p_{ic}$.
# Write `one_hot` without a loop (hint: index a zero matrix with two integer arrays at once).

# %% exercise="one_hot" functions=["one_hot"]

# %% check="one_hot"
check("one_hot", one_hot)
print(one_hot(np.array([3, 0, 2]), 4))

# %% [markdown]
# ## 2. The softmax, made stable
#
# For one score vector $\mathbf{z} \in \mathbb{R}^C$,
#
# $$\operatorname{softmax}(\mathbf{z})_j = \frac{e^{z_j}}{\sum_{k=1}^{C} e^{z_k}}, \qquad j = 1, \dots, C.$$
#
# Every output lies in $(0, 1)$ and they sum to 1; the largest score gets the largest probability.
#
# Computed literally this formula breaks: `np.exp(1000.0)` is `inf` in float64 (anything above about 709
# overflows), and `inf / inf` is `nan`. Very negative scores are no better: if every $e^{z_k}$ underflows to 0
# we divide 0 by 0. The way out is an identity: adding the same constant $c$ to every score changes nothing,
#
# $$\frac{e^{z_j + c}}{\sum_k e^{z_k + c}} = \frac{e^{c}\, e^{z_j}}{e^{c} \sum_k e^{z_k}} =
# \operatorname{softmax}(\mathbf{z})_j .$$
#
# Choose $c = -\max_k z_k$. Then the largest exponent is $e^0 = 1$: nothing overflows, and the denominator is at
# least 1, so nothing is divided by zero.
#
# Your `softmax` must work on any array whose **last** axis holds the scores: one vector `(C,)`, a batch `(N, C)`,
# or more leading dimensions such as `(N, T, C)`. `keepdims=True` in `np.max` and `np.sum` keeps the shapes
# broadcastable.

# %% exercise="softmax" functions=["softmax"]

# %% check="softmax"
check("softmax", softmax)

z = np.array([1e4, -1e4, 0.0])
with np.errstate(over="ignore", invalid="ignore"):
    naive = np.exp(z) / np.sum(np.exp(z))
print("naive softmax of [1e4, -1e4, 0]: ", naive)
print("stable softmax of [1e4, -1e4, 0]:", softmax(z))

# %% [markdown]
# The softmax is a "soft" arg-max. Scaling the scores up makes it sharper (all the mass goes to the largest score),
# scaling them down makes it flatter (towards the uniform distribution $1/C$):

# %%
z = np.array([1.0, 2.0, 0.5, 3.0])
temperatures = [0.25, 1.0, 4.0]
fig, axes = plt.subplots(1, len(temperatures), figsize=(10, 2.8), sharey=True)
for ax, t in zip(axes, temperatures):
    ax.bar(np.arange(len(z)), softmax(z / t))
    ax.set_title(f"softmax(z / {t:g})")
    ax.set_xticks(np.arange(len(z)))
    ax.set_xlabel("class")
axes[0].set_ylabel("probability")
fig.suptitle("z = [1, 2, 0.5, 3]")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 3. The Jacobian of the softmax
#
# Every output $s_i = \operatorname{softmax}(\mathbf{z})_i$ depends on every score $z_j$, through the denominator.
# The quotient rule gives
#
# $$\frac{\partial s_i}{\partial z_j} = \begin{cases} s_i (1 - s_i) & i = j \\ -s_i s_j & i \neq j \end{cases}
# \qquad\text{i.e.}\qquad J = \operatorname{diag}(\mathbf{s}) - \mathbf{s}\mathbf{s}^\top,$$
#
# a symmetric $C \times C$ matrix written entirely in terms of the softmax **output** $\mathbf{s}$. Its rows sum to
# zero: the outputs always sum to 1, so no change of the scores can change their total. Write `softmax_jacobian`,
# which receives $\mathbf{s}$ (not $\mathbf{z}$).

# %% exercise="softmax_jacobian" functions=["softmax_jacobian"]

# %% check="softmax_jacobian"
check("softmax_jacobian", softmax_jacobian)

# Row i of the Jacobian is the gradient of s_i with respect to z; measure it by central differences.
z = np.array([0.5, -1.0, 2.0, 0.0])
J = softmax_jacobian(softmax(z))
J_numeric = np.stack([eval_numerical_gradient_array(softmax, z.copy(), np.eye(4)[i]) for i in range(4)])
print(J)
print("rel. error against the numeric Jacobian:", rel_error(J, J_numeric))
print("row sums:", J.sum(axis=1))

# %% [markdown]
# ## 4. Cross-entropy
#
# The softmax classifier says $P(y = c \mid \mathbf{x}, \theta) = \operatorname{softmax}(\mathbf{a}(\mathbf{x}))_c$.
# Maximum likelihood on $N$ independent samples maximises $\prod_i p_{i, y^{(i)}}$; taking $-\frac{1}{N}\log$ of
# it turns the product into the mean **categorical cross-entropy**
#
# $$L = -\frac{1}{N} \sum_{i=1}^{N} \sum_{c=1}^{C} Y_{ic} \log p_{ic} = -\frac{1}{N} \sum_{i=1}^{N} \log p_{i, y^{(i)}}.$$
#
# Only the probability of the true class counts. A confident right answer ($p \to 1$) costs almost nothing; a
# confident wrong one ($p \to 0$) costs a lot, and $p = 0$ exactly would cost $+\infty$. `cross_entropy` therefore
# clips the true-class probability from below at a small `eps` before taking the logarithm. Write it for a batch of
# probability vectors and return the mean as a Python `float`.

# %% exercise="cross_entropy" functions=["cross_entropy"]

# %% check="cross_entropy"
check("cross_entropy", cross_entropy)

p_true = np.linspace(0.01, 1.0, 200)
plt.figure(figsize=(5, 3.2))
plt.plot(p_true, [cross_entropy(np.array([[p, 1 - p]]), np.array([0])) for p in p_true])
plt.xlabel("probability given to the true class")
plt.ylabel("loss  −log p")
plt.title("The cross-entropy of one sample")
plt.show()

# %% [markdown]
# ## 5. Softmax and cross-entropy in one piece
#
# In a classifier the softmax is always followed by the cross-entropy, and the pair is far better computed as one
# function of the scores. With $m_i = \max_k a_{ik}$,
#
# $$-\log p_{i, y^{(i)}} = \log \sum_{k} e^{a_{ik}} - a_{i, y^{(i)}}
# = m_i + \log \sum_{k} e^{a_{ik} - m_i} - a_{i, y^{(i)}}$$
#
# (the **log-sum-exp** trick: no probability is ever rounded to 0, so nothing needs clipping). Its gradient is
# remarkably simple. Chaining $\partial(-\log s_y)/\partial s_i$ with the Jacobian of section 3 gives, for one
# sample, $\partial L / \partial \mathbf{a} = \mathbf{s} - \mathbf{e}_y$; averaged over the batch,
#
# $$\frac{\partial L}{\partial A} = \frac{1}{N}\,\bigl(P - Y\bigr),$$
#
# where $P$ holds the softmax probabilities and $Y$ the one-hot labels. Don't forget the $\frac{1}{N}$: the loss is
# a mean, so each sample's share of the gradient is divided by $N$ too.
#
# Write `softmax_loss(scores, y) -> (loss, dscores)`; it must stay finite for scores like $\pm 10^4$.

# %% exercise="softmax_loss" functions=["softmax_loss"]

# %% check="softmax_loss"
check("softmax_loss", softmax_loss)

rng = np.random.default_rng(0)
scores = rng.normal(size=(5, 4))
labels = rng.integers(0, 4, size=5)
loss, dscores = softmax_loss(scores, labels)
dscores_numeric = eval_numerical_gradient(lambda s: softmax_loss(s, labels)[0], scores)
print(f"loss = {loss:.6f}; the same from section 4: {cross_entropy(softmax(scores), labels):.6f}")
print("dscores: rel. error against the numeric gradient:", rel_error(dscores, dscores_numeric))

# The chain rule through the Jacobian of section 3 gives the same gradient for one sample:
s = softmax(scores[0])
print("via the Jacobian, -J[y] / s_y: ", -softmax_jacobian(s)[labels[0]] / s[labels[0]])
print("softmax_loss (N = 1):          ", softmax_loss(scores[:1], labels[:1])[1][0])

# %% [markdown]
# ## 6. A linear softmax classifier
#
# Now the scores come from the classifier, $A = XW + \mathbf{b}$, and we add an **L2 penalty** that keeps the
# weights small:
#
# $$L(W, \mathbf{b}) = \underbrace{-\frac{1}{N} \sum_{i} \log \operatorname{softmax}(A_{i,:})_{y^{(i)}}}_{\text{data
# loss}} \; + \; \lambda \sum_{d, c} W_{dc}^2 .$$
#
# (This lab uses $\lambda \lVert W \rVert^2$ without a factor $\tfrac12$, and does **not** regularise the bias: a
# bias only shifts a score and cannot overfit to individual pixels.) With $\frac{\partial L}{\partial A}$ from
# `softmax_loss`, the chain rule through $A = XW + \mathbf{b}$ gives
#
# $$\frac{\partial L}{\partial W} = X^\top \frac{\partial L}{\partial A} + 2\lambda W, \qquad
# \frac{\partial L}{\partial \mathbf{b}} = \sum_{i=1}^{N} \Bigl(\frac{\partial L}{\partial A}\Bigr)_{i,:}.$$
#
# Check the shapes: $X^\top$ is `(D, N)` and $\partial L / \partial A$ is `(N, C)`, so the product is `(D, C)`
# like $W$. Write `linear_softmax_loss(W, b, X, y, reg) -> (loss, dW, db)` using your `softmax_loss`.

# %% exercise="linear_softmax_loss" functions=["linear_softmax_loss"]

# %% check="linear_softmax_loss"
check("linear_softmax_loss", linear_softmax_loss);

# %% [markdown]
# ### Analytic against numeric gradients
#
# The public check above is one small case. The real test of a gradient is to compare it with central differences
# $\frac{L(\theta + h) - L(\theta - h)}{2h}$, $h = 10^{-5}$, one parameter at a time, on random data. A relative
# error around $10^{-7}$ or below means the two agree; $10^{-2}$ or more almost always means a bug. Run the check
# with and without regularisation (a bug in the $\lambda$ term hides when $\lambda = 0$).

# %%
rng = np.random.default_rng(1)
N, D, C = 6, 5, 4
X_small = rng.normal(size=(N, D))
y_small = rng.integers(0, C, size=N)
W0 = 0.5 * rng.normal(size=(D, C))
b0 = rng.normal(size=C)

report = []
for reg in (0.0, 0.1):
    loss, dW, db = linear_softmax_loss(W0, b0, X_small, y_small, reg)
    dW_numeric = eval_numerical_gradient(lambda W: linear_softmax_loss(W, b0, X_small, y_small, reg)[0], W0.copy())
    db_numeric = eval_numerical_gradient(lambda b: linear_softmax_loss(W0, b, X_small, y_small, reg)[0], b0.copy())
    report.append(f"reg = {reg}: loss = {loss:.6f}   dW rel. error {rel_error(dW, dW_numeric):.2e}"
                  f"   db rel. error {rel_error(db, db_numeric):.2e}")
print("\n".join(report))

# %% [markdown]
# Why not always use the numeric gradient, then? It costs two evaluations of the whole loss **per parameter**.
# For the digits classifier below ($D = 64$ pixels, $C = 10$ classes) that is $2 \cdot (640 + 10) = 1300$ passes
# over the data for one gradient, where the analytic formula needs one. A network with millions of weights makes
# the difference decisive. Numeric gradients are for checking, analytic ones for training.
#
# ## 7. Predictions
#
# The predicted class is the one with the highest score. The softmax is increasing, so the highest score and the
# highest probability pick the same class, and predicting needs no softmax at all. Ties go to the smallest class
# index, as with `np.argmax`.

# %% exercise="linear_predict" functions=["linear_predict"]

# %% check="linear_predict"
check("linear_predict", linear_predict);

# %% [markdown]
# ## 8. Training on handwritten digits
#
# Time for real images: scikit-learn's 1,797 handwritten digits, 8×8 grey-scale pictures flattened to $D = 64$
# features in $[0, 1]$, all ten classes. A quarter is held out as a test set.
#
# The training loop below is given. It starts from small random weights and runs **mini-batch SGD**: every epoch
# shuffles the training set, cuts it into batches of `batch_size` samples, and after each batch takes the step
# $W \leftarrow W - \eta\, \partial L / \partial W$, $\mathbf{b} \leftarrow \mathbf{b} - \eta\, \partial L /
# \partial \mathbf{b}$ with the gradients of **your** `linear_softmax_loss`.

# %% provided=["train_softmax_classifier"]

# %%
X_train, y_train, X_test, y_test = load_digits()
print("train:", X_train.shape, " test:", X_test.shape, " classes:", np.unique(y_train))

fig, axes = plt.subplots(1, 10, figsize=(10, 1.4))
for digit, ax in enumerate(axes):
    ax.imshow(X_train[y_train == digit][0].reshape(8, 8), cmap="gray_r")
    ax.set_title(str(digit))
    ax.axis("off")
plt.show()

# %% [markdown]
# Before training, the weights are tiny, every class gets probability about $1/10$, and the loss should be close to
# $\log 10 \approx 2.303$. This is a quick sanity check worth doing before any training run.

# %%
W_init = 0.001 * np.random.default_rng(0).normal(size=(64, 10))
print(f"initial loss {linear_softmax_loss(W_init, np.zeros(10), X_train, y_train, 0.0)[0]:.4f}"
      f"   log(10) = {np.log(10):.4f}")

# %%
W, b, history = train_softmax_classifier(X_train, y_train, num_classes=10, lr=0.1, reg=1e-3, epochs=30,
                                         batch_size=32, rng=0, progress=True, X_val=X_test, y_val=y_test)
test_accuracy = np.mean(linear_predict(W, b, X_test) == y_test)
train_accuracy = np.mean(linear_predict(W, b, X_train) == y_train)
print(f"train accuracy {train_accuracy:.1%}, test accuracy {test_accuracy:.1%}")

fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 3.8))
plot_curves({"training loss": history["loss"]}, xlabel="epoch", ylabel="mean mini-batch loss",
            title="Loss during training", ax=ax_loss)
plot_curves({"test accuracy": history["val_acc"]}, xlabel="epoch", ylabel="accuracy",
            title="Test accuracy after each epoch", ax=ax_acc)
fig.tight_layout()
plt.show()

# %% [markdown]
# ### What did it learn?
#
# Column $c$ of $W$ holds one weight per pixel, so it can be shown as an 8×8 image: the score of class $c$ is the
# sum of the pixels weighted by this image (plus $b_c$). Red pixels raise the score of the class when they are
# inked, blue pixels lower it.

# %%
limit = np.abs(W).max()
fig, axes = plt.subplots(2, 5, figsize=(10, 4.4))
for digit, ax in enumerate(axes.flat):
    image = ax.imshow(W[:, digit].reshape(8, 8), cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"class {digit}")
    ax.axis("off")
fig.colorbar(image, ax=axes, shrink=0.8, label="weight")
fig.suptitle("The learned weights W[:, c] as 8×8 images")
plt.show()

# %% [markdown]
# **What do you see?** Describe the weight images in two or three sentences in the cell below. What does the
# classifier compare each digit with, and why can a linear classifier keep only one such picture per class?

# %% [markdown] answer="weight_images" points=2
# *Model answer.* Each weight image looks like a blurred template of its digit: the strokes where that digit is
# usually written are red, and the places where other, easily confused digits have ink (e.g. the middle of a 0)
# are blue. The score $\mathbf{w}_c^\top \mathbf{x}$ is a dot product, so the classifier measures how well a digit
# matches one template per class. A linear score can hold only one template per class, which is an average over
# all the ways of writing the digit (slanted, thick, thin); writing styles that differ from that average are where
# the mistakes come from, and why networks with hidden layers do better.

# %% [markdown]
# ### Which digits get confused?
#
# The **confusion matrix** counts, for every true class (row), how often each class was predicted (column). A
# perfect classifier has all its counts on the diagonal.

# %%
y_pred = linear_predict(W, b, X_test)
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (y_test, y_pred), 1)

fig, ax = plt.subplots(figsize=(5.5, 5))
ax.imshow(confusion, cmap="Blues")
for true in range(10):
    for pred in range(10):
        if confusion[true, pred]:
            ax.text(pred, true, confusion[true, pred], ha="center", va="center", fontsize=8,
                    color="white" if confusion[true, pred] > confusion.max() / 2 else "black")
ax.set_xticks(range(10))
ax.set_yticks(range(10))
ax.set_xlabel("predicted class")
ax.set_ylabel("true class")
ax.set_title(f"Confusion matrix on the test set (accuracy {test_accuracy:.1%})")
plt.show()

off_diagonal = confusion - np.diag(np.diag(confusion))
true, pred = np.unravel_index(np.argmax(off_diagonal), off_diagonal.shape)
print(f"the most frequent mistake: true class {true} predicted as {pred} ({off_diagonal[true, pred]} times)")

# %% [markdown]
# A linear classifier on raw pixels already gets most digits right. The next lab puts hidden layers between the
# pixels and the softmax, with the same `softmax_loss` at the top, and trains them by backpropagation.
