"""Lab 1's realistic mistakes, the one table: ``MISTAKES`` maps a name to (the function replaced, its wrong source,
{exercise: expected score} for the exercises it costs points; every other exercise keeps full marks).

``BOB`` names the mistakes of Bob's example notebook (examples/submissions/bob_01_gradient_descent.ipynb, written by
examples/make_examples.py). Bob's Lab 1: his gradient descent ignores the stopping rule, he thinks lr = 1 converges,
and his chain rule forgets the inner derivative (23 of 29 points).
"""

MISTAKES = {
    "gd_wrong_sign": ("gradient_descent", """
        def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
            x = np.array(x0, dtype=float)
            trajectory = [x]
            for _ in range(max_steps):
                grad = np.asarray(df(x), dtype=float)
                if np.linalg.norm(grad) < eps:
                    break
                x = x + lr * grad
                trajectory.append(x)
            return np.array(trajectory)
        """, {"gradient_descent": 0}),
    "gd_one_update_short": ("gradient_descent", """
        def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
            x = np.array(x0, dtype=float)
            trajectory = [x]
            for _ in range(max_steps - 1):
                grad = np.asarray(df(x), dtype=float)
                if np.linalg.norm(grad) < eps:
                    break
                x = x - lr * grad
                trajectory.append(x)
            return np.array(trajectory)
        """, {"gradient_descent": 3}),  # only the early-stopping runs (2 + 1 points) never reach the budget
    "gd_ignores_stopping_rule": ("gradient_descent", """
        def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
            trajectory = [np.array(x0, dtype=float)]
            for _ in range(max_steps):
                trajectory.append(trajectory[-1] - lr * np.asarray(df(trajectory[-1])))
            return np.array(trajectory)
        """, {"gradient_descent": 5}),  # loses the two stopping-rule tests (2 + 1)
    "gd_stops_on_largest_component": ("gradient_descent", """
        def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
            x = np.array(x0, dtype=float)
            trajectory = [x]
            for _ in range(max_steps):
                grad = np.asarray(df(x), dtype=float)
                if np.max(np.abs(grad)) < eps:
                    break
                x = x - lr * grad
                trajectory.append(x)
            return np.array(trajectory)
        """, {"gradient_descent": 7}),  # only the D-dimensional stopping test can tell
    "one_sided_difference": ("numerical_derivative", """
        def numerical_derivative(fn, x, h=1e-5):
            return (fn(x + h) - fn(x)) / h
        """, {"numerical_derivatives": 3}),
    "verdict_for_lr_1_wrong": ("learning_rate_verdicts", """
        def learning_rate_verdicts():
            return {0.01: "converges", 0.1: "converges", 1.0: "converges", 100.0: "diverges", 1000.0: "diverges"}
        """, {"learning_rates": 4}),
    "chain_rule_missing_inner_derivative": ("chain_rule_derivative", """
        def chain_rule_derivative(x):
            return 2 * (3 * x**3 + 2)
        """, {"chain_rule": 0}),
    "f_2d_sums_the_wrong_axis": ("f_2d", """
        def f_2d(v):
            return np.sum(np.asarray(v, dtype=float) ** 2, axis=0)
        """, {"bowl_functions": 3}),
    "nonconvex_grad_sign_error": ("nonconvex_grad", """
        def nonconvex_grad(v):
            v = np.asarray(v, dtype=float)
            x, y = v[..., 0], v[..., 1]
            return np.stack([x**3 + x**2 + 2 * x, 2 * y], axis=-1)
        """, {"nonconvex": 3}),
    "minimum_and_maximum_swapped": ("classify_critical_point", """
        def classify_critical_point(hessian, tol=1e-8):
            eigenvalues = np.linalg.eigvalsh(hessian)
            if np.all(eigenvalues > tol):
                return "maximum"
            if np.all(eigenvalues < -tol):
                return "minimum"
            return "saddle point"
        """, {"nonconvex": 3}),
    # Bob's own words for mistakes above (examples/submissions/bob_*.ipynb is made of them)
    "gd_ignores_stopping_rule_as_bob_wrote_it": ("gradient_descent", '''
        def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
            """Minimise a function by gradient descent (Bob's version)."""
            xs = [np.array(x0, dtype=float)]
            for _ in range(max_steps):
                xs.append(xs[-1] - lr * df(xs[-1]))
            return np.array(xs)
        ''', {'gradient_descent': 5}),
}

BOB = ("gd_ignores_stopping_rule_as_bob_wrote_it", "verdict_for_lr_1_wrong", "chain_rule_missing_inner_derivative")
BOB_SCORE = 23  # of 29
