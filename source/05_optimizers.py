# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 5 — Optimizers
#
# Backpropagation (Lab 4) gives the gradient of the loss with respect to every weight. What to *do* with that
# gradient is the optimizer's job, and plain gradient descent, $\theta \leftarrow \theta - \eta \nabla_\theta
# L(\theta)$, is only the start. Deep-learning losses have long narrow ravines, where gradient descent zig-zags;
# saddle points, where the gradient vanishes without a minimum; and a different scale in every direction. The
# lecture names three remedies, and the optimizers in use today combine them:
#
# * **stochasticity**: estimate the gradient on a small random mini-batch, cheaper and noisier;
# * **momentum**: keep moving in the direction of the past gradients;
# * **adaptive learning rates**: give every parameter its own step size, from the size of its past gradients.
#
# You will
# 1. write seven update rules behind one interface: SGD, momentum, Nesterov, Adagrad, RMSProp, RMSProp with
#    momentum, and Adam (with and without bias correction, AMSGrad, weight decay);
# 2. show that the course's two ways of writing momentum give the same path for a constant learning rate and not
#    otherwise, and that Nesterov's look-ahead can be written as an ordinary update rule;
# 3. write exponentially weighted averages, a mini-batch iterator, two learning-rate schedules, gradient
#    clipping and one Newton step;
# 4. race all the optimizers through a ravine, past a saddle point and down the Rosenbrock valley, and train
#    Lab 4's network on handwritten digits with each of them.
#
# **Notation.** $\theta$ (in code `w`) are the parameters, $g = \nabla_\theta L(\theta)$ (in code `dw`) the
# gradient, $\eta$ or $\varepsilon$ the learning rate, $t = 1, 2, \dots$ the step. Products, squares, roots and
# divisions of vectors are taken entry by entry ($g \odot g$ is the vector of squared entries).
#
# Fill in every cell marked `# YOUR CODE HERE` (delete the `raise NotImplementedError()` line) and run the
# self-check cell below it. The self-checks are small public tests; your notebook is graded by other tests with
# random parameters of several shapes, random hyper-parameters and runs of many steps in which your `config` is
# passed from call to call, so make your functions correct, not just the examples.

# %%
import os
import time

import numpy as np
import matplotlib.pyplot as plt
from tqdm.auto import tqdm

from labkit import check
from labkit.data import load_digits
from labkit.plotting import plot_contours, plot_curves

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. One interface for every optimizer
#
# Every optimizer in this lab is a function
#
# ```python
# next_w, config = update(w, dw, config)
# ```
#
# `w` is a parameter array (any shape), `dw` the gradient of the loss at `w`, and `config` a dictionary holding the
# hyper-parameters (`learning_rate`, ...) **and the optimizer's memory** (a velocity, a running average, a step
# counter). Entries that are missing are filled with defaults on the first call (the given `setdefault` lines),
# and the state starts at zeros. The function returns the new parameters and the updated `config`, which the
# caller passes back in on the next call: an optimizer that computes its new state but does not store it in
# `config` forgets it after one step. Build new arrays (`w - ...`), do not change `w` in place.
#
# The first rule is plain (stochastic) gradient descent, $\theta \leftarrow \theta - \eta\, g$.

# %% exercise="sgd" functions=["sgd"]

# %% check="sgd"
check("sgd", sgd)

# %% [markdown]
# `run_optimizer` (given) applies an update rule to a function of a point in the plane, $\mathbb{R}^2$, and
# records the path. Our first landscape is a **ravine**, the quadratic $f(x, y) = \frac{1}{2}(x^2 + 40 y^2)$: 40
# times steeper across ($y$) than along ($x$). Gradient descent must keep $\eta < 2/40$ to stay stable across the
# ravine, which makes it crawl along it: each step shrinks $x$ only by the factor $1 - \eta$. Near the limit it
# zig-zags from wall to wall.

# %% provided=["run_optimizer"]

# %%
def ravine(p):
    """f(x, y) = (x² + 40 y²) / 2, for points of shape (..., 2)."""
    p = np.asarray(p, dtype=float)
    return 0.5 * (p[..., 0] ** 2 + 40.0 * p[..., 1] ** 2)


def ravine_grad(p):
    return np.array([p[0], 40.0 * p[1]])


RAVINE_START = np.array([-9.0, 1.2])
RAVINE_VIEW = dict(xlim=(-10, 2), ylim=(-1.6, 1.6), levels=np.geomspace(0.05, 120, 16))

fig, ax = plt.subplots(figsize=(11, 3.6))
gd_paths = [run_optimizer(sgd, ravine_grad, RAVINE_START, 40, {"learning_rate": eta}) for eta in (0.02, 0.048)]
plot_contours(ravine, trajectories=gd_paths, labels=["η = 0.02: slow and steady", "η = 0.048: zig-zag"],
              title="Gradient descent in a ravine, 40 steps", ax=ax, **RAVINE_VIEW)
plt.show()

# %% [markdown]
# ## 2. Momentum
#
# Momentum adds up the past gradients: across the ravine they alternate in sign and cancel, along it they agree
# and add up, so the walk gets faster where it keeps its direction. The course writes it in two ways.
#
# **The slides** keep a running sum of gradients and step along it:
#
# $$g_t = \beta\, g_{t-1} + \nabla f(x_t), \qquad x_{t+1} = x_t - \eta\, g_t .$$
#
# **The notes** keep a *velocity* $v$ that is the step itself, with the learning rate $\varepsilon$ inside:
#
# $$v \leftarrow \alpha v - \varepsilon g, \qquad \theta \leftarrow \theta + v, \qquad \text{so}\quad
#   v_4 = -\varepsilon\,(\alpha^3 g_1 + \alpha^2 g_2 + \alpha g_3 + g_4) \ \text{ for a constant } \varepsilon .$$
#
# Our update rule `sgd_momentum` uses the notes' convention, with `config['momentum']` $= \alpha$ (default 0.9,
# "about the last 10 gradients") and `config['velocity']` $= v$ (zeros at first).

# %% exercise="momentum" functions=["sgd_momentum"]

# %% check="momentum"
check("sgd_momentum", sgd_momentum)

# %% [markdown]
# ### 2.1 The two conventions
#
# Are the two conventions the same method? Write `momentum_paths`: run both from the same start with the same
# momentum and a learning rate **per step**, `learning_rates[t]`, and return both paths (arrays of shape
# `(T + 1, D)`, the start included). Write the two loops out directly, without `sgd_momentum`. The slides' sum starts
# from $g_{-1} = 0$, the notes' velocity from $v = 0$.

# %% exercise="momentum_conventions" functions=["momentum_paths"]

# %% check="momentum_conventions"
check("momentum_paths", momentum_paths)

# %%
constant = np.full(60, 0.012)
dropping = np.where(np.arange(60) < 20, 0.012, 0.003)  # a step decay after 20 steps
fig, axes = plt.subplots(1, 2, figsize=(13, 3.8))
for ax, rates, name in zip(axes, (constant, dropping), ("a constant rate 0.012", "0.012, then 0.003 from step 20")):
    slides_path, notes_path = momentum_paths(ravine_grad, RAVINE_START, rates, 0.9)
    plot_contours(ravine, trajectories=[slides_path, notes_path], labels=["slides: x -= η g", "notes: θ += v"],
                  title=f"Momentum 0.9 with {name}", ax=ax, **{**RAVINE_VIEW, "xlim": (-10, 4)})
    ax.lines[-3].set_linestyle("--")  # the notes' path dashed, so that the slides' path shows beneath it
    print(f"{name:>32}: the two paths differ by at most {np.max(np.abs(slides_path - notes_path)):.2e}")
fig.tight_layout()
plt.show()

# %% [markdown]
# With a constant rate the two paths coincide to the last digits. Show why, with the relation between $g_t$ and
# $v_t$. Then explain what each convention does when the learning rate changes, and which one keeps the steps
# from jumping at the moment the rate drops.

# %% [markdown] answer="conventions" points=2
# With a constant rate, multiply the slides' recursion by $-\eta$: $-\eta g_t = \beta(-\eta g_{t-1}) - \eta \nabla
# f(x_t)$, which is exactly the notes' recursion for $v_t = -\eta g_t$ with $\alpha = \beta$, $\varepsilon = \eta$;
# and then $x_{t+1} = x_t - \eta g_t = x_t + v_t$. Same start ($g_{-1} = v_0 = 0$), same recursion, same path.
#
# When the rate changes this relation breaks. The slides multiply the *whole* accumulated sum $g_t$ by the current
# rate $\eta_t$: when the rate drops from 0.012 to 0.003 the next step is four times shorter at once, including the
# part of it that came from old gradients. The notes store the velocity with the rate already inside: each
# gradient keeps the rate it was taken with, $v_t = -\sum_s \alpha^{t-s} \varepsilon_s g_s$, so after the drop the
# old velocity still carries the walk and the steps shrink gradually (over about $1/(1-\alpha)$ steps). The
# notes' form changes smoothly; the slides' form (which PyTorch's `SGD(momentum=...)` uses) reacts at once.

# %% [markdown]
# ### 2.2 Nesterov momentum
#
# Nesterov's variant looks ahead: it takes the gradient not where it is, but where the velocity is about to carry
# it (the notes):
#
# $$g = \nabla L(\theta + \alpha v), \qquad v \leftarrow \alpha v - \varepsilon g, \qquad \theta \leftarrow
#   \theta + v .$$
#
# An update rule cannot do this: it receives the gradient at the point it is given. The trick is a change of
# variables. Keep the look-ahead point $\phi = \theta + \alpha v$ as "the parameters"; the gradient is then taken
# exactly at $\phi$, and from $\theta_{\text{new}} = \theta + v_{\text{new}}$,
#
# $$v_{\text{new}} = \alpha v - \varepsilon \nabla L(\phi), \qquad
#   \phi_{\text{new}} = \theta_{\text{new}} + \alpha v_{\text{new}} = \phi - \alpha v + (1 + \alpha)\, v_{\text{new}} .$$
#
# Write `nesterov` in this update-API form (same config keys as `sgd_momentum`).

# %% exercise="nesterov" functions=["nesterov"]

# %% check="nesterov"
check("nesterov", nesterov)

# %% [markdown]
# Now check the change of variables. `nesterov_paths` runs the notes' look-ahead loop with a gradient *function*
# `grad_fn`, and your `nesterov` on $\phi$ (starting at $\phi_0 = \theta_0$, since $v = 0$), recovering
# $\theta = \phi - \alpha v$ with $v$ = `config['velocity']` after every step. Both paths of $\theta$ must agree.

# %% exercise="nesterov_forms" functions=["nesterov_paths"]

# %% check="nesterov_forms"
check("nesterov_paths", nesterov_paths)

# %%
lookahead_path, update_api_path = nesterov_paths(ravine_grad, RAVINE_START, 0.012, 0.9, 60)
print(f"look-ahead form vs update-API form: largest difference {np.max(np.abs(lookahead_path - update_api_path)):.1e}")
momentum_path = run_optimizer(sgd_momentum, ravine_grad, RAVINE_START, 60, {"learning_rate": 0.012, "momentum": 0.9})
fig, ax = plt.subplots(figsize=(11, 3.6))
plot_contours(ravine, trajectories=[gd_paths[1][:41], momentum_path, lookahead_path],
              labels=["gradient descent, η = 0.048", "momentum 0.9, η = 0.012", "Nesterov 0.9, η = 0.012"],
              title="Momentum overshoots and comes back; Nesterov's look-ahead brakes earlier", ax=ax, **RAVINE_VIEW)
plt.show()

# %% [markdown]
# ## 3. Adaptive learning rates: Adagrad
#
# Momentum still uses one learning rate for all parameters. **Adagrad** gives each parameter its own: "if we took
# large steps in some direction, take smaller steps in that direction now". It sums the squared gradients of each
# parameter and divides by the root of that sum (the notes, with $\gamma = 10^{-7}$):
#
# $$a \leftarrow a + g \odot g, \qquad \theta \leftarrow \theta - \frac{\varepsilon}{\sqrt{a} + \gamma} \odot g .$$
#
# In code the sum $a$ is `config['cache']` and $\gamma$ is `config['epsilon']`, added **outside** the root (as the
# notes' loop and PyTorch do; a line of the notes and the slides put it inside, $\sqrt{a + \gamma}$, a different
# rule whose steps differ when $a$ is small). The slides' version also differs in another way: it divides by the
# norm of the whole past gradients, one rate for all parameters. Ours is per parameter.

# %% exercise="adagrad" functions=["adagrad"]

# %% check="adagrad"
check("adagrad", adagrad)

# %% [markdown]
# ## 4. Exponentially weighted averages
#
# RMSProp and Adam replace Adagrad's ever-growing sum by an average that forgets: the **exponentially weighted
# average** (EWA) of a series $x_1, x_2, \dots$,
#
# $$v_0 = 0, \qquad v_t = \beta\, v_{t-1} + (1 - \beta)\, x_t = (1 - \beta) \sum_{s=1}^{t} \beta^{t-s} x_s ,$$
#
# which weighs the recent past most and forgets with the factor $\beta$ per step (it averages over roughly the last
# $1/(1-\beta)$ values). Because it starts at 0, the weights of the first steps sum to only $1 - \beta^t$: early
# averages are biased towards 0. **Bias correction** divides by that sum, $\hat v_t = v_t / (1 - \beta^t)$ (Adam
# does exactly this). The notes' section 2.1 writes the same average with the weight on the new value,
# $\text{EMA}_t = b\, Y_t + (1 - b)\, \text{EMA}_{t-1}$ (so $b = 1 - \beta$), and avoids the bias another way, by
# starting at $\text{EMA}_1 = Y_1$.
#
# Write `ewa` for a series of shape `(T,)` or `(T, D)` (rows are time steps). A loop over time is fine here: each
# value needs the previous one.

# %% exercise="ewa" functions=["ewa"]

# %% check="ewa"
check("ewa", ewa)

# %%
rng_series = np.random.default_rng(0)
days = np.arange(1, 201)
temperature = 12 + 8 * np.sin(2 * np.pi * days / 200) + 3 * rng_series.normal(size=days.size)


def notes_ema(series, b):
    """The notes' EMA: EMA_1 = Y_1, EMA_t = b Y_t + (1 - b) EMA_{t-1}."""
    out = [series[0]]
    for value in series[1:]:
        out.append(b * value + (1 - b) * out[-1])
    return np.array(out)


fig, (ax_all, ax_start) = plt.subplots(1, 2, figsize=(14, 4.2), gridspec_kw={"width_ratios": [2, 1]})
for ax in (ax_all, ax_start):
    ax.plot(days, temperature, ".", color="lightgrey", label="noisy series")
    ax.plot(days, ewa(temperature, 0.9), color="tab:blue", label="β = 0.9, no correction")
    ax.plot(days, ewa(temperature, 0.9, bias_correction=True), "--", color="tab:blue", label="β = 0.9, corrected")
    ax.plot(days, ewa(temperature, 0.98), color="tab:red", label="β = 0.98, no correction")
    ax.plot(days, ewa(temperature, 0.98, bias_correction=True), "--", color="tab:red", label="β = 0.98, corrected")
    ax.plot(days, notes_ema(temperature, 0.1), ":", color="black", label="notes' EMA, b = 0.1 (starts at Y₁)")
    ax.set_xlabel("time step t")
    ax.set_ylabel("value")
ax_all.set_title("Exponentially weighted averages of a noisy series")
ax_start.set_xlim(0, 40)
ax_start.set_title("The first 40 steps: the bias towards 0")
ax_start.legend(fontsize="small", loc="lower right")
fig.tight_layout()
plt.show()

# %% [markdown]
# The larger $\beta$, the smoother the average and the later it follows a change (β = 0.98 lags the sine by about
# 50 steps). Without correction both start near 0, far below the data; corrected, they start on it.
#
# ## 5. RMSProp, with and without momentum
#
# **RMSProp** is Adagrad with the sum replaced by an EWA of the squared gradients (`config['decay_rate']` $=
# \beta$, default 0.99), so the step size can grow again after a steep stretch:
#
# $$a \leftarrow \beta a + (1 - \beta)\, g \odot g, \qquad \theta \leftarrow \theta - \frac{\varepsilon}{\sqrt{a}
#   + \gamma} \odot g .$$
#
# **RMSProp + momentum** (the notes) feeds the RMSProp-scaled gradient into a velocity:
#
# $$a \leftarrow \beta a + (1 - \beta)\, g \odot g, \qquad v \leftarrow \alpha v - \frac{\varepsilon}{\sqrt{a} +
#   \gamma} \odot g, \qquad \theta \leftarrow \theta + v .$$
#
# (The notes print the denominator as $\sqrt{a} + v$: a slip of the pen for $\sqrt{a} + \gamma$. Adding the
# velocity, which can be negative or 0, would make no sense.) Use `config['cache']` for $a$, `config['velocity']`
# for $v$ and `config['momentum']` for $\alpha$.

# %% exercise="rmsprop" functions=["rmsprop", "rmsprop_momentum"]

# %% check="rmsprop"
check("rmsprop", rmsprop)
check("rmsprop_momentum", rmsprop_momentum)

# %% [markdown]
# ### 5.1 Adagrad's shrinking step
#
# Adagrad divides each coordinate's gradient by its own scale, so both directions of the ravine move at a similar
# pace from the start. But its cache only grows: the effective rate $\varepsilon / (\sqrt{a} + \gamma)$ of every
# parameter can only shrink, and the steps die out whether or not the minimum is reached (the notes' "con"). Here
# both start far out in the ravine, at $(-300, 1)$, with $\varepsilon = 1$: Adagrad's rate along $x$ falls like
# $1/\sqrt{t}$ and it crawls, while RMSProp forgets the large early gradients, its rate *grows* again as the
# gradients shrink, and it keeps taking steps of about $\varepsilon$, until it jitters around the minimum at that
# scale (a constant rate cannot settle; a schedule, section 9, can).

# %%
def effective_rates(update, config, grad_fn, start, steps):
    """The path and the per-coordinate effective rates lr / (sqrt(cache) + eps) of an adaptive rule."""
    config, x = dict(config), np.array(start, dtype=float)
    path, rates = [x], []
    for _ in range(steps):
        x, config = update(x, grad_fn(x), config)
        path.append(x)
        rates.append(config["learning_rate"] / (np.sqrt(config["cache"]) + config["epsilon"]))
    return np.array(path), np.array(rates)


far_start = np.array([-300.0, 1.0])
adaptive_runs = {"Adagrad": effective_rates(adagrad, {"learning_rate": 1.0}, ravine_grad, far_start, 400),
                 "RMSProp (decay 0.9)": effective_rates(rmsprop, {"learning_rate": 1.0, "decay_rate": 0.9}, ravine_grad,
                                                        far_start, 400)}
fig, (ax_dist, ax_rate) = plt.subplots(1, 2, figsize=(13, 4))
for (name, (path, rates)), color in zip(adaptive_runs.items(), ("tab:blue", "tab:orange")):
    ax_dist.plot(np.linalg.norm(path, axis=1), color=color, label=name)
    ax_rate.plot(rates[:, 0], color=color, label=f"{name}, along x")
    ax_rate.plot(rates[:, 1], "--", color=color, label=f"{name}, across y")
ax_dist.set_yscale("log")
ax_dist.set_xlabel("step t")
ax_dist.set_ylabel("distance to the minimum")
ax_dist.set_title("The ravine from (-300, 1), ε = 1")
ax_dist.legend()
ax_rate.set_yscale("log")
ax_rate.set_xlabel("step t")
ax_rate.set_ylabel("ε / (√cache + γ)")
ax_rate.set_title("Effective learning rate of each coordinate")
ax_rate.legend(fontsize="small")
fig.tight_layout()
plt.show()
for name, (path, _) in adaptive_runs.items():
    print(f"{name:>20}: after 400 steps at x = {path[-1, 0]:.2f}, y = {path[-1, 1]:.2f}")

# %% [markdown]
# ## 6. Adam
#
# Adam (adaptive moment estimation) combines momentum, which "shows the right direction", with RMSProp's
# per-parameter scale, which "takes judicious steps in it". Both moments are EWAs started at 0, so both are
# bias-corrected. One step, as PyTorch's `torch.optim.Adam` computes it (the pseudocode in the notes):
#
# $$\begin{aligned}
# & g \leftarrow g + \lambda \theta && \text{(only with weight decay } \lambda \neq 0\text{: an L2 penalty)} \\
# & t \leftarrow t + 1 && \text{(first, so the first step has } t = 1\text{)} \\
# & m \leftarrow \beta_1 m + (1 - \beta_1)\, g, \qquad v \leftarrow \beta_2 v + (1 - \beta_2)\, g \odot g
#   && \text{(first and second moment)} \\
# & \hat m = m / (1 - \beta_1^t), \qquad \hat v = v / (1 - \beta_2^t) && \text{(bias correction)} \\
# & \theta \leftarrow \theta - \eta\, \hat m / (\sqrt{\hat v} + \epsilon) .
# \end{aligned}$$
#
# Your `adam` has three switches:
#
# * `bias_correction=False` gives the notes' first version, $\theta \leftarrow \theta - \eta\, m / (\sqrt{v} +
#   \epsilon)$ ($t$ is still counted);
# * `amsgrad=True` keeps the running maximum of the second moment, `config['v_max']` $= \max(v_{\max}, v)$ entry by
#   entry (of the raw $v$, before the correction), and uses it in place of $v$:
#   $\hat v = v_{\max} / (1 - \beta_2^t)$. The step size of a parameter can then never grow again. (The notes copy
#   an older version of PyTorch's pseudocode that takes the maximum of the corrected $\hat v$; PyTorch computes
#   the maximum of $v$, and so do we.)
# * `weight_decay` $= \lambda$ adds $\lambda\theta$ to the gradient *before* the moments, as the first line says.
#
# State: `config['m']`, `config['v']`, `config['t']` (an int) and, with AMSGrad, `config['v_max']`.

# %% exercise="adam" functions=["adam"]

# %% check="adam"
check("adam", adam)

# %% [markdown]
# Why bias correction matters: the first step of Adam without it is $\eta (1 - \beta_1) / \sqrt{1 - \beta_2}
# \approx 3.2\,\eta$ per coordinate for the default betas, whatever the size of the gradient, and the first steps
# stay too large until $\beta_2^t$ has decayed (a thousand steps for $\beta_2 = 0.999$). With the correction
# the first step is $\eta$ in every coordinate. (The notes: "to avoid taking larger steps at the starting".)

# %%
steps_corrected = np.abs(np.diff(run_optimizer(adam, ravine_grad, RAVINE_START, 3000, {"learning_rate": 0.01}),
                                 axis=0))
steps_raw = np.abs(np.diff(run_optimizer(adam, ravine_grad, RAVINE_START, 3000,
                                         {"learning_rate": 0.01, "bias_correction": False}), axis=0))
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(steps_corrected[:, 0], label="with bias correction")
ax.plot(steps_raw[:, 0], label="without bias correction")
ax.axhline(0.01, color="grey", linestyle=":", label="η = 0.01")
ax.set_xscale("log")
ax.set_xlabel("step t")
ax.set_ylabel("|step| along x")
ax.set_title("Adam's steps along the ravine, η = 0.01, default betas")
ax.legend()
plt.show()

# %% [markdown]
# ## 7. Every optimizer on three landscapes
#
# Here are the seven rules, each with hyper-parameters that suit these small problems (try others). `race` runs
# them all from one start and draws each path on its own contour plot, with all the loss curves in the last panel.
# Nesterov's path is that of its look-ahead point $\phi$, which ends where $\theta$ does.

# %%
OPTIMIZERS = {
    "SGD": sgd,
    "momentum": sgd_momentum,
    "Nesterov": nesterov,
    "Adagrad": adagrad,
    "RMSProp": rmsprop,
    "RMSProp + momentum": rmsprop_momentum,
    "Adam": adam,
}


def race(fn, grad_fn, start, steps, settings, title, **view):
    """Run every optimizer with its settings; plot each path on the contours of fn and all the losses."""
    paths = {name: run_optimizer(OPTIMIZERS[name], grad_fn, start, steps, settings[name]) for name in OPTIMIZERS}
    fig, axes = plt.subplots(2, 4, figsize=(17, 7))
    for ax, (name, path) in zip(axes.flat, paths.items()):
        plot_contours(fn, trajectories=[path], ax=ax, title=f"{name}: f = {fn(path[-1]):.1e}", resolution=100, **view)
    loss_ax = axes.flat[-1]
    for name, path in paths.items():
        loss_ax.plot(fn(path), linewidth=1, label=name)
    loss_ax.set_yscale("log")
    loss_ax.set_xlabel("step t")
    loss_ax.set_ylabel("f")
    loss_ax.set_title("Loss along the paths")
    loss_ax.legend(fontsize="x-small", loc="lower left")
    fig.suptitle(title, fontsize=14)
    fig.tight_layout()
    plt.show()
    return paths


RAVINE_SETTINGS = {
    "SGD": {"learning_rate": 0.045},
    "momentum": {"learning_rate": 0.012, "momentum": 0.9},
    "Nesterov": {"learning_rate": 0.012, "momentum": 0.9},
    "Adagrad": {"learning_rate": 2.0},
    "RMSProp": {"learning_rate": 0.3, "decay_rate": 0.9},
    "RMSProp + momentum": {"learning_rate": 0.05, "decay_rate": 0.9, "momentum": 0.8},
    "Adam": {"learning_rate": 0.5},
}
ravine_paths = race(ravine, ravine_grad, RAVINE_START, 60, RAVINE_SETTINGS,
                    "The ravine (x² + 40 y²) / 2: 60 steps from (-9, 1.2)", **{**RAVINE_VIEW, "xlim": (-10, 3)})

# %% [markdown]
# The adaptive rules look best here partly because this ravine is aligned with the axes: dividing each coordinate
# by its own scale removes its ill-conditioning completely. Rotate the ravine by 45° and the per-coordinate scales
# become equal, so Adagrad and RMSProp lose that advantage, while momentum does not care about the orientation.

# %% [markdown]
# ### 7.1 A saddle point
#
# $f(x, y) = x^2 - y^2$ curves up along $x$ and down along $y$: the origin is a **saddle point**, where the
# gradient $(2x, -2y)$ vanishes without a minimum. Started *on the ridge*, $y_0 = 0$, gradient descent never sees a
# reason to leave it: the $y$-component of every gradient is exactly 0, and the walk stalls at the saddle. Started
# a hair off the ridge ($y_0 = 10^{-4}$), it leaves, but slowly: $|y|$ only grows by the factor $1 + 2\eta$ per
# step. Noise in the gradient (as in SGD, here Gaussian noise of standard deviation 0.05) pushes it off the ridge;
# momentum accelerates the escape; an adaptive method rescales the tiny $y$-gradient to a full-sized step.

# %%
def saddle(p):
    p = np.asarray(p, dtype=float)
    return p[..., 0] ** 2 - p[..., 1] ** 2


def saddle_grad(p):
    return np.array([2.0 * p[0], -2.0 * p[1]])


rng_noise = np.random.default_rng(1)


def noisy_saddle_grad(p):
    return saddle_grad(p) + 0.05 * rng_noise.normal(size=2)


def until_escaped(path, limit=2.0):
    """The path up to the first point that leaves the window |y| <= limit."""
    outside = np.flatnonzero(np.abs(path[:, 1]) > limit)
    return path if outside.size == 0 else path[: outside[0] + 1]


on_ridge, off_ridge = np.array([-1.5, 0.0]), np.array([-1.5, 1e-4])
saddle_runs = {
    "GD on the ridge (y₀ = 0)": run_optimizer(sgd, saddle_grad, on_ridge, 120, {"learning_rate": 0.05}),
    "GD, y₀ = 1e-4": run_optimizer(sgd, saddle_grad, off_ridge, 120, {"learning_rate": 0.05}),
    "noisy GD on the ridge": run_optimizer(sgd, noisy_saddle_grad, on_ridge, 120, {"learning_rate": 0.05}),
    "momentum 0.9, y₀ = 1e-4": run_optimizer(sgd_momentum, saddle_grad, off_ridge, 120,
                                             {"learning_rate": 0.05, "momentum": 0.9}),
    "Adam, y₀ = 1e-4": run_optimizer(adam, saddle_grad, off_ridge, 120, {"learning_rate": 0.05}),
}
fig, (ax_paths, ax_y) = plt.subplots(1, 2, figsize=(14, 4.8))
plot_contours(saddle, xlim=(-1.7, 1.7), ylim=(-2.1, 2.1), levels=21,
              trajectories=[until_escaped(path) for path in saddle_runs.values()],
              title="The saddle x² − y² (paths until they leave the window)", ax=ax_paths)
for name, path in saddle_runs.items():
    ax_y.plot(np.maximum(np.abs(path[:, 1]), 1e-12), label=name)
ax_y.set_yscale("log")
ax_y.set_ylim(3e-13, 1e2)
ax_y.set_xlabel("step t")
ax_y.set_ylabel("|y| (0 drawn as 1e-12)")
ax_y.set_title("Escaping the saddle: distance from the ridge")
ax_y.legend(fontsize="small")
plt.show()
for name, path in saddle_runs.items():
    left = np.flatnonzero(np.abs(path[:, 1]) > 1.0)
    print(f"{name:>26}: " + (f"|y| > 1 after {left[0]} steps" if left.size else
                             f"still at |y| = {abs(path[-1, 1]):.1e} after 120 steps, x = {path[-1, 0]:.1e}"))

# %% [markdown]
# Explain the escape times you see. Why exactly does gradient descent stay on the ridge, why does a little noise
# change that, and why do momentum and Adam leave so much faster than gradient descent from the same start?

# %% [markdown] answer="saddle" points=2
# On the ridge $y = 0$ the gradient is $(2x, 0)$: it has no $y$-component, so every step keeps $y = 0$ exactly and
# $x$ shrinks towards 0 by the factor $1 - 2\eta$: gradient descent converges to the saddle point, where the
# gradient vanishes and nothing moves any more. Any perturbation of $y$ is amplified, $y_{t+1} = (1 + 2\eta)
# y_t$, because the saddle is unstable along $y$; the gradient noise supplies such a perturbation (as SGD's
# mini-batch noise does), and from then on it grows geometrically. From $y_0 = 10^{-4}$ gradient descent needs
# about $\ln(10^4)/\ln(1.1) \approx 97$ steps to reach $|y| = 1$. Momentum adds up the gradients, which all point
# the same way along $y$, so the growth factor per step becomes the larger root of $z^2 - (1 + \alpha + 2\eta) z +
# \alpha = 0$, about 1.32 instead of 1.1 for $\alpha = 0.9$ (roughly three times faster). Adam divides the
# $y$-gradient by its own running RMS, so even a gradient of $10^{-4}$ produces a step of size about $\eta$: it
# leaves the saddle at a constant speed instead of an exponentially slow start.

# %% [markdown]
# ### 7.2 The Rosenbrock valley
#
# $f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2$ has its minimum at $(1, 1)$, at the end of a curved, flat-bottomed
# valley with steep walls: easy to reach, slow to follow. All seven optimizers start at $(-1.2, 1)$ for 3000 steps.
# Every path first falls into the valley, then creeps along it; the loss curves show who creeps fastest (and
# that an adaptive rule with a constant rate ends up jittering around the minimum instead of settling).

# %%
def rosenbrock(p):
    p = np.asarray(p, dtype=float)
    return (1 - p[..., 0]) ** 2 + 100 * (p[..., 1] - p[..., 0] ** 2) ** 2


def rosenbrock_grad(p):
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x ** 2), 200 * (y - x ** 2)])


ROSENBROCK_SETTINGS = {
    "SGD": {"learning_rate": 1.5e-3},
    "momentum": {"learning_rate": 2e-4, "momentum": 0.9},
    "Nesterov": {"learning_rate": 2e-4, "momentum": 0.9},
    "Adagrad": {"learning_rate": 0.3},
    "RMSProp": {"learning_rate": 3e-3, "decay_rate": 0.9},
    "RMSProp + momentum": {"learning_rate": 3e-4, "decay_rate": 0.9, "momentum": 0.9},
    "Adam": {"learning_rate": 0.02},
}
rosenbrock_paths = race(rosenbrock, rosenbrock_grad, np.array([-1.2, 1.0]), 3000, ROSENBROCK_SETTINGS,
                        "Rosenbrock: 3000 steps from (-1.2, 1); the minimum is (1, 1)", xlim=(-1.6, 1.4),
                        ylim=(-0.3, 1.6), levels=np.geomspace(1e-3, 400, 20))
for name, path in rosenbrock_paths.items():
    print(f"{name:>20}: ends at ({path[-1, 0]:.4f}, {path[-1, 1]:.4f}), f = {rosenbrock(path[-1]):.1e}")

# %% [markdown]
# ## 8. Newton's method
#
# Second-order methods also use the curvature. Newton's method fits the quadratic Taylor model $L(\theta + d)
# \approx L(\theta) + g^\top d + \frac{1}{2} d^\top H d$ ($H$ the Hessian, the matrix of second derivatives) and jumps
# to its minimum, $d = -H^{-1} g$:
#
# $$\theta \leftarrow \theta - H^{-1} g .$$
#
# Steep directions (large curvature) get small steps and flat directions large ones, automatically. Never form
# $H^{-1}$: solve the linear system $H d = g$ (`np.linalg.solve`), which is cheaper and more accurate.
#
# The notes' objection is memory: write `hessian_memory_bytes`, the bytes needed to store the Hessian of a model
# with `num_params` parameters ($n^2$ entries, or $n(n+1)/2$ if only one triangle of the symmetric matrix is kept),
# as an exact Python `int`.

# %% exercise="newton" functions=["newton_step", "hessian_memory_bytes"]

# %% check="newton"
check("newton_step", newton_step)
check("hessian_memory_bytes", hessian_memory_bytes)

# %%
def rosenbrock_hessian(p):
    x, y = p
    return np.array([[2 - 400 * (y - x ** 2) + 800 * x ** 2, -400 * x], [-400 * x, 200.0]])


point = RAVINE_START.copy()
print("one Newton step on the ravine from", point, "->", newton_step(point, ravine_grad(point), np.diag([1.0, 40.0])))
newton_path = [np.array([-1.2, 1.0])]
for _ in range(7):
    p = newton_path[-1]
    newton_path.append(newton_step(p, rosenbrock_grad(p), rosenbrock_hessian(p)))
newton_path = np.array(newton_path)
print("Newton on Rosenbrock:", ", ".join(f"f = {rosenbrock(p):.1e}" for p in newton_path))

print(f"Hessian of Lab 4's 64-100-10 network (7,510 parameters), float32: {hessian_memory_bytes(7510) / 1e6:.0f} MB")
nbytes = hessian_memory_bytes(10 ** 6)
print(f"Hessian of 1,000,000 parameters in float32: {nbytes:,} bytes = {nbytes / 1e12:g} TB = {nbytes / 2 ** 40:.2f} TiB"
      f" (one triangle: {hessian_memory_bytes(10 ** 6, symmetric=True) / 1e12:.2f} TB)")

# %% [markdown]
# Newton's method reaches the minimum of the ravine in a single step and the Rosenbrock minimum in a handful, where
# the first-order methods needed thousands. Using the numbers above, explain why nobody trains a deep network this
# way. (The notes quote "3.8 TB" for $10^6$ parameters in 4 bytes: which unit gives which number?) Give one more
# reason besides memory.

# %% [markdown] answer="newton_memory" points=2
# A network with $n = 10^6$ parameters (small by today's standards) has a Hessian of $n^2 = 10^{12}$ entries; in
# float32 that is $4 \cdot 10^{12}$ bytes $= 4$ TB, or $3.64$ TiB (binary units, $2^{40}$ bytes): neither is
# exactly the notes' 3.8, which lies between the two. Even one triangle takes 2 TB. It does not fit in any GPU's
# memory, and computing it takes $n$ backward passes per step. Solving $H d = g$ costs $O(n^3) = 10^{18}$
# operations per step. Besides, the Hessian of a mini-batch is a noisy estimate (the notes: "H requires a large
# batch size"), and near saddle points $H$ is indefinite, so $-H^{-1} g$ can point *uphill* towards the saddle:
# Newton's method is attracted by saddle points, which are everywhere in deep-learning losses.

# %% [markdown]
# ## 9. Mini-batches and learning-rate schedules
#
# A full gradient averages over all $N$ training samples. Mini-batch gradient descent (the notes' MBGD) reorders
# the data every epoch and steps with the gradient of each consecutive batch of $B$ samples: $B = 1$ is SGD, $B =
# N$ is batch gradient descent. Write the generator `minibatches(N, batch_size, rng)`: one call of
# `rng.permutation(N)` (never `np.random` directly, so that a seed reproduces a run), then `yield` its consecutive
# slices of length `batch_size`, the last one shorter if needed (do not drop it: every sample is visited exactly
# once per epoch). `list_minibatches` (given) collects one epoch in a list; it is how the grader calls yours.

# %% exercise="minibatches" functions=["minibatches", "list_minibatches"]

# %% check="minibatches"
check("minibatches", minibatches)
check("list_minibatches", list_minibatches)

# %% [markdown]
# A learning rate that suits the start of training is often too large at the end, where the noise of the
# mini-batches keeps the parameters bouncing around the minimum. Two schedules:
#
# * **step decay**: $\eta_e = \eta_0 \cdot \text{drop}^{\lfloor e / \text{every} \rfloor}$ in epoch $e = 0, 1,
#   \dots$;
# * **cosine annealing**: $\eta_s = \eta_{\min} + \frac{1}{2}(\eta_{\max} - \eta_{\min})\,(1 + \cos(\pi s /
#   S))$ at step $s = 0, \dots, S$: from $\eta_{\max}$ down to $\eta_{\min}$ along half a cosine. Restarting it
#   again and again gives the dips of a snapshot ensemble (Lab 6).

# %% exercise="schedules" functions=["step_decay_lr", "cosine_lr"]

# %% check="schedules"
check("step_decay_lr", step_decay_lr)
check("cosine_lr", cosine_lr)

# %%
epochs_axis = np.arange(50)
fig, ax = plt.subplots(figsize=(8, 3.8))
ax.plot(epochs_axis, [step_decay_lr(e, 0.1) for e in epochs_axis], drawstyle="steps-post",
        label="step decay: 0.1, halved every 10 epochs")
ax.plot(epochs_axis, [cosine_lr(e, 49, 0.1, 0.001) for e in epochs_axis], label="cosine from 0.1 to 0.001")
ax.plot(epochs_axis, [cosine_lr(e % 10, 10, 0.1, 0.001) for e in epochs_axis], ":",
        label="cosine with restarts every 10 epochs")
ax.set_xlabel("epoch")
ax.set_ylabel("learning rate")
ax.set_title("Learning-rate schedules")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
plt.show()

# %% [markdown]
# ## 10. Gradient clipping
#
# Near a cliff of the loss a gradient can be huge, and one step throws the parameters far away (**exploding
# gradients**). The notes' remedy: if $\|g\| \ge$ clip, replace $g$ by $\frac{g}{\|g\|} \cdot \text{clip}$. The
# norm is the **global** norm over all parameter arrays of the network together, $\|g\| = \sqrt{\sum_k \sum_{ij}
# (g_k)_{ij}^2}$, and every array is scaled by the same factor, which keeps the direction of the whole step (clipping
# each array on its own would change it). Write `clip_by_global_norm(grads, max_norm)` for a dict of gradients;
# it returns a new dict and the norm before clipping.

# %% exercise="clipping" functions=["clip_by_global_norm"]

# %% check="clipping"
check("clip_by_global_norm", clip_by_global_norm)

# %%
def clipped(grad_fn, max_norm):
    """A gradient function whose output is clipped to max_norm (one array, so the global norm is its norm)."""
    return lambda p: clip_by_global_norm({"p": grad_fn(p)}, max_norm)[0]["p"]


cliff_start = np.array([-2.0, -2.0])
with np.errstate(over="ignore", invalid="ignore"):
    unclipped_path = run_optimizer(sgd, rosenbrock_grad, cliff_start, 8, {"learning_rate": 1e-3})
clipped_path = run_optimizer(sgd, clipped(rosenbrock_grad, 100.0), cliff_start, 3000, {"learning_rate": 1e-3})
print("without clipping, |x| along the path:", ", ".join(f"{v:.3g}" for v in np.abs(unclipped_path[:, 0])))
print(f"with clipping at 100: ends at ({clipped_path[-1, 0]:.3f}, {clipped_path[-1, 1]:.3f}),"
      f" f = {rosenbrock(clipped_path[-1]):.1e}")
fig, ax = plt.subplots(figsize=(7, 4.5))
plot_contours(rosenbrock, xlim=(-2.2, 1.6), ylim=(-2.3, 4.2), levels=np.geomspace(1e-2, 3000, 20),
              trajectories=[unclipped_path[:2], clipped_path], labels=["no clipping: first step", "clipped at 100"],
              title="SGD, η = 1e-3, from (-2, -2) on Rosenbrock", ax=ax)
plt.show()

# %% [markdown]
# ## 11. Lab 4's network on digits, once per optimizer
#
# Lab 4's multi-layer perceptron is handed out below (it was your Lab 4 exercise), with the layers it is built from.

# %% provided=["solutions.layers:affine_forward", "solutions.layers:affine_backward", "solutions.layers:relu_forward", "solutions.layers:relu_backward", "solutions.softmax:softmax_loss", "solutions.layers:init_weights", "solutions.layers:MLP"]

# %% [markdown]
# `train_with_optimizer` (given) trains it with any of your update rules, one `config` per parameter array (each
# array has its own velocity or cache), over your `minibatches`. The same network, the same initial weights and
# the same batches, 10 epochs of batches of 64, for each optimizer:

# %% provided=["train_with_optimizer"]

# %%
X_train, y_train, X_test, y_test = load_digits(test_fraction=0.25, seed=0)
DIGIT_SETTINGS = {
    "SGD": {"learning_rate": 0.1},
    "momentum": {"learning_rate": 0.02, "momentum": 0.9},
    "Nesterov": {"learning_rate": 0.02, "momentum": 0.9},
    "Adagrad": {"learning_rate": 0.05},
    "RMSProp": {"learning_rate": 1e-3},
    "RMSProp + momentum": {"learning_rate": 1e-4, "momentum": 0.9},
    "Adam": {"learning_rate": 2e-3},
}
digit_losses, digit_accuracy = {}, {}
for name in tqdm(OPTIMIZERS, desc="optimizers"):
    network = MLP([64, 100, 10], init="he", reg=1e-4, rng=0)
    digit_losses[name] = train_with_optimizer(network, OPTIMIZERS[name], DIGIT_SETTINGS[name], X_train, y_train,
                                              epochs=10, batch_size=64, rng=np.random.default_rng(0))
    digit_accuracy[name] = float(np.mean(network.predict(X_test) == y_test))

steps_per_epoch = int(np.ceil(len(y_train) / 64))
fig, ax = plt.subplots(figsize=(9, 5))
for name, losses in digit_losses.items():
    ax.plot(np.arange(1, len(losses) + 1) / steps_per_epoch, ewa(np.array(losses), 0.9, bias_correction=True),
            label=f"{name} (test accuracy {digit_accuracy[name]:.1%})")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("mini-batch loss (EWA, β = 0.9, bias-corrected)")
ax.set_title("Lab 4's MLP 64-100-10 on digits, batches of 64")
ax.legend()
plt.show()

# %% [markdown]
# Compare the curves. Which optimizers reduce the loss fastest in the first epoch, and why? Why does plain SGD
# need a much larger learning rate than Adam or RMSProp, and why is the smoothed loss curve (an EWA, bias-corrected)
# a better thing to look at than the raw mini-batch losses?

# %% [markdown] answer="digits_optimizers" points=2
# With these settings the adaptive rules drop fastest at the start: Adagrad (whose large rate 0.05 is tamed by the
# fast-growing cache) and RMSProp are ahead after the first epoch, momentum, Nesterov and Adam follow close
# together, and plain SGD is slowest: after 10 epochs it is still at about 90 % test accuracy, the others between
# 95 % and 97 %. The adaptive
# rules divide each parameter's gradient by its own running RMS, so parameters with small gradients (weights of
# pixels that are rarely on, the output layer's biases) take steps as large as the others; momentum accumulates
# the consistent part of the gradient over steps, about ten of them for 0.9. Plain SGD's step is $\eta\, g$ and
# the gradients here are small (mostly well below $10^{-1}$ per entry), so it needs $\eta \approx 0.1$ to move at
# all, while an adaptive rule's step is about $\eta$ per parameter whatever the size of $g$: $10^{-3}$ is already a
# sizeable step for RMSProp or Adam, and 0.1 would throw them around. The raw mini-batch losses jump from batch to
# batch (each one is measured on 64 other samples); the EWA averages over about the last 10 steps, and the bias
# correction removes its pull towards 0 at the start, so the trend is readable from the first step on.

# %% [markdown]
# ### 11.1 Batch size: noise against cost
#
# A smaller batch gives a cheaper but noisier estimate of the gradient. On a least-squares problem with two
# parameters, a line $\hat y = w x + b$ fitted to 256 noisy points, we can draw the paths on the contours of the
# full loss: the same learning rate and 3 epochs for each batch size. The noise of a step is the distance between
# the batch gradient and the full gradient at the same point. Measured at the least-squares solution over 10
# epochs of batches, its root mean square falls like $1/\sqrt{B}$: exactly $\sqrt{(N - B)/(B(N - 1))}$ times its
# value for $B = 1$, since the samples of a batch are drawn without replacement.

# %%
rng_line = np.random.default_rng(2)
x_line = rng_line.uniform(-1, 1, size=256)
y_line = 1.5 * x_line - 0.5 + 0.5 * rng_line.normal(size=256)
design = np.stack([x_line, np.ones_like(x_line)], axis=1)
best_fit = np.linalg.lstsq(design, y_line, rcond=None)[0]


def line_loss(p):
    p = np.asarray(p, dtype=float)
    residuals = p[..., None, 0] * x_line + p[..., None, 1] - y_line
    return 0.5 * np.mean(residuals ** 2, axis=-1)


def line_grad(p, batch):
    residuals = design[batch] @ p - y_line[batch]
    return design[batch].T @ residuals / len(batch)


BATCH_SIZES = [1, 4, 16, 64, 256]
full_gradient_at_best = line_grad(best_fit, np.arange(len(y_line)))  # 0 up to rounding
line_paths, gradient_noise = {}, {}
for batch_size in BATCH_SIZES:
    p, config, path = np.array([-1.0, 1.5]), {"learning_rate": 0.1}, [np.array([-1.0, 1.5])]
    batch_rng = np.random.default_rng(3)
    for epoch in range(3):
        for batch in minibatches(len(y_line), batch_size, batch_rng):
            p, config = sgd(p, line_grad(p, batch), config)
            path.append(p)
    line_paths[batch_size] = np.array(path)
    squared = [np.sum((line_grad(best_fit, batch) - full_gradient_at_best) ** 2)
               for epoch in range(10) for batch in minibatches(len(y_line), batch_size, batch_rng)]
    gradient_noise[batch_size] = float(np.sqrt(np.mean(squared)))

fig, (ax_paths, ax_noise) = plt.subplots(1, 2, figsize=(14, 4.8))
plot_contours(line_loss, xlim=(-1.3, 2.2), ylim=(-1.0, 1.8), levels=np.geomspace(0.13, 3, 15),
              trajectories=list(line_paths.values()),
              labels=[f"B = {b}: {len(line_paths[b]) - 1} steps" for b in BATCH_SIZES],
              title="Mini-batch SGD, η = 0.1, 3 epochs", ax=ax_paths)
ax_paths.plot(*best_fit, "k*", markersize=12, label="least squares")
ax_paths.set_xlabel("slope w")
ax_paths.set_ylabel("intercept b")
ax_paths.legend(fontsize="small")
ax_noise.loglog(BATCH_SIZES[:-1], [gradient_noise[b] for b in BATCH_SIZES[:-1]], "o-", label="measured")
predicted = [gradient_noise[1] * np.sqrt((256 - b) / (b * 255)) for b in BATCH_SIZES[:-1]]
ax_noise.loglog(BATCH_SIZES[:-1], predicted, "k:", label="√((N − B) / (B (N − 1))) × noise at B = 1")
ax_noise.set_xlabel("batch size B")
ax_noise.set_ylabel("RMS of |batch gradient − full gradient|")
ax_noise.set_title("Gradient noise at the minimum (B = N = 256 has none)")
ax_noise.legend(fontsize="small")
fig.tight_layout()
plt.show()

# %% [markdown]
# And the cost: the seconds one epoch of Lab 4's network on the digits takes, for each batch size. A small batch
# means many small matrix products, each paying Python's and NumPy's overhead; a large batch uses the vectorised
# arithmetic well, but takes few steps per epoch. (Timings change from run to run and machine to machine; `dlcv
# build`, which executes this notebook twice and needs identical outputs, sets `TQDM_DISABLE=1`, and then the cell
# prints the number of steps only. Run it yourself to see your machine's times.)

# %%
SHOW_TIMINGS = os.environ.get("TQDM_DISABLE") != "1"
epoch_sizes = [1, 8, 32, 128, len(y_train)]
seconds = []
for batch_size in epoch_sizes:
    network = MLP([64, 100, 10], init="he", rng=0)
    start = time.perf_counter()
    train_with_optimizer(network, sgd, {"learning_rate": 0.05}, X_train, y_train, epochs=1, batch_size=batch_size,
                         rng=np.random.default_rng(0))
    seconds.append(time.perf_counter() - start)
steps = [int(np.ceil(len(y_train) / b)) for b in epoch_sizes]
if SHOW_TIMINGS:
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.loglog(epoch_sizes, seconds, "o-", label="seconds per epoch")
    ax.loglog(epoch_sizes, np.array(steps) * seconds[-1], "k:", label="steps per epoch × seconds per full-batch step")
    ax.set_xlabel("batch size B")
    ax.set_ylabel("seconds")
    ax.set_title(f"One epoch over {len(y_train)} digits")
    ax.legend(fontsize="small")
    plt.show()
for batch_size, n_steps, sec in zip(epoch_sizes, steps, seconds):
    print(f"B = {batch_size:>5}: {n_steps:>5} steps per epoch" + (f", {sec:.3f} s" if SHOW_TIMINGS else ""))
