"""Lab 4 graded end to end: the solution scores full marks, the stub zero, realistic mistakes lose exactly the
points of the properties they break (including what they break downstream: the MLP runs the student's layers)."""

import pytest
from lab_contract import LabContract
from lab_tables import mistakes_of

import solutions.layers as ref
from helpers import (
    assert_feedback_reveals_no_hidden_values,
    failed_tests,
    grade_notebook,
    replace_function,
    solution_notebook,
)
from labkit import CheckFailure, check

LAB = "04_backprop"
FULL = {"sigmoid": 3, "tanh": 2, "relu": 3, "leaky_relu": 3, "elu": 2, "softplus": 3, "affine": 6, "mse": 2,
        "graph": 3, "mlp": 7, "init": 8}


class TestGradingContract(LabContract):
    LAB, FULL, REFERENCE = LAB, FULL, ref


MISTAKES = mistakes_of(LAB).MISTAKES


def test_feedback_names_the_failing_property_without_hidden_values(tmp_path):
    nb = replace_function(solution_notebook(LAB), "init_weights", MISTAKES["xavier_in_uses_n_out"][1])
    failed = failed_tests(grade_notebook(nb, LAB, tmp_path))
    assert list(failed) == ["init: 'xavier_in': mean 0 and variance 1 / n_in, for n_in < n_out and n_in > n_out"]
    message = failed[next(iter(failed))]
    assert "standard deviation of the weights is" in message and "the scheme prescribes" in message

    nb = replace_function(solution_notebook(LAB), "relu_backward", MISTAKES["relu_gradient_at_zero_is_one"][1])
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
    assert_feedback_reveals_no_hidden_values(LAB, ref, GRADED_REFERENCE_FUNCTIONS, MISTAKES[case], tmp_path,
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
