# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 1 — Gradient descent
#
# Training a neural network means finding weights $\theta^*$ that make a loss small,
# $\theta^* = \arg\min_\theta L(\theta)$. Before any network, this lab studies the tool we will use for that on a
# function you can draw: **gradient descent** (GD).
#
# You will
# 1. write a function and its derivative, and check the derivative numerically;
# 2. implement gradient descent with a stopping rule, for scalars and for vectors;
# 3. sweep the learning rate $\eta$ and explain what you see;
# 4. apply the chain rule;
# 5. watch GD end up in different places on a surface with more than one critical point.
#
# Fill in every cell marked `# YOUR CODE HERE` (delete the `raise NotImplementedError()` line) and run the
# self-check cell below it. The self-checks are small public tests; your notebook is graded by other tests on
# random inputs, so make your functions correct, not just the examples.

# %%
import numpy as np
import matplotlib.pyplot as plt

from labkit import check, rel_error
from labkit.plotting import plot_contours, plot_curves, plot_function

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. A function and its derivative
#
# Gradient descent needs two things: the function $f$ to minimise and its derivative $\frac{df}{dx}$, which tells
# us the slope at any point. We start with the simplest bowl, $f(x) = x^2$, whose minimum is at $x = 0$, and its
# two-variable version $f(x, y) = x^2 + y^2$.
#
# Write all four functions so that they work on whole NumPy arrays at once (no loops): `f` and `df` element-wise,
# `f_2d` and `df_2d` on arrays of points whose **last** axis holds $(x, y)$.

# %% exercise="bowl_functions" functions=["f", "df", "f_2d", "df_2d"]

# %% check="bowl_functions"
check("f", f)
check("df", df)
check("f_2d", f_2d)
check("df_2d", df_2d)

# %% [markdown]
# ## 2. Numeric derivatives
#
# When you are not sure about a derivative, measure it. The **central difference**
#
# $$\frac{df}{dx}(x) \approx \frac{f(x + h) - f(x - h)}{2h}$$
#
# is accurate to $O(h^2)$, much better than the one-sided $\frac{f(x+h) - f(x)}{h}$, which is only $O(h)$.
# For a function of $D$ variables, apply it to one coordinate at a time to get each partial derivative
# $\partial f / \partial x_i$. Every gradient you write in this course will be checked this way.

# %% exercise="numerical_derivatives" functions=["numerical_derivative", "numerical_gradient"]

# %% check="numerical_derivatives"
check("numerical_derivative", numerical_derivative)
check("numerical_gradient", numerical_gradient)

xs = np.linspace(-3, 3, 7)
print("df(x) vs numeric:     rel. error", rel_error(df(xs), numerical_derivative(f, xs)))
point = np.array([0.5, -1.5])
print("df_2d(v) vs numeric:  rel. error", rel_error(df_2d(point), numerical_gradient(f_2d, point)))

# %% [markdown]
# ## 3. Gradient descent
#
# From a starting point $x_0$, gradient descent repeats
#
# $$x_{t+1} = x_t - \eta\, \nabla f(x_t)$$
#
# where the **learning rate** $\eta$ sets the step size. It stops as soon as the gradient is small,
# $\lVert \nabla f(x_t) \rVert < \epsilon$ (the Euclidean norm in $D$ dimensions; the absolute value in 1-D), or
# after `max_steps` updates, whichever comes first.
#
# Return the **whole trajectory** $x_0, x_1, \dots, x_T$ as one array: shape `(T + 1,)` for a scalar start,
# `(T + 1, D)` for a vector start. The same code must handle both; `np.linalg.norm` works on either.

# %% exercise="gradient_descent" functions=["gradient_descent"]

# %% check="gradient_descent"
check("gradient_descent", gradient_descent)

trajectory = gradient_descent(df, x0=3.0, lr=0.1)
print(f"{len(trajectory) - 1} steps, ending at x = {trajectory[-1]:.2e}, f(x) = {f(trajectory[-1]):.2e}")
plot_function(f, (-3.5, 3.5), points=trajectory[:15], ylabel="f(x) = x²",
              title="The first 15 points of GD on f(x) = x², lr = 0.1")
plt.show()

# %% [markdown]
# ## 4. How large a step?
#
# Run gradient descent on $f(x) = x^2$ from $x_0 = 1$ with each learning rate $\eta \in \{0.01, 0.1, 1, 100,
# 1000\}$. The runs differ by more than 150 orders of magnitude, so they get two plots: the point $x_t$ itself
# for the three small rates (a linear axis, where a run that bounces between two points shows as a zigzag), and
# $f(x_t)$ on a logarithmic axis for the two large ones.

# %%
LEARNING_RATES = (0.01, 0.1, 1.0, 100.0, 1000.0)

runs = {}
with np.errstate(over="ignore", invalid="ignore"):
    for lr in LEARNING_RATES:
        runs[lr] = gradient_descent(df, x0=1.0, lr=lr, max_steps=25)
fig, (ax_small, ax_large) = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
plot_curves({f"lr = {lr:g}": runs[lr] for lr in LEARNING_RATES if lr <= 1}, ylabel="x_t",
            title="lr = 0.01, 0.1, 1: the point x_t", ax=ax_small)
ax_small.axhline(0, color="grey", linewidth=0.8)
plot_curves({f"lr = {lr:g}": f(runs[lr]) for lr in LEARNING_RATES if lr > 1}, ylabel="f(x_t), log scale",
            title="lr = 100, 1000: the loss f(x_t)", logy=True, ax=ax_large)
for ax, colours in ((ax_small, ("tab:blue", "tab:orange", "tab:green")), (ax_large, ("tab:red", "tab:purple"))):
    for line, colour in zip(ax.get_lines(), colours):  # each rate keeps one colour across the two plots
        line.set_color(colour)
    ax.legend(loc="upper center", ncol=3)
ax_small.set_ylim(-1.2, 1.5)  # room for the legend above the curves
plt.show()

# %% [markdown]
# Look at the curves (print a few $x_t$ too) and give your verdict for each learning rate: does GD
# `"converges"`, `"oscillates"` (bounces back and forth forever without getting closer) or `"diverges"`?
# *Hint:* on $x^2$ one step is $x_{t+1} = (1 - 2\eta)\, x_t$.

# %% exercise="learning_rates" functions=["learning_rate_verdicts"]

# %% check="learning_rates"
check("learning_rate_verdicts", learning_rate_verdicts)

# %% [markdown]
# **Why?** In two or three sentences: what decides whether GD converges on $x^2$, and what does the sweep tell you
# about a weakness of gradient descent on real loss functions? Write your answer in the cell below.

# %% [markdown] answer="learning_rates_why" points=2
# On $x^2$ each step multiplies $x$ by $1 - 2\eta$. GD converges when $|1 - 2\eta| < 1$ (slowly for
# $\eta = 0.01$, fast for $\eta = 0.1$), oscillates between $\pm x_0$ forever when $|1 - 2\eta| = 1$ ($\eta = 1$), and
# diverges when $|1 - 2\eta| > 1$ ($\eta = 100, 1000$). The right step size depends on the curvature of $f$, which we
# do not know in advance for a real loss and which differs between directions: a step that is safe in a flat
# direction blows up in a steep one, so plain GD needs a carefully tuned learning rate.

# %% [markdown]
# ## 5. Two variables
#
# Your `gradient_descent` already works on vectors. Run it on $f(x, y) = x^2 + y^2$ from a few starting points and
# draw the paths over the contour lines: on this round bowl every path is a straight line to the minimum.

# %%
starts = [np.array([2.5, 1.0]), np.array([-2.0, 2.0]), np.array([0.5, -2.5])]
paths = [gradient_descent(df_2d, x0, lr=0.1) for x0 in starts]
plot_contours(f_2d, (-3, 3), (-3, 3), paths, labels=[f"start ({x0[0]:g}, {x0[1]:g})" for x0 in starts],
              title="GD on x² + y², lr = 0.1")
plt.show()

# %% [markdown]
# ## 6. The chain rule
#
# For a composition $y = f(g(x))$, write $u = g(x)$; then $\frac{dy}{dx} = \frac{dy}{du}\,\frac{du}{dx}$.
# Backpropagation is this rule applied over and over. Use it on $y = (3x^3 + 2)^2$: here $f(u) = u^2$ and
# $g(x) = 3x^3 + 2$. Write the derivative as the product of the two pieces (don't expand it by hand), then
# compare it with the numeric derivative.

# %% exercise="chain_rule" functions=["chain_rule_derivative"]

# %% check="chain_rule"
check("chain_rule_derivative", chain_rule_derivative)

xs = np.linspace(-1.5, 1.5, 10)  # avoids x = 0, where relative errors of two tiny numbers mean nothing
print("rel. error against the numeric derivative:",
      rel_error(chain_rule_derivative(xs), numerical_derivative(lambda x: (3 * x**3 + 2) ** 2, xs)))

# %% [markdown]
# ## 7. When gradient descent is not enough
#
# On a convex bowl GD always finds the global minimum. Most loss surfaces are not bowls. Take
#
# $$f(x, y) = \tfrac{1}{4}x^4 + \tfrac{1}{3}x^3 - x^2 + y^2,$$
#
# whose critical points sit at $x \in \{-2, 0, 1\}$, $y = 0$. Write its gradient, and a function that reads the
# kind of a critical point from the eigenvalues of the Hessian (all positive: a minimum; all negative: a maximum;
# both signs: a saddle point).

# %% provided=["nonconvex_f", "nonconvex_hessian"]

# %% exercise="nonconvex" functions=["nonconvex_grad", "classify_critical_point"]

# %% check="nonconvex"
check("nonconvex_grad", nonconvex_grad)
check("classify_critical_point", classify_critical_point)

# %% [markdown]
# Now start GD from several points. Where a path ends depends on where it starts: the global minimum at
# $(-2, 0)$, the local minimum at $(1, 0)$, or — starting exactly on the line $x = 0$ — the saddle point, where the
# gradient vanishes although the point is no minimum.

# %%
starts = [np.array([-2.5, 1.5]), np.array([-0.5, -1.5]), np.array([0.4, 1.5]), np.array([2.0, -1.0]),
          np.array([0.0, 1.8])]
paths = [gradient_descent(nonconvex_grad, x0, lr=0.05, max_steps=2000) for x0 in starts]
for x0, path in zip(starts, paths):
    end = path[-1]
    kind = classify_critical_point(nonconvex_hessian(end))
    print(f"start ({x0[0]:+.1f}, {x0[1]:+.1f}) -> end ({end[0]:+.3f}, {end[1]:+.3f}) after {len(path) - 1:4d} steps:"
          f" {kind}, f = {nonconvex_f(end):+.3f}")
plot_contours(nonconvex_f, (-3, 2.5), (-2, 2), paths, labels=[f"start ({x0[0]:g}, {x0[1]:g})" for x0 in starts],
              levels=40,
              title="GD on a surface with two minima and a saddle")
plt.show()

# %% [markdown]
# Only one of the minima is global, and nothing in the gradient tells GD which one it is in. The next lectures
# add what helps on such surfaces: noise from mini-batches (SGD), momentum and adaptive learning rates.
