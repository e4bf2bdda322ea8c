"""Benchmark: the reference's naive and im2col convolution layers against PyTorch's ``conv2d``, forward + backward.

One run, one CIFAR-like layer (N = 64, 3 -> 16 channels, 32 x 32, 3 x 3 filters, stride 1, pad 1), float64 on the
CPU for all three, the same inputs. PyTorch's time is ``conv2d`` forward plus ``backward`` through autograd (the
gradients of x, w and b), with the tensors created outside the timed region. Prints the best of several repeats in
seconds and the ratios. The naive layer is too slow for N = 64 in a benchmark: it is timed on N = 4 and scaled by
16 (its loops are over output positions, its work per position linear in N), which the output says.

The goals: fast within 3x of PyTorch, and at least 100x faster than naive. NumPy's BLAS and PyTorch use the same
number of threads (``--threads``, default 1: this machine's two cores are shared).

Run: ``python benchmarks/conv_speed.py [--threads 1] [--repeats 7]``
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from solutions import cnn  # noqa: E402

N, C, F_OUT, SIZE, K = 64, 3, 16, 32, 3
CONV_PARAM = {"stride": 1, "pad": 1}
N_NAIVE = 4


def best_time(fn, repeats):
    fn()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS and PyTorch threads (default 1)")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, C, SIZE, SIZE))
    w = rng.normal(size=(F_OUT, C, K, K))
    b = rng.normal(size=F_OUT)
    dout = rng.normal(size=(N, F_OUT, SIZE, SIZE))

    def fast():
        _, cache = cnn.conv_forward_fast(x, w, b, CONV_PARAM)
        return cnn.conv_backward_fast(dout, cache)

    def naive():
        _, cache = cnn.conv_forward_naive(x[:N_NAIVE], w, b, CONV_PARAM)
        return cnn.conv_backward_naive(dout[:N_NAIVE], cache)

    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    dt = torch.tensor(dout)

    def pytorch():
        xt.grad = wt.grad = bt.grad = None
        F.conv2d(xt, wt, bt, stride=1, padding=1).backward(dt)
        return xt.grad, wt.grad, bt.grad

    with threadpool_limits(limits=args.threads):
        ours = fast()
        theirs = pytorch()
        agreement = max(float(np.max(np.abs(a - t.numpy()))) for a, t in zip(ours, theirs))
        t_fast = best_time(fast, args.repeats)
        t_torch = best_time(pytorch, args.repeats)
        t_naive = best_time(naive, max(1, args.repeats // 3)) * (N / N_NAIVE)

    print(f"conv layer N={N}, C={C} -> F={F_OUT}, {SIZE}x{SIZE}, {K}x{K}, stride 1, pad 1; float64, CPU, "
          f"{args.threads} thread(s); forward + backward, best of {args.repeats}")
    print(f"  naive (loops)      {t_naive:9.4f} s   (timed on N={N_NAIVE}, scaled by {N // N_NAIVE})")
    print(f"  fast (im2col)      {t_fast:9.4f} s")
    print(f"  PyTorch conv2d     {t_torch:9.4f} s")
    print(f"  fast / PyTorch     {t_fast / t_torch:9.2f} x   (goal: at most 3)")
    print(f"  naive / fast       {t_naive / t_fast:9.1f} x   (goal: at least 100)")
    print(f"  max |fast - PyTorch| over dx, dw, db: {agreement:.1e}")


if __name__ == "__main__":
    main()
