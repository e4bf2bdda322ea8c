"""Bob's Lab 1: his gradient descent ignores the stopping rule, he thinks lr = 1 converges, and his chain rule
forgets the inner derivative (23 of 29 points)."""

CHANGES = {
    "gradient_descent": '''def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
    """Minimise a function by gradient descent (Bob's version)."""
    xs = [np.array(x0, dtype=float)]
    for _ in range(max_steps):
        xs.append(xs[-1] - lr * df(xs[-1]))
    return np.array(xs)''',
    "learning_rate_verdicts": '''def learning_rate_verdicts():
    return {0.01: "converges", 0.1: "converges", 1.0: "converges", 100.0: "diverges", 1000.0: "diverges"}''',
    "chain_rule_derivative": '''def chain_rule_derivative(x):
    return 2 * (3 * x**3 + 2)''',
}
