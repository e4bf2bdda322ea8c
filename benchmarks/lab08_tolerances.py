"""Measure the margins of Lab 8's hidden-spec tolerances: run every hidden test with the REFERENCE as the student
(in process, no sandbox) over many seeds, and report the worst value each tolerance is compared with.

    python benchmarks/lab08_tolerances.py [SEEDS]      # default 2000

Printed per quantity: the worst observed value and the tolerance. ``tests/labs/08_autoencoders/test_grading.py``
runs the same measurement over fewer seeds and asserts a factor of 10 of margin (of 1.5 for the training test's
angle).
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np

import solutions.autoencoder as ref
import solutions.cnn as cnn
from autograder.grade.spec import FnRef, StudentCodeError, local_fn
from autograder.grade.spec.numeric import rel_error

SPEC_PATH = Path(__file__).resolve().parent.parent / "autograder" / "hidden" / "08_autoencoders.py"


def load_spec_module():
    module_spec = importlib.util.spec_from_file_location("lab08_spec_for_measurement", SPEC_PATH)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


class ReferenceStudent:
    """``student.NAME(...)`` runs the reference's NAME here, with test functions (FnRef) built locally."""

    def __getattr__(self, name):
        fn = getattr(ref, name, None) or getattr(cnn, name)

        def call(*args, **kwargs):
            args = [local_fn(a) if isinstance(a, FnRef) else a for a in args]
            kwargs = {k: local_fn(v) if isinstance(v, FnRef) else v for k, v in kwargs.items()}
            try:
                return fn(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 - as the sandbox reports it
                raise StudentCodeError(f"`{name}` raised {type(error).__name__}: {error}") from None

        return call


def measure(seeds):
    """Worst observed value of each tolerance's quantity over ``seeds`` seeds of every test."""
    module = load_spec_module()
    worst = {"gradient rel. error": 0.0, "gradient rel. error, all entries": 0.0, "value error / allowed": 0.0,
             "fit angle (degrees)": 0.0, "fit error ratio - 1": 0.0}
    real_expect_gradient, real_expect_close = module.expect_gradient, module.expect_close

    def expect_gradient(got, numeric, what, tol, ignore_below=0.0):
        worst["gradient rel. error"] = max(worst["gradient rel. error"], rel_error(got, numeric, ignore_below))
        # without ignoring the rounding noise of the central difference, for the record
        worst["gradient rel. error, all entries"] = max(worst["gradient rel. error, all entries"],
                                                        rel_error(got, numeric))
        real_expect_gradient(got, numeric, what, tol, ignore_below)

    def expect_close(got, expected, what, rtol=1e-7, atol=1e-10, allow_scalar=False):
        got_arr, expected_arr = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
        if got_arr.shape == expected_arr.shape and got_arr.size:
            ratio = np.max(np.abs(got_arr - expected_arr) / (atol + rtol * np.abs(expected_arr)))
            worst["value error / allowed"] = max(worst["value error / allowed"], float(ratio))
        real_expect_close(got, expected, what, rtol, atol, allow_scalar)

    real_fit = ref.fit_linear_autoencoder

    def fit(X, k, steps, lr, seed):
        params, losses = real_fit(X, k, steps, lr, seed)
        mean, components, _ = ref.pca_fit(X, k)
        angle = float(np.max(ref.principal_angles(params["W2"].T, components)))
        pca_error = np.mean((ref.pca_reconstruct(X, mean, components) - X) ** 2)
        worst["fit angle (degrees)"] = max(worst["fit angle (degrees)"], angle)
        ratio = abs(ref.linear_autoencoder_loss(params, X)[0] / pca_error - 1)
        worst["fit error ratio - 1"] = max(worst["fit error ratio - 1"], float(ratio))
        return params, losses

    module.expect_gradient, module.expect_close = expect_gradient, expect_close
    ref.fit_linear_autoencoder = fit
    try:
        student = ReferenceStudent()
        for seed in range(seeds):
            for index, test in enumerate(module.spec.tests):
                test.fn(np.random.default_rng([seed, index]), student)
    finally:
        ref.fit_linear_autoencoder = real_fit
    return worst, module


def main():
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    worst, module = measure(seeds)
    tolerances = {"gradient rel. error": module.GRAD_TOL, "gradient rel. error, all entries": module.GRAD_TOL,
                  "value error / allowed": 1.0,
                  "fit angle (degrees)": module.FIT_MAX_ANGLE, "fit error ratio - 1": module.FIT_ERROR_RATIO}
    print(f"Lab 8 hidden tests with the reference as the student, {seeds} seeds per test")
    for name, value in worst.items():
        print(f"  {name:>24}: worst {value:.3g}   (tolerance {tolerances[name]:g})")


if __name__ == "__main__":
    main()
