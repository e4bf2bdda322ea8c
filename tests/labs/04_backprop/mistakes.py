"""Lab 4's realistic mistakes, the one table: ``MISTAKES`` maps a name to (the function replaced, its wrong source,
{exercise: expected score} for the exercises it costs points; every other exercise keeps full marks).

``BOB`` names the mistakes of Bob's example notebook (examples/submissions/bob_04_backprop.ipynb, written by
examples/make_examples.py). Bob's Lab 4: his tanh backward pass treats the cached output as the input, and his He
initialisation divides by the number of outputs.
"""

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


MISTAKES = {
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
    # Bob's own words for mistakes above (examples/submissions/bob_*.ipynb is made of them)
    "tanh_backward_takes_the_output_for_the_input": ("tanh_backward", """
        def tanh_backward(dout, cache):
            return dout * (1.0 - np.tanh(cache) ** 2)
        """, {'tanh': 1}),
    "he_divides_by_n_out": ("init_weights", """
        def init_weights(n_in, n_out, scheme, rng):
            variances = {"zeros": 0.0, "small": 1e-4, "large": 1.0, "xavier_in": 1.0 / n_in, "xavier_out": 1.0 / n_out,
                         "xavier": 2.0 / (n_in + n_out), "he": 2.0 / n_out}
            if scheme not in variances:
                raise ValueError(f"unknown scheme {scheme!r}")
            return rng.normal(0.0, np.sqrt(variances[scheme]), size=(n_in, n_out))
        """, {'init': 7}),
}

BOB = ("tanh_backward_takes_the_output_for_the_input", "he_divides_by_n_out")
BOB_SCORE = 40  # of 42
