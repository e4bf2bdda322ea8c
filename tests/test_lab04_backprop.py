"""Lab 4 graded end to end: the solution scores full marks, the stub zero, realistic mistakes lose exactly the
points of the properties they break (including what they break downstream: the MLP runs the student's layers)."""

import pytest

import solutions.layers as ref
from helpers import (
    assert_feedback_reveals_no_hidden_values,
    assert_solution_scores_full_marks,
    assert_stub_scores_zero,
    assert_wrong_answer_scores,
    failed_tests,
    grade_notebook,
    replace_function,
    solution_notebook,
)
from labkit import CheckFailure, check

LAB = "04_backprop"
FULL = {"sigmoid": 3, "tanh": 2, "relu": 3, "leaky_relu": 3, "elu": 2, "softplus": 3, "affine": 6, "mse": 2,
        "graph": 3, "mlp": 7, "init": 8}


def test_solution_notebook_scores_full_marks(tmp_path):
    assert_solution_scores_full_marks(LAB, FULL, tmp_path)


def test_student_stub_scores_zero_and_says_why(tmp_path):
    assert_stub_scores_zero(LAB, FULL, tmp_path)


# An MLP whose loss regularises differently; everything else as in the reference.
_MLP_TEMPLATE = '''
class MLP:
    def __init__(self, layer_sizes, init="he", reg=0.0, rng=0):
        rng = np.random.default_rng(rng)
        self.layer_sizes = list(layer_sizes)
        self.num_layers = len(self.layer_sizes) - 1
        self.reg = reg
        self.params = {}
        for l in range(1, self.num_layers + 1):
            n_in, n_out = self.layer_sizes[l - 1], self.layer_sizes[l]
            if isinstance(init, str):
                W = init_weights(n_in, n_out, init, rng)
            else:
                W = rng.normal(0.0, float(init), size=(n_in, n_out))
            self.params[f"W{l}"] = W
            self.params[f"b{l}"] = np.zeros(n_out)

    def loss(self, X, y=None):
        L = self.num_layers
        caches = []
        h = X
        for l in range(1, L):
            a, affine_cache = affine_forward(h, self.params[f"W{l}"], self.params[f"b{l}"])
            h, relu_cache = relu_forward(a)
            caches.append((affine_cache, relu_cache))
        scores, last_cache = affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        grads = {}
        dh, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dscores, last_cache)
        for l in range(L - 1, 0, -1):
            affine_cache, relu_cache = caches[l - 1]
            dh, grads[f"W{l}"], grads[f"b{l}"] = affine_backward(relu_backward(dh, relu_cache), affine_cache)
        for key in self.params:
            if REGULARISED(key):
                loss += self.reg * np.sum(self.params[key] ** 2)
                grads[key] = grads[key] + GRADIENT_FACTOR * self.reg * self.params[key]
        return loss, grads

    def predict(self, X):
        return np.argmax(self.loss(X), axis=1)
'''


def _mlp_source(regularised, gradient_factor):
    return _MLP_TEMPLATE.replace("REGULARISED(key)", regularised).replace("GRADIENT_FACTOR", gradient_factor)


WRONG_ANSWERS = {
    "db_summed_over_the_wrong_axis": ("affine_backward", """
        def affine_backward(dout, cache):
            x, w, b = cache
            dx = (dout @ w.T).reshape(x.shape)
            dw = x.reshape(x.shape[0], -1).T @ dout
            db = dout.sum(axis=1)
            return dx, dw, db
        """, {"affine": 5, "mlp": 3}),  # the MLP's bias gradients break too: only scores and losses survive
    "db_forgotten": ("affine_backward", """
        def affine_backward(dout, cache):
            x, w, b = cache
            dx = (dout @ w.T).reshape(x.shape)
            dw = x.reshape(x.shape[0], -1).T @ dout
            return dx, dw
        """, {"affine": 2, "mlp": 1}),  # every call that unpacks three gradients fails; MLP scores still work
    "dx_not_reshaped": ("affine_backward", """
        def affine_backward(dout, cache):
            x, w, b = cache
            x_flat = x.reshape(x.shape[0], -1)
            return dout @ w.T, x_flat.T @ dout, dout.sum(axis=0)
        """, {"affine": 5}),  # only x with extra dimensions can tell; the MLP throws the first dx away
    "relu_gradient_at_zero_is_one": ("relu_backward", """
        def relu_backward(dout, cache):
            return dout * (cache >= 0)
        """, {"relu": 2}),
    "sigmoid_backward_treats_the_cache_as_x": ("sigmoid_backward", """
        def sigmoid_backward(dout, cache):
            s = 1.0 / (1.0 + np.exp(-cache))
            return dout * s * (1.0 - s)
        """, {"sigmoid": 1}),  # loses the gradient test and the backward half of the saturation test
    "mlp_gradient_misses_2_reg_W": ("MLP", _mlp_source('key.startswith("W")', "0.0"), {"mlp": 6}),
    "mlp_regularises_the_biases_too": ("MLP", _mlp_source("True", "2.0"), {"mlp": 5}),
    "xavier_in_uses_n_out": ("init_weights", """
        def init_weights(n_in, n_out, scheme, rng):
            variances = {"zeros": 0.0, "small": 1e-4, "large": 1.0, "xavier_in": 1.0 / n_out,
                         "xavier_out": 1.0 / n_out, "xavier": 2.0 / (n_in + n_out), "he": 2.0 / n_in}
            if scheme not in variances:
                raise ValueError(f"unknown scheme {scheme}")
            return rng.normal(0.0, np.sqrt(variances[scheme]), size=(n_in, n_out))
        """, {"init": 7}),
    "he_without_the_factor_2": ("init_weights", """
        def init_weights(n_in, n_out, scheme, rng):
            variances = {"zeros": 0.0, "small": 1e-4, "large": 1.0, "xavier_in": 1.0 / n_in,
                         "xavier_out": 1.0 / n_out, "xavier": 2.0 / (n_in + n_out), "he": 1.0 / n_in}
            if scheme not in variances:
                raise ValueError(f"unknown scheme {scheme}")
            return rng.normal(0.0, np.sqrt(variances[scheme]), size=(n_in, n_out))
        """, {"init": 7}),
    "init_from_the_global_random_state": ("init_weights", """
        def init_weights(n_in, n_out, scheme, rng):
            stds = {"zeros": 0.0, "small": 0.01, "large": 1.0, "xavier_in": np.sqrt(1.0 / n_in),
                    "xavier_out": np.sqrt(1.0 / n_out), "xavier": np.sqrt(2.0 / (n_in + n_out)),
                    "he": np.sqrt(2.0 / n_in)}
            if scheme not in stds:
                raise ValueError(f"unknown scheme {scheme}")
            return stds[scheme] * np.random.randn(n_in, n_out)
        """, {"init": 7}),  # statistically right, but a seed does not reproduce the weights
    "leaky_relu_backward_hard_codes_0_01": ("leaky_relu_backward", """
        def leaky_relu_backward(dout, cache):
            x, alpha = cache
            return dout * np.where(x > 0, 1.0, 0.01)
        """, {"leaky_relu": 1}),
    "mse_averages_over_samples_only": ("mse_loss", """
        def mse_loss(pred, target):
            diff = pred - target
            n = pred.shape[0]
            return float(np.sum(diff ** 2) / n), 2.0 * diff / n
        """, {"mse": 0}),
    "softplus_overflows": ("softplus_forward", """
        def softplus_forward(x):
            return np.log(1.0 + np.exp(x)), x
        """, {"softplus": 2}),
    "graph_forgets_the_minus_of_c": ("sigmoid_neuron_graph", """
        def sigmoid_neuron_graph(w, x):
            w0, w1, w2 = (float(v) for v in w)
            x0, x1 = (float(v) for v in x)
            f, g = w0 * x0, w1 * x1
            e = f + g
            d = e + w2
            c = -d
            b = np.exp(c)
            a = 1.0 + b
            L = 1.0 / a
            da = -1.0 / a ** 2
            db = da
            dc = np.exp(c) * db
            dd = dc
            de = dw2 = dd
            df = dg = de
            values = dict(f=f, g=g, e=e, d=d, c=c, b=b, a=a, L=L, dL=1.0, da=da, db=db, dc=dc, dd=dd, de=de,
                          df=df, dg=dg, dw0=x0 * df, dw1=x1 * dg, dw2=dw2, dx0=w0 * df, dx1=w1 * dg)
            return {k: float(v) for k, v in values.items()}
        """, {"graph": 1}),
}


@pytest.mark.parametrize("case", sorted(WRONG_ANSWERS))
def test_realistic_wrong_answer_loses_exactly_its_points(case, tmp_path):
    assert_wrong_answer_scores(LAB, FULL, WRONG_ANSWERS[case], tmp_path)


def test_feedback_names_the_failing_property_without_hidden_values(tmp_path):
    nb = replace_function(solution_notebook(LAB), "init_weights", WRONG_ANSWERS["xavier_in_uses_n_out"][1])
    failed = failed_tests(grade_notebook(nb, LAB, tmp_path))
    assert list(failed) == ["init: 'xavier_in': mean 0 and variance 1 / n_in, for n_in < n_out and n_in > n_out"]
    message = failed[next(iter(failed))]
    assert "standard deviation of the weights is" in message and "the scheme prescribes" in message

    nb = replace_function(solution_notebook(LAB), "relu_backward", WRONG_ANSWERS["relu_gradient_at_zero_is_one"][1])
    (message,) = failed_tests(grade_notebook(nb, LAB, tmp_path)).values()
    assert message.startswith("dx of relu_backward (input of shape") and "largest error" in message


GRADED_REFERENCE_FUNCTIONS = [name for name in dir(ref) if name.endswith(("_forward", "_backward"))] + [
    "mse_loss", "sigmoid_neuron_graph", "mlp_loss", "init_weights"]


# one wrong answer per kind of message: layer gradients, the graph's dict, the MLP's dict, init statistics
FEEDBACK_CASES = ["db_summed_over_the_wrong_axis", "graph_forgets_the_minus_of_c", "mlp_gradient_misses_2_reg_W",
                  "xavier_in_uses_n_out"]


@pytest.mark.parametrize("case", FEEDBACK_CASES)
def test_failure_messages_reveal_no_hidden_input_or_reference_value(case, tmp_path, monkeypatch):
    """No failure message contains a number sent to the student's code or computed by the reference."""
    assert_feedback_reveals_no_hidden_values(LAB, ref, GRADED_REFERENCE_FUNCTIONS, WRONG_ANSWERS[case], tmp_path,
                                             monkeypatch)


# ------------------------------------------------------------------------------------------ public self-checks

REFERENCE_FUNCTIONS = ["sigmoid_forward", "sigmoid_backward", "tanh_forward", "tanh_backward", "relu_forward",
                       "relu_backward", "leaky_relu_forward", "leaky_relu_backward", "elu_forward", "elu_backward",
                       "softplus_forward", "softplus_backward", "affine_forward", "affine_backward", "mse_loss",
                       "sigmoid_neuron_graph", "init_weights", "mlp_loss"]


@pytest.mark.parametrize("name", REFERENCE_FUNCTIONS)
def test_public_checks_pass_the_reference(name, capsys):
    check(name, getattr(ref, name))
    assert f"{name}: all" in capsys.readouterr().out


def test_public_check_of_relu_at_zero_names_the_call_and_the_entry():
    def relu_backward(dout, cache):
        return dout * (cache >= 0)

    with pytest.raises(CheckFailure) as failure:
        check("relu_backward", relu_backward)
    message = str(failure.value)
    assert "relu_backward(dout, cache) with dout = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]" in message
    assert "expected 0, got 3 at index (0, 2)" in message and "off by 3" in message


def test_public_check_of_affine_backward_wants_dx_in_the_shape_of_x():
    def affine_backward(dout, cache):
        x, w, b = cache
        return dout @ w.T, x.reshape(x.shape[0], -1).T @ dout, dout.sum(axis=0)

    with pytest.raises(CheckFailure) as failure:
        check("affine_backward", affine_backward)
    message = str(failure.value)
    assert "reshaped to (2, 1, 2)" in message and "[dx]" in message
    assert "expected shape (2, 1, 2), got shape (2, 2)" in message


def test_public_check_of_init_weights_reports_the_spread():
    def init_weights(n_in, n_out, scheme, rng):
        return ref.init_weights(n_out, n_in, scheme, rng).T if scheme == "he" else ref.init_weights(n_in, n_out,
                                                                                                     scheme, rng)

    with pytest.raises(CheckFailure) as failure:
        check("init_weights", init_weights)
    message = str(failure.value)
    assert "init_weights(400, 100, 'he', np.random.default_rng(0))" in message
    assert "std about 0.07071" in message and "got mean" in message


def test_public_check_of_the_mlp_catches_a_missing_regularisation_gradient():
    def mlp_loss(params, X, y=None, reg=0.0):
        got = ref.mlp_loss(params, X, y, reg)
        if y is None:
            return got
        loss, grads = got
        return loss, {k: g - 2 * reg * params[k] if k.startswith("W") else g for k, g in grads.items()}

    with pytest.raises(CheckFailure, match=r"grads\['W1'\] disagrees with the numeric gradient"):
        check("mlp_loss", mlp_loss)


def test_public_check_of_a_stub_says_it_is_not_implemented():
    def sigmoid_forward(x):
        raise NotImplementedError()

    with pytest.raises(CheckFailure, match="not implemented yet"):
        check("sigmoid_forward", sigmoid_forward)


def test_the_digits_demo_reaches_95_percent_in_the_executed_notebook():
    nb = solution_notebook(LAB)
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    accuracy = float(printed.split("test accuracy: ")[1].split("%")[0])
    assert accuracy >= 95.0
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
