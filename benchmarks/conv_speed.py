"""How fast is exercise 04's vectorised convolution? Forward + backward on the CPU, side by side with
PyTorch (torch.nn.functional.conv2d and autograd) and with the naive loops given in the notebook.

The NumPy functions are taken from the instructor's notebook, solutions/04-fast-convolution/: its setup
cells and solution cells are executed here (students never run this script).

    python benchmarks/conv_speed.py            # N=32, C 16->32, 32x32, 3x3 kernel, padding 1, float32
    python benchmarks/conv_speed.py --quick    # tiny sizes, a few seconds (used by the tests)
    python benchmarks/conv_speed.py --output benchmarks/results/conv_speed-DATE.json   # also save the figures

The JSON file holds the times, the ratios and the machine (CPU model, cores, BLAS and torch threads,
versions, date); the book's fast-convolution chapter displays the committed one.

Goals: the im2col implementation within 3x PyTorch's time, and at least 100x faster than the naive loops.
The naive loops are timed on a smaller batch and scaled linearly in N (their cost is exactly linear in
N: one Python iteration per output value); the output says so.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "solutions" / "04-fast-convolution" / "04-fast-convolution.ipynb"
sys.path.insert(0, str(REPO / "src"))  # cnncourse, also for the notebook's setup cell

from cnncourse.timing import best_time  # noqa: E402


def load_solution(path: Path = NOTEBOOK) -> dict:
    """Execute the notebook's setup and solution cells (not its tests or demos); return their namespace."""
    import nbformat

    namespace: dict = {"__name__": "conv_speed_solution"}
    for cell in nbformat.read(path, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta and not meta.get("grade"):
            exec(compile(cell.source, f"{path.name}:{meta['grade_id']}", "exec"), namespace)
    for name in ("conv2d_forward_fast", "conv2d_backward_fast", "conv2d_naive_forward", "conv2d_naive_backward"):
        if name not in namespace:
            raise RuntimeError(f"{path} does not define {name}")
    return namespace


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), with its family and model numbers (virtual machines
    often report a bare vendor name), else what the platform module knows."""
    fields: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    if "model name" not in fields:
        return platform.processor() or platform.machine() or "unknown"
    extra = ", ".join(f"{key} {fields[key]}" for key in ("cpu family", "model") if key in fields)
    return fields["model name"] + (f" ({extra})" if extra else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (seconds), for the tests")
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per implementation (best is kept)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for both NumPy's BLAS and PyTorch (default: each library's own default; "
                             "1 gives steadier figures on a busy machine)")
    parser.add_argument("--notebook", type=Path, default=NOTEBOOK,
                        help="the notebook whose functions are timed (default: the instructor's solution)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of timing blocks (each implementation keeps its best); more on a busy machine")
    parser.add_argument("--output", type=Path, default=None,
                        help="also write the figures and the machine's description to this JSON file")
    args = parser.parse_args(argv)

    import torch
    import torch.nn.functional as F

    if args.threads is not None:  # the same number of threads for both libraries, for the whole run
        from threadpoolctl import threadpool_limits as _limits
        _blas_limit = _limits(limits=args.threads, user_api="blas")  # noqa: F841 (kept alive: the limit holds)
        torch.set_num_threads(args.threads)

    if args.quick:
        n, c_in, c_out, size, n_naive, repeat = 2, 3, 4, 8, 2, args.repeat or 3
    else:
        n, c_in, c_out, size, n_naive, repeat = 32, 16, 32, 32, 1, args.repeat or 5
    k, padding = 3, 1
    sol = load_solution(args.notebook)
    fwd, bwd = sol["conv2d_forward_fast"], sol["conv2d_backward_fast"]
    naive_fwd, naive_bwd = sol["conv2d_naive_forward"], sol["conv2d_naive_backward"]

    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c_in, size, size)).astype(np.float32)
    w = (rng.standard_normal((c_out, c_in, k, k)) / np.sqrt(c_in * k * k)).astype(np.float32)
    b = rng.standard_normal(c_out).astype(np.float32)
    dout = rng.standard_normal((n, c_out, size, size)).astype(np.float32)

    # -- ours (NumPy, im2col) --------------------------------------------------------------------
    def ours_forward():
        return fwd(x, w, b, padding=padding)

    def ours_backward():
        return bwd(dout, x, w, padding=padding)

    # -- PyTorch -------------------------------------------------------------------------------------
    tx, tw, tb = (torch.from_numpy(v).requires_grad_() for v in (x, w, b))
    tdout = torch.from_numpy(dout)
    graph = {}

    def torch_forward():
        graph["y"] = F.conv2d(tx, tw, tb, padding=padding)

    def torch_backward():
        tx.grad = tw.grad = tb.grad = None
        graph["y"].backward(tdout, retain_graph=True)

    # Each implementation is warmed up and timed in its own block, NumPy first: PyTorch's OpenMP threads
    # and NumPy's BLAS threads spin for a while after each call, and interleaving them on few cores
    # would mostly measure that contention. A short pause separates the blocks.
    # Rounds of blocks (three unless --rounds says otherwise), keeping each implementation's best time:
    # on a shared machine the best time is the one least disturbed by other work.
    # The same NumPy code is also timed with one BLAS thread: on a busy machine NumPy's BLAS threads
    # compete with everything else, and one thread can be the faster choice.
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None

    def best_pair(forward, backward):
        return best_time(forward, repeat=repeat), best_time(backward, repeat=repeat)

    t_ours = t_ours1 = t_torch = (float("inf"), float("inf"))
    for _ in range(args.rounds):
        ours_forward(), ours_backward()
        t_ours = tuple(map(min, t_ours, best_pair(ours_forward, ours_backward)))
        if threadpool_limits is not None:
            with threadpool_limits(limits=1, user_api="blas"):
                t_ours1 = tuple(map(min, t_ours1, best_pair(ours_forward, ours_backward)))
        time.sleep(0.2)
        torch_forward(), torch_backward()
        t_torch = tuple(map(min, t_torch, best_pair(torch_forward, torch_backward)))
        time.sleep(0.2)

    # -- the naive loops, on n_naive images, scaled to n ---------------------------------------------
    xs, ds = x[:n_naive], dout[:n_naive]
    scale_n = n / n_naive
    t_naive = (best_time(lambda: naive_fwd(xs, w, b, padding=padding), repeat=1) * scale_n,
               best_time(lambda: naive_bwd(ds, xs, w, padding=padding), repeat=1) * scale_n)

    # the timings mean nothing unless the results agree
    y = ours_forward()
    dx, dw, db = ours_backward()
    torch_forward()
    torch_backward()
    for name, mine, ref in (("y", y, graph["y"].detach().numpy()), ("dx", dx, tx.grad.numpy()),
                            ("dw", dw, tw.grad.numpy()), ("db", db, tb.grad.numpy())):
        scale = max(float(np.abs(ref).max()), 1e-12)
        if mine.shape != ref.shape or float(np.abs(mine - ref).max()) / scale > 1e-4:
            raise SystemExit(f"the NumPy implementation disagrees with PyTorch on {name}")

    total = {"numpy im2col (ours)": sum(t_ours), "torch conv2d + autograd": sum(t_torch), "naive loops": sum(t_naive)}
    parts = {"numpy im2col (ours)": t_ours, "torch conv2d + autograd": t_torch, "naive loops": t_naive}
    if threadpool_limits is not None:
        parts["numpy im2col, 1 BLAS thread"] = t_ours1
        total["numpy im2col, 1 BLAS thread"] = sum(t_ours1)
    print(f"conv2d forward + backward on the CPU: x ({n}, {c_in}, {size}, {size}) float32, "
          f"w ({c_out}, {c_in}, {k}, {k}), padding {padding}")
    try:  # scikit-learn's dependency; reports the threads of NumPy's BLAS
        from threadpoolctl import threadpool_info
        blas_info = [i for i in threadpool_info() if i["user_api"] == "blas"]
        blas = ", ".join(f"{i['internal_api']} {i['num_threads']}" for i in blas_info)
    except ImportError:
        blas_info, blas = [], "unknown"
    print(f"torch {torch.__version__}, torch threads: {torch.get_num_threads()}, numpy {np.__version__} "
          f"(BLAS threads: {blas or 'unknown'}); "
          f"best of {args.rounds} x {repeat} runs (naive: 1 run)")
    if scale_n != 1:
        print(f"note: the naive loops were timed on N={n_naive} and scaled linearly to N={n} (x{scale_n:g})")
    print()
    print(f"{'implementation':<26}{'forward ms':>12}{'backward ms':>13}{'total ms':>11}{'vs ours':>10}")
    for name, (tf, tbwd) in parts.items():
        print(f"{name:<26}{1e3 * tf:>12.2f}{1e3 * tbwd:>13.2f}{1e3 * (tf + tbwd):>11.2f}"
              f"{total[name] / total['numpy im2col (ours)']:>9.2f}x")
    print()
    ratio_torch = total["numpy im2col (ours)"] / total["torch conv2d + autograd"]
    ratio_naive = total["naive loops"] / total["numpy im2col (ours)"]
    print(f"ratio ours / torch: {ratio_torch:.2f}  (goal: at most 3) -> {'met' if ratio_torch <= 3 else 'NOT met'}")
    verdict = "met" if ratio_naive >= 100 else "NOT met"
    print(f"ratio naive / ours: {ratio_naive:.1f}  (goal: at least 100) -> {verdict}")
    if threadpool_limits is not None:
        one_thread = total["numpy im2col, 1 BLAS thread"] / total["torch conv2d + autograd"]
        print(f"ratio ours with 1 BLAS thread / torch: {one_thread:.2f}")
    if args.quick:
        print("(--quick: tiny sizes, the goals are for the full run)")
    if args.output is not None:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):
            load = None
        record = {
            "benchmark": "benchmarks/conv_speed.py" + (" --quick" if args.quick else ""),
            "notebook": str(args.notebook.resolve().relative_to(REPO)) if args.notebook.resolve().is_relative_to(REPO)
                        else args.notebook.name,
            "date": datetime.date.today().isoformat(),
            "problem": {"N": n, "C_in": c_in, "C_out": c_out, "H": size, "W": size, "k": k, "padding": padding,
                        "dtype": "float32", "pass": "forward + backward"},
            "machine": {"cpu": cpu_model(), "logical_cpus": os.cpu_count(), "load_average_1min": load,
                        "blas": [{"library": i["internal_api"], "version": i.get("version"),
                                  "architecture": i.get("architecture"), "threads": i["num_threads"]}
                                 for i in blas_info],
                        "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
                        "numpy": np.__version__, "python": platform.python_version()},
            "threads_option": args.threads,
            "timing": f"best of {args.rounds} x {repeat} runs; naive loops 1 run on N={n_naive}, scaled x{scale_n:g}",
            "times_ms": {name: {"forward": 1e3 * tf, "backward": 1e3 * tbwd, "total": 1e3 * (tf + tbwd)}
                         for name, (tf, tbwd) in parts.items()},
            "ratios": {"ours_over_torch": ratio_torch, "naive_over_ours": ratio_naive},
            "goals": {"ours_over_torch_at_most": 3, "naive_over_ours_at_least": 100},
        }
        if threadpool_limits is not None:
            record["ratios"]["ours_1_blas_thread_over_torch"] = \
                total["numpy im2col, 1 BLAS thread"] / total["torch conv2d + autograd"]
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(record, indent=2) + "\n")
        print(f"figures written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
