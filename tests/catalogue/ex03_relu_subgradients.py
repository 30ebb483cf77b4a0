"""Student implementations for ``ex03_relu_subgradients``,
right and wrong, as source strings (the conventions: :mod:`tests.catalogue`).

The correct variants of ``max_subgradient`` split a tie every way the contract allows.
"""
from __future__ import annotations

from tests.catalogue import source


CORRECT: dict[str, dict[str, str]] = {
    "relu": {
        "clip": source('''
            import numpy as np

            def relu(x):
                return np.clip(np.asarray(x, dtype=np.float64), 0.0, None)
        '''),
        "where_keeping_nan": source('''
            import numpy as np

            def relu(x):
                x = np.asarray(x, dtype=np.float64)
                return np.where((x > 0) | np.isnan(x), x, 0.0)
        '''),
        "copy_then_zero_negatives": source('''
            import numpy as np

            def relu(x):
                out = np.array(x, dtype=np.float64)  # a copy
                out[out < 0] = 0.0                   # nan < 0 is False: nan stays
                return out
        '''),
        "maximum_with_float_zero": source('''
            import numpy as np

            def relu(x):
                return np.maximum(x, 0.0)  # a float zero makes integer input float64
        '''),
    },
    "relu_subdifferential": {
        "heaviside": source('''
            import numpy as np

            def relu_subdifferential(x):
                x = np.asarray(x, dtype=np.float64)
                return np.heaviside(x, 0.0), np.heaviside(x, 1.0)
        '''),
        "where_as_list": source('''
            import numpy as np

            def relu_subdifferential(x):
                x = np.asarray(x, dtype=np.float64)
                lo = np.where(x > 0, 1.0, 0.0)
                hi = np.where(x < 0, 0.0, 1.0)
                return [lo, hi]
        '''),
        "clipped_sign": source('''
            import numpy as np

            def relu_subdifferential(x):
                s = np.sign(np.asarray(x, dtype=np.float64))
                return np.clip(s, 0.0, 1.0), 1.0 - np.clip(-s, 0.0, 1.0)
        '''),
        "loop_over_entries": source('''
            import numpy as np

            def relu_subdifferential(x):
                x = np.asarray(x, dtype=np.float64)
                lo, hi = np.empty(x.shape), np.empty(x.shape)
                for index in np.ndindex(x.shape):
                    if x[index] > 0:
                        lo[index], hi[index] = 1.0, 1.0
                    elif x[index] < 0:
                        lo[index], hi[index] = 0.0, 0.0
                    else:
                        lo[index], hi[index] = 0.0, 1.0
                return lo, hi
        '''),
    },
    "max_subgradient": {
        "first_argmax_one_hot": source('''
            import numpy as np

            def max_subgradient(z):
                z = np.asarray(z, dtype=np.float64)
                g = np.zeros(z.shape)
                np.put_along_axis(g, np.argmax(z, axis=-1)[..., None], 1.0, axis=-1)
                return g
        '''),
        "last_argmax_one_hot": source('''
            import numpy as np

            def max_subgradient(z):
                z = np.asarray(z, dtype=np.float64)
                n = z.shape[-1]
                last = n - 1 - np.argmax(z[..., ::-1], axis=-1)
                return (np.arange(n) == last[..., None]).astype(np.float64)
        '''),
        "random_split_of_ties": source('''
            import numpy as np

            def max_subgradient(z):
                z = np.asarray(z, dtype=np.float64)
                rng = np.random.default_rng()
                tied = z == z.max(axis=-1, keepdims=True)
                weights = np.where(tied, rng.random(z.shape) + 0.01, 0.0)
                return weights / weights.sum(axis=-1, keepdims=True)
        '''),
        "uneven_split_by_position": source('''
            import numpy as np

            def max_subgradient(z):
                z = np.asarray(z, dtype=np.float64)
                tied = z == np.max(z, axis=-1, keepdims=True)
                weights = tied * np.arange(1.0, z.shape[-1] + 1.0)
                return weights / np.sum(weights, axis=-1, keepdims=True)
        '''),
        "loop_over_rows": source('''
            import numpy as np

            def max_subgradient(z):
                z = np.asarray(z, dtype=np.float64)
                g = np.zeros_like(z)
                for index in np.ndindex(z.shape[:-1]):
                    row = z[index]
                    winners = [i for i in range(row.size) if row[i] == row.max()]
                    for i in winners:
                        g[index + (i,)] = 1.0 / len(winners)
                return g
        '''),
    },
    "max_derivative": {
        "equals_and_sorting": source('''
            import sympy as sp

            def max_derivative(fs, x, point):
                values = [f.subs(x, point) for f in fs]
                order = sorted(range(len(fs)), key=lambda i: sp.N(values[i], 50), reverse=True)
                top = values[order[0]]
                active = [i for i in range(len(fs)) if (values[i] - top).equals(0)]
                slopes = [sp.diff(fs[i], x).subs(x, point) for i in active]
                if any(not (s - slopes[0]).equals(0) for s in slopes):
                    raise ValueError("not differentiable")
                return slopes[0]
        '''),
        "one_sided_derivatives": source('''
            import sympy as sp

            def max_derivative(fs, x, point):
                # The one-sided derivatives are the largest and smallest slope among the
                # functions attaining the maximum; f is differentiable iff they agree.
                values = [f.subs(x, point) for f in fs]
                best = values[0]
                for v in values[1:]:
                    if sp.simplify(v - best) != 0 and bool(v > best):
                        best = v
                slopes = [sp.simplify(sp.diff(f, x).subs(x, point))
                          for f, v in zip(fs, values) if sp.simplify(v - best) == 0]
                right, left = sp.Max(*slopes), sp.Min(*slopes)
                if sp.simplify(right - left) != 0:
                    raise ValueError(f"corner: left derivative {left}, right derivative {right}")
                return right
        '''),
        "expand_log_and_evalf": source('''
            import sympy as sp

            def max_derivative(fs, x, point):
                def same(a, b):
                    return sp.simplify(sp.expand_log(a - b, force=True)) == 0

                values = [f.subs(x, point) for f in fs]
                top = values[0]
                for v in values:
                    if not same(v, top) and (v - top).evalf(80) > 0:
                        top = v
                winners = [f for f, v in zip(fs, values) if same(v, top)]
                derivative = sp.diff(winners[0], x).subs(x, point)
                for f in winners[1:]:
                    if not same(sp.diff(f, x).subs(x, point), derivative):
                        raise ValueError("two maximal functions with different derivatives")
                return sp.nsimplify(derivative) if derivative.is_Rational else derivative
        '''),
    },
    "subgradient_method": {
        "preallocated_argmin": source('''
            import numpy as np

            def subgradient_method(f, subgrad, x0, steps, c):
                xs = np.empty((steps + 1, len(x0)))
                xs[0] = x0
                history = np.empty(steps + 1)
                history[0] = f(xs[0].copy())
                for k in range(steps):
                    xs[k + 1] = xs[k] - c / np.sqrt(k + 1) * subgrad(xs[k].copy())
                    history[k + 1] = f(xs[k + 1].copy())
                best = int(np.argmin(history))  # argmin returns the first minimum
                return xs[best].copy(), float(history[best]), history
        '''),
        "one_based_step_index": source('''
            import math
            import numpy as np

            def subgradient_method(f, subgrad, x0, steps, c):
                x = np.asarray(x0, dtype=np.float64).copy()
                values = [f(x)]
                iterates = [x]
                for k in range(1, steps + 1):
                    x = x - (c / math.sqrt(k)) * np.asarray(subgrad(x), dtype=float)
                    iterates.append(x)
                    values.append(f(x))
                best = min(range(len(values)), key=lambda i: (values[i], i))
                return iterates[best], float(values[best]), np.array(values, dtype=np.float64)
        '''),
        "list_result_and_numpy_float": source('''
            import numpy as np

            def subgradient_method(f, subgrad, x0, steps, c):
                x = x0.astype(np.float64)  # astype copies
                history = np.zeros(steps + 1)
                history[0] = f(x)
                x_best, f_best = x, history[0]
                for k in range(steps):
                    x = x - c * np.asarray(subgrad(x)) / np.sqrt(k + 1.0)
                    history[k + 1] = f(x)
                    if history[k + 1] < f_best:
                        x_best, f_best = x, history[k + 1]
                return [x_best, f_best, history]  # f_best is a numpy.float64
        '''),
    },
}


MISTAKES: dict[str, dict[str, str]] = {
    "relu": {
        "where_turns_nan_into_zero": source('''
            import numpy as np

            def relu(x):
                x = np.asarray(x, dtype=np.float64)
                return np.where(x > 0, x, 0.0)
        '''),
        "multiply_by_mask": source('''
            import numpy as np

            def relu(x):
                x = np.asarray(x, dtype=np.float64)
                return x * (x > 0)
        '''),
        "abs_formula": source('''
            import numpy as np

            def relu(x):
                x = np.asarray(x, dtype=np.float64)
                return (x + np.abs(x)) / 2
        '''),
        "fmax_ignores_nan": source('''
            import numpy as np

            def relu(x):
                return np.fmax(np.asarray(x, dtype=np.float64), 0.0)
        '''),
        "modifies_input": source('''
            import numpy as np

            def relu(x):
                x = np.asarray(x, dtype=np.float64)  # no copy for a float64 array
                x[x < 0] = 0.0
                return x
        '''),
        "integer_input_gives_integer_output": source('''
            import numpy as np

            def relu(x):
                return np.maximum(np.asarray(x), 0)
        '''),
        "python_max_per_entry": source('''
            def relu(x):
                return [max(0.0, v) for v in x]
        '''),
        "minimum_instead_of_maximum": source('''
            import numpy as np

            def relu(x):
                return np.minimum(np.asarray(x, dtype=np.float64), 0.0)
        '''),
    },
    "relu_subdifferential": {
        "tolerance_at_zero": source('''
            import numpy as np

            def relu_subdifferential(x):
                x = np.asarray(x, dtype=np.float64)
                zero = np.isclose(x, 0.0)
                return ((x > 0) & ~zero).astype(np.float64), ((x > 0) | zero).astype(np.float64)
        '''),
        "endpoints_swapped": source('''
            import numpy as np

            def relu_subdifferential(x):
                x = np.asarray(x, dtype=np.float64)
                return (x >= 0).astype(np.float64), (x > 0).astype(np.float64)
        '''),
        "framework_convention_at_zero": source('''
            import numpy as np

            def relu_subdifferential(x):
                x = np.asarray(x, dtype=np.float64)
                d = (x > 0).astype(np.float64)  # ReLU'(0) = 0, as in PyTorch
                return d, d.copy()
        '''),
        "half_at_zero": source('''
            import numpy as np

            def relu_subdifferential(x):
                x = np.asarray(x, dtype=np.float64)
                d = np.where(x > 0, 1.0, np.where(x < 0, 0.0, 0.5))  # one "midpoint" slope at 0
                return d, d.copy()
        '''),
        "stacked_array": source('''
            import numpy as np

            def relu_subdifferential(x):
                x = np.asarray(x, dtype=np.float64)
                return np.stack([(x > 0).astype(np.float64), (x >= 0).astype(np.float64)])
        '''),
        "boolean_arrays": source('''
            import numpy as np

            def relu_subdifferential(x):
                x = np.asarray(x, dtype=np.float64)
                return x > 0, x >= 0
        '''),
        "nested_lists": source('''
            import numpy as np

            def relu_subdifferential(x):
                x = np.asarray(x, dtype=np.float64)
                return (x > 0).astype(float).tolist(), (x >= 0).astype(float).tolist()
        '''),
        "signbit_misses_negative_zero": source('''
            import numpy as np

            def relu_subdifferential(x):
                x = np.asarray(x, dtype=np.float64)
                return (x > 0).astype(np.float64), (~np.signbit(x)).astype(np.float64)
        '''),
    },
    "max_subgradient": {
        "softmax_instead": source('''
            import numpy as np

            def max_subgradient(z):
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z - z.max(axis=-1, keepdims=True))
                return e / e.sum(axis=-1, keepdims=True)
        '''),
        "mask_not_normalised": source('''
            import numpy as np

            def max_subgradient(z):
                z = np.asarray(z, dtype=np.float64)
                return (z == z.max(axis=-1, keepdims=True)).astype(np.float64)
        '''),
        "argmax_over_axis_0": source('''
            import numpy as np

            def max_subgradient(z):
                z = np.asarray(z, dtype=np.float64)
                g = np.zeros(z.shape)
                np.put_along_axis(g, np.argmax(z, axis=0)[None, ...], 1.0, axis=0)
                return g
        '''),
        "global_max": source('''
            import numpy as np

            def max_subgradient(z):
                z = np.asarray(z, dtype=np.float64)
                winners = z == z.max()
                return winners / max(winners.sum(), 1)
        '''),
        "divides_by_n": source('''
            import numpy as np

            def max_subgradient(z):
                z = np.asarray(z, dtype=np.float64)
                return (z == z.max(axis=-1, keepdims=True)) / z.shape[-1]
        '''),
        "one_hot_of_argmin": source('''
            import numpy as np

            def max_subgradient(z):
                z = np.asarray(z, dtype=np.float64)
                g = np.zeros(z.shape)
                np.put_along_axis(g, np.argmin(z, axis=-1)[..., None], 1.0, axis=-1)
                return g
        '''),
        "flattened_argmax": source('''
            import numpy as np

            def max_subgradient(z):
                z = np.asarray(z, dtype=np.float64)
                return np.eye(z.shape[-1])[np.argmax(z) % z.shape[-1]]
        '''),
        "writes_into_input": source('''
            import numpy as np

            def max_subgradient(z):
                z = np.asarray(z, dtype=np.float64)  # no copy for a float64 array
                tied = z == z.max(axis=-1, keepdims=True)
                z[...] = tied / tied.sum(axis=-1, keepdims=True)
                return z
        '''),
        "integer_one_hot": source('''
            import numpy as np

            def max_subgradient(z):
                z = np.asarray(z)
                g = np.zeros(z.shape, dtype=int)
                np.put_along_axis(g, np.argmax(z, axis=-1)[..., None], 1, axis=-1)
                return g
        '''),
    },
    "max_derivative": {
        "ignores_ties": source('''
            import sympy as sp

            def max_derivative(fs, x, point):
                values = [float(f.subs(x, point)) for f in fs]
                winner = fs[values.index(max(values))]
                return sp.diff(winner, x).subs(x, point)
        '''),
        "any_tie_raises": source('''
            import sympy as sp

            def max_derivative(fs, x, point):
                values = [f.subs(x, point) for f in fs]
                for i in range(len(fs)):
                    for j in range(i + 1, len(fs)):
                        if sp.simplify(values[i] - values[j]) == 0:
                            if sp.simplify(sp.diff(fs[i] - fs[j], x).subs(x, point)) != 0:
                                raise ValueError("tie with different slopes")
                top = max(range(len(fs)), key=lambda i: sp.N(values[i], 50))
                return sp.diff(fs[top], x).subs(x, point)
        '''),
        "returns_float": source('''
            import sympy as sp

            def max_derivative(fs, x, point):
                values = [f.subs(x, point) for f in fs]
                top = max(values, key=lambda v: sp.N(v, 50))
                active = [f for f, v in zip(fs, values) if sp.simplify(v - top) == 0]
                slopes = [sp.diff(f, x).subs(x, point) for f in active]
                if any(sp.simplify(s - slopes[0]) != 0 for s in slopes):
                    raise ValueError("corner")
                return float(slopes[0])
        '''),
        "float_tolerance_for_ties": source('''
            import sympy as sp

            def max_derivative(fs, x, point):
                values = [float(f.subs(x, point)) for f in fs]
                top = max(values)
                active = [f for f, v in zip(fs, values) if abs(v - top) < 1e-9]
                slopes = [sp.diff(f, x).subs(x, point) for f in active]
                if any(abs(float(s - slopes[0])) > 1e-9 for s in slopes):
                    raise ValueError("corner")
                return slopes[0]
        '''),
        "structural_equality_misses_ties": source('''
            import sympy as sp

            def max_derivative(fs, x, point):
                values = [f.subs(x, point) for f in fs]
                top = max(values, key=lambda v: sp.N(v, 50))
                active = [f for f, v in zip(fs, values) if v == top]  # == compares the form
                slopes = [sp.diff(f, x).subs(x, point) for f in active]
                if any(s != slopes[0] for s in slopes):
                    raise ValueError("corner")
                return slopes[0]
        '''),
        "own_symbol": source('''
            import sympy as sp

            def max_derivative(fs, x, point):
                x = sp.Symbol("x")  # not the symbol the functions use when it has assumptions
                values = [f.subs(x, point) for f in fs]
                top = max(values, key=lambda v: sp.N(v, 50))
                active = [f for f, v in zip(fs, values) if sp.simplify(v - top) == 0]
                slopes = [sp.diff(f, x).subs(x, point) for f in active]
                if any(sp.simplify(s - slopes[0]) != 0 for s in slopes):
                    raise ValueError("corner")
                return slopes[0]
        '''),
        "forgets_to_substitute": source('''
            import sympy as sp

            def max_derivative(fs, x, point):
                values = [f.subs(x, point) for f in fs]
                top = max(values, key=lambda v: sp.N(v, 50))
                active = [f for f, v in zip(fs, values) if sp.simplify(v - top) == 0]
                slopes = [sp.diff(f, x) for f in active]
                if any(sp.simplify((s - slopes[0]).subs(x, point)) != 0 for s in slopes):
                    raise ValueError("corner")
                return slopes[0]
        '''),
        "right_derivative_at_corners": source('''
            import sympy as sp

            def max_derivative(fs, x, point):
                values = [f.subs(x, point) for f in fs]
                top = max(values, key=lambda v: sp.N(v, 50))
                active = [f for f, v in zip(fs, values) if sp.simplify(v - top) == 0]
                return sp.Max(*[sp.diff(f, x).subs(x, point) for f in active])
        '''),
        "differentiates_sympy_max": source('''
            import sympy as sp

            def max_derivative(fs, x, point):
                return sp.diff(sp.Max(*fs), x).subs(x, point)
        '''),
    },
    "subgradient_method": {
        "constant_step": source('''
            import numpy as np

            def subgradient_method(f, subgrad, x0, steps, c):
                x = np.array(x0, dtype=np.float64)
                history = [f(x)]
                best_x, best_f = x.copy(), history[0]
                for k in range(steps):
                    x = x - c * subgrad(x)
                    history.append(f(x))
                    if history[-1] < best_f:
                        best_x, best_f = x.copy(), history[-1]
                return best_x, float(best_f), np.array(history)
        '''),
        "step_c_over_k_plus_1": source('''
            import numpy as np

            def subgradient_method(f, subgrad, x0, steps, c):
                x = np.array(x0, dtype=np.float64)
                history = [f(x)]
                best_x, best_f = x.copy(), history[0]
                for k in range(steps):
                    x = x - c / (k + 1) * subgrad(x)
                    history.append(f(x))
                    if history[-1] < best_f:
                        best_x, best_f = x.copy(), history[-1]
                return best_x, float(best_f), np.array(history)
        '''),
        "returns_last_iterate": source('''
            import numpy as np

            def subgradient_method(f, subgrad, x0, steps, c):
                x = np.array(x0, dtype=np.float64)
                history = [f(x)]
                for k in range(steps):
                    x = x - c / np.sqrt(k + 1) * subgrad(x)
                    history.append(f(x))
                return x, float(history[-1]), np.array(history)
        '''),
        "last_iterate_on_ties": source('''
            import numpy as np

            def subgradient_method(f, subgrad, x0, steps, c):
                x = np.array(x0, dtype=np.float64)
                history = [f(x)]
                best_x, best_f = x.copy(), history[0]
                for k in range(steps):
                    x = x - c / np.sqrt(k + 1) * subgrad(x)
                    history.append(f(x))
                    if history[-1] <= best_f:
                        best_x, best_f = x.copy(), history[-1]
                return best_x, float(best_f), np.array(history)
        '''),
        "modifies_x0": source('''
            import numpy as np

            def subgradient_method(f, subgrad, x0, steps, c):
                x = np.asarray(x0, dtype=np.float64)  # no copy for a float64 array
                history = [f(x)]
                best_x, best_f = x.copy(), history[0]
                for k in range(steps):
                    x -= c / np.sqrt(k + 1) * subgrad(x)
                    history.append(f(x))
                    if history[-1] < best_f:
                        best_x, best_f = x.copy(), history[-1]
                return best_x, float(best_f), np.array(history)
        '''),
        "history_without_x0": source('''
            import numpy as np

            def subgradient_method(f, subgrad, x0, steps, c):
                x = np.array(x0, dtype=np.float64)
                history = []
                best_x, best_f = x.copy(), f(x)
                for k in range(steps):
                    x = x - c / np.sqrt(k + 1) * subgrad(x)
                    history.append(f(x))
                    if history[-1] < best_f:
                        best_x, best_f = x.copy(), history[-1]
                return best_x, float(best_f), np.array(history)
        '''),
        "best_x_aliases_the_iterate": source('''
            import numpy as np

            def subgradient_method(f, subgrad, x0, steps, c):
                x = np.array(x0, dtype=np.float64)
                history = [f(x)]
                best_x, best_f = x, history[0]
                for k in range(steps):
                    x -= c / np.sqrt(k + 1) * subgrad(x)  # in place: best_x moves along
                    history.append(f(x))
                    if history[-1] < best_f:
                        best_x, best_f = x, history[-1]
                return best_x, float(best_f), np.array(history)
        '''),
        "history_as_list": source('''
            import numpy as np

            def subgradient_method(f, subgrad, x0, steps, c):
                x = np.array(x0, dtype=np.float64)
                history = [f(x)]
                best_x, best_f = x.copy(), history[0]
                for k in range(steps):
                    x = x - c / np.sqrt(k + 1) * subgrad(x)
                    history.append(f(x))
                    if history[-1] < best_f:
                        best_x, best_f = x.copy(), history[-1]
                return best_x, float(best_f), history
        '''),
        "integer_x0_breaks_in_place_update": source('''
            import numpy as np

            def subgradient_method(f, subgrad, x0, steps, c):
                x = x0.copy()
                history = [f(x)]
                best_x, best_f = x.copy(), history[0]
                for k in range(steps):
                    x -= c / np.sqrt(k + 1) * subgrad(x)
                    history.append(f(x))
                    if history[-1] < best_f:
                        best_x, best_f = x.copy(), history[-1]
                return best_x, float(best_f), np.array(history, dtype=np.float64)
        '''),
    },
}

# --- what the contract test (tests/test_checks_contract.py) expects of the mistakes, as data ---

#: For each mistake, a few words of the part it must fail (the part's description).
EXPECTED_FAILED_PART = {
    ("relu", "where_turns_nan_into_zero"): "NaN stays NaN",
    ("relu", "multiply_by_mask"): "NaN stays NaN",
    ("relu", "abs_formula"): "NaN stays NaN",
    ("relu", "fmax_ignores_nan"): "NaN stays NaN",
    ("relu", "modifies_input"): "leaves its input alone",
    ("relu", "integer_input_gives_integer_output"): "new float64 array",
    ("relu", "python_max_per_entry"): "max(0, x) on vectors",
    ("relu", "minimum_instead_of_maximum"): "max(0, x) on vectors",
    ("relu_subdifferential", "tolerance_at_zero"): "exactly [0, 1] at 0",
    ("relu_subdifferential", "endpoints_swapped"): "exactly [0, 1] at 0",
    ("relu_subdifferential", "framework_convention_at_zero"): "exactly [0, 1] at 0",
    ("relu_subdifferential", "half_at_zero"): "exactly [0, 1] at 0",
    ("relu_subdifferential", "stacked_array"): "[0, 0] below 0",
    ("relu_subdifferential", "boolean_arrays"): "two new float64 arrays",
    ("relu_subdifferential", "nested_lists"): "two new float64 arrays",
    ("relu_subdifferential", "signbit_misses_negative_zero"): "exactly [0, 1] at 0",
    ("max_subgradient", "softmax_instead"): "single largest entry",
    ("max_subgradient", "mask_not_normalised"): "exact ties",
    ("max_subgradient", "argmax_over_axis_0"): "single largest entry",
    ("max_subgradient", "global_max"): "single largest entry",
    ("max_subgradient", "divides_by_n"): "single largest entry",
    ("max_subgradient", "one_hot_of_argmin"): "single largest entry",
    ("max_subgradient", "flattened_argmax"): "single largest entry",
    ("max_subgradient", "writes_into_input"): "leaves its input alone",
    ("max_subgradient", "integer_one_hot"): "new float64 array",
    ("max_derivative", "ignores_ties"): "different derivatives raise ValueError",
    ("max_derivative", "any_tie_raises"): "below the maximum",
    ("max_derivative", "returns_float"): "exact SymPy number",
    ("max_derivative", "float_tolerance_for_ties"): "1e-20 is not a tie",
    ("max_derivative", "structural_equality_misses_ties"): "different derivatives raise ValueError",
    ("max_derivative", "own_symbol"): "the symbol it is given",
    ("max_derivative", "forgets_to_substitute"): "one function attains the maximum",
    ("max_derivative", "right_derivative_at_corners"): "different derivatives raise ValueError",
    ("max_derivative", "differentiates_sympy_max"): "equal derivatives",
    ("subgradient_method", "constant_step"): "non-smooth convex problems",
    ("subgradient_method", "step_c_over_k_plus_1"): "non-smooth convex problems",
    ("subgradient_method", "returns_last_iterate"): "non-smooth convex problems",
    ("subgradient_method", "last_iterate_on_ties"): "the first such iterate",
    ("subgradient_method", "modifies_x0"): "never modifies x0",
    ("subgradient_method", "history_without_x0"): "steps = 0 and steps = 1",
    ("subgradient_method", "best_x_aliases_the_iterate"): "non-smooth convex problems",
    ("subgradient_method", "history_as_list"): "float64 arrays",
    ("subgradient_method", "integer_x0_breaks_in_place_update"): "integer x0",
}

#: (name, mistake, words of the failed part, words its message must contain)
ACTIONABLE_MESSAGES = [
    ("relu", "where_turns_nan_into_zero", "NaN stays NaN", "got 0.0, expected exactly nan"),
    ("relu", "multiply_by_mask", "new float64 array", "RuntimeWarning"),
    ("relu", "modifies_input", "leaves its input alone", "modified the caller's array in place"),
    ("relu_subdifferential", "stacked_array", "[0, 0] below 0", "expected a tuple or list"),
    ("relu_subdifferential", "boolean_arrays", "two new float64 arrays", "expected a numpy.ndarray of dtype float64"),
    ("relu_subdifferential", "framework_convention_at_zero", "exactly [0, 1] at 0", "hi of relu_subdifferential"),
    ("max_subgradient", "mask_not_normalised", "exact ties", "each row must sum to 1"),
    ("max_subgradient", "softmax_instead", "single largest entry", "must be exactly 0 there"),
    ("max_derivative", "ignores_ties", "different derivatives raise ValueError", "raise ValueError"),
    ("max_derivative", "any_tie_raises", "below the maximum", "ValueError: tie with different slopes"),
    ("max_derivative", "returns_float", "exact SymPy number", "returned a builtins.float"),
    ("max_derivative", "forgets_to_substitute", "one function attains", "substitute the point"),
    ("subgradient_method", "last_iterate_on_ties", "the first such iterate", "the first iterate with the smallest f"),
    ("subgradient_method", "modifies_x0", "never modifies x0", "modified the caller's x0 in place"),
    ("subgradient_method", "history_without_x0", "steps = 0", "f_history has shape (0,), expected (1,)"),
]
