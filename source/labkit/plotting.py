"""Plotting helpers shared by the labs. matplotlib is imported when a helper is first called."""

import numpy as np


def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def plot_curves(curves, xlabel="step t", ylabel="value", title=None, logy=False, ax=None):
    """Plot several 1-D series against their index on one axis.

    Parameters
    ----------
    curves : dict of str -> array_like, shape (T_i,)
        Label to series; series may differ in length. Non-finite values are left out of the plot.
    xlabel, ylabel, title : str
    logy : bool
        Use a logarithmic y axis (values that are not positive are left out).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
        finite = np.isfinite(values) & ((values > 0) if logy else True)
        ax.plot(np.arange(values.size)[finite], values[finite], marker=".", markersize=3, label=str(label))
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def plot_contours(fn, xlim, ylim, trajectories=(), labels=None, levels=30, resolution=200, title=None, ax=None):
    """Contour plot of a 2-D function with optional descent trajectories drawn over it.

    Parameters
    ----------
    fn : callable
        Maps an array of points of shape (..., 2) to values of shape (...).
    xlim, ylim : tuple of float
        Plot ranges.
    trajectories : sequence of ndarray, each of shape (T_i + 1, 2)
        Paths to draw; the start is marked with a circle and the end with a cross.
    labels : sequence of str, optional
        One legend label per trajectory. The legend sits beside the axes when this function makes the figure,
        inside them when ``ax`` is given.
    levels : int
        Number of contour levels.
    resolution : int
        Grid points per axis.
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    plt = _pyplot()
    own_figure = ax is None
    if own_figure:
        _, ax = plt.subplots(figsize=(6, 5) if labels is None else (7.8, 5), layout="constrained")
    xs = np.linspace(*xlim, resolution)
    ys = np.linspace(*ylim, resolution)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)
    ax.contour(xs, ys, fn(grid), levels=levels, cmap="viridis", linewidths=0.8)
    for i, path in enumerate(trajectories):
        path = np.asarray(path, dtype=float)
        label = labels[i] if labels is not None else None
        line, = ax.plot(path[:, 0], path[:, 1], marker=".", markersize=3, label=label)
        ax.plot(*path[0], "o", color=line.get_color())
        ax.plot(*path[-1], "x", color=line.get_color(), markersize=9, markeredgewidth=2)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    if title:
        ax.set_title(title)
    if labels is not None and own_figure:  # beside the axes: inside, it covers paths that end near a corner
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    elif labels is not None:
        ax.legend(fontsize="small")
    return ax


def plot_function(fn, xlim, points=None, label=None, resolution=400, ylabel="f(x)", title=None, ax=None):
    """Plot a 1-D function and, optionally, points visited on it.

    Parameters
    ----------
    fn : callable
        Applied element-wise to an array of x values.
    xlim : tuple of float
    points : array_like, shape (T,), optional
        x values to mark on the curve (e.g. a trajectory).
    label : str, optional
    resolution : int
    ylabel, title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    xs = np.linspace(*xlim, resolution)
    ax.plot(xs, fn(xs), label=label)
    if points is not None:
        points = np.asarray(points, dtype=float)
        ax.plot(points, fn(points), "o-", markersize=3, alpha=0.7)
    ax.set_xlabel("x")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax
