"""Student implementations for ``ex06_dead_relu``,
right and wrong, as source strings (the conventions: :mod:`tests.catalogue`).
"""
from __future__ import annotations

from tests.catalogue import changed, source


# The correct gradient, as a template for mistakes that change one line.
_GRADS = '''
    import numpy as np

    def two_layer_grads(a, b, u, X, Y, alpha=0.0):
        a, b, u, X, Y = (np.asarray(v, dtype=np.float64) for v in (a, b, u, X, Y))
        T = np.outer(X, a) + b
        act = np.where(T > 0, T, alpha * T)
        slope = np.where(T > 0, 1.0, alpha)
        r = act @ u - Y
        back = r[:, None] * slope * u
        N = X.shape[0]
        return back.T @ X / N, back.sum(axis=0) / N, act.T @ r / N
'''


# The correct gradient descent (self-contained), as a template.
_GD = '''
    import numpy as np

    def gradient_descent(a, b, u, X, Y, lr, steps, alpha=0.0):
        a, b, u = (np.array(v, dtype=np.float64) for v in (a, b, u))
        X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)

        def forward(a, b, u):
            T = np.outer(X, a) + b
            act = np.where(T > 0, T, alpha * T)
            return T, act, act @ u - Y

        def loss(a, b, u):
            return 0.5 * np.mean(forward(a, b, u)[2] ** 2)

        losses = [loss(a, b, u)]
        for _ in range(steps):
            T, act, r = forward(a, b, u)
            back = r[:, None] * np.where(T > 0, 1.0, alpha) * u
            da, db, du = back.T @ X / len(X), back.mean(axis=0), act.T @ r / len(X)
            a, b, u = a - lr * da, b - lr * db, u - lr * du
            losses.append(loss(a, b, u))
        return a, b, u, np.array(losses)
'''


CORRECT: dict[str, dict[str, str]] = {
    "two_layer_grads": {
        "einsum": source('''
            import numpy as np

            def two_layer_grads(a, b, u, X, Y, alpha=0.0):
                a, b, u = (np.asarray(p, dtype=float) for p in (a, b, u))
                X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
                T = X[:, None] * a[None, :] + b[None, :]
                positive = T > 0
                act = np.where(positive, T, alpha * T)
                slope = alpha + (1.0 - alpha) * positive
                r = np.einsum("ij,j->i", act, u) - Y
                da = np.einsum("i,ij,j,i->j", r, slope, u, X) / len(X)
                db = np.einsum("i,ij,j->j", r, slope, u) / len(X)
                du = np.einsum("i,ij->j", r, act) / len(X)
                return da, db, du
        '''),
        "loop_over_units": source('''
            import numpy as np

            def two_layer_grads(a, b, u, X, Y, alpha=0.0):
                # A loop over the H units is allowed; the N samples are handled at once.
                a, b, u = (np.asarray(p, dtype=np.float64) for p in (a, b, u))
                X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
                H = a.size
                acts = [np.where(a[j] * X + b[j] > 0, a[j] * X + b[j], alpha * (a[j] * X + b[j])) for j in range(H)]
                r = sum(u[j] * acts[j] for j in range(H)) - Y
                da, db, du = np.zeros(H), np.zeros(H), np.zeros(H)
                for j in range(H):
                    slope = np.where(a[j] * X + b[j] > 0, 1.0, alpha)
                    da[j] = np.mean(r * u[j] * slope * X)
                    db[j] = np.mean(r * u[j] * slope)
                    du[j] = np.mean(r * acts[j])
                return da, db, du
        '''),
        "maximum_and_slope_times_t": source('''
            import numpy as np

            def two_layer_grads(a, b, u, X, Y, alpha=0.0):
                a, b, u, X, Y = (np.array(v, dtype=np.float64, ndmin=1) for v in (a, b, u, X, Y))
                T = np.add.outer(X * 0, b) + np.multiply.outer(X, a)
                slope = np.where(T > 0, 1.0, alpha)
                act = slope * T                      # phi(t) = phi'(t) t, also at t = 0
                r = act.dot(u) - Y
                g = (r[:, None] * slope) * u[None, :]
                n = float(len(X))
                return (X @ g) / n, g.sum(axis=0) / n, (r @ act) / n
        '''),
        "list_of_arrays": source('''
            import numpy as np

            def two_layer_grads(a, b, u, X, Y, alpha=0.0):
                a, b, u, X, Y = map(lambda v: np.asarray(v, dtype=np.float64), (a, b, u, X, Y))
                T = np.outer(X, a) + b
                act = np.maximum(T, alpha * T)         # the same as the leaky ReLU for alpha < 1
                slope = np.ones_like(T)
                slope[T <= 0] = alpha
                r = act @ u - Y
                w = r[:, None] * slope
                return [u * (X @ w) / len(X), u * w.mean(axis=0), act.T @ r / len(X)]
        '''),
    },
    "dead_units": {
        "max_over_samples": source('''
            import numpy as np

            def dead_units(a, b, X):
                T = np.multiply.outer(np.asarray(X, float), np.asarray(a, float)) + np.asarray(b, float)
                return T.max(axis=0) <= 0
        '''),
        "only_the_extreme_inputs": source('''
            import numpy as np

            def dead_units(a, b, X):
                # t is affine in x, so its largest value over the data is at min(X) or max(X)
                a, b, X = (np.asarray(v, dtype=np.float64) for v in (a, b, X))
                return np.maximum(a * X.min() + b, a * X.max() + b) <= 0
        '''),
        "not_any_positive": source('''
            import numpy as np

            def dead_units(a, b, X):
                a, b, X = np.asarray(a, float), np.asarray(b, float), np.asarray(X, float)
                return ~np.any(X[:, None] * a + b > 0, axis=0)
        '''),
        "python_loop_over_units": source('''
            import numpy as np

            def dead_units(a, b, X):
                return np.array([all(aj * x + bj <= 0 for x in X) for aj, bj in zip(a, b)], dtype=bool)
        '''),
    },
    "gradient_descent": {
        "self_contained": source(_GD),
        "stacked_parameters": source('''
            import numpy as np

            def gradient_descent(a, b, u, X, Y, lr, steps, alpha=0.0):
                theta = np.array([a, b, u], dtype=np.float64)      # a new (3, H) array
                X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)

                def loss_and_grad(theta):
                    a, b, u = theta
                    T = np.outer(X, a) + b
                    act = np.where(T > 0, T, alpha * T)
                    r = act @ u - Y
                    back = r[:, None] * np.where(T > 0, 1.0, alpha) * u
                    grad = np.array([back.T @ X, back.sum(axis=0), act.T @ r]) / len(X)
                    return 0.5 * np.mean(r**2), grad

                losses = []
                for _ in range(steps):
                    value, grad = loss_and_grad(theta)
                    losses.append(value)
                    theta = theta - lr * grad
                losses.append(loss_and_grad(theta)[0])
                return theta[0].copy(), theta[1].copy(), theta[2].copy(), np.array(losses)
        '''),
        "in_place_on_copies": changed(_GD, 
            ("a, b, u = (np.array(v, dtype=np.float64) for v in (a, b, u))",
             "a, b, u = (np.asarray(v, dtype=np.float64).copy() for v in (a, b, u))"),
            ("a, b, u = a - lr * da, b - lr * db, u - lr * du",
             "a -= lr * da\n            b -= lr * db\n            u -= lr * du"),
        ),
        "losses_in_a_second_pass": source('''
            import numpy as np

            def gradient_descent(a, b, u, X, Y, lr, steps, alpha=0.0):
                X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
                params = [tuple(np.array(p, dtype=np.float64) for p in (a, b, u))]
                for _ in range(steps):
                    a, b, u = params[-1]
                    T = np.outer(X, a) + b
                    act = np.where(T > 0, T, alpha * T)
                    r = act @ u - Y
                    back = r[:, None] * np.where(T > 0, 1.0, alpha) * u
                    grads = (back.T @ X / len(X), back.sum(axis=0) / len(X), act.T @ r / len(X))
                    params.append(tuple(p - lr * g for p, g in zip(params[-1], grads)))

                def loss(a, b, u):
                    T = np.outer(X, a) + b
                    return 0.5 * np.mean((np.where(T > 0, T, alpha * T) @ u - Y) ** 2)

                return (*params[-1], np.array([loss(*p) for p in params]))
        '''),
    },
    "dead_init_probability": {
        "arccos_of_the_angle": source('''
            import numpy as np

            def dead_init_probability(X):
                X = np.asarray(X, dtype=np.float64)
                lo, hi = X.min(), X.max()
                cos = (1 + lo * hi) / np.sqrt((1 + lo * lo) * (1 + hi * hi))
                angle = np.arccos(np.clip(cos, -1.0, 1.0))     # between (lo, 1) and (hi, 1)
                return float((np.pi - angle) / (2 * np.pi))
        '''),
        "arctan2_of_the_difference": source('''
            import numpy as np

            def dead_init_probability(X):
                lo, hi = float(np.min(X)), float(np.max(X))
                return 0.5 - np.arctan2(hi - lo, 1 + lo * hi) / (2 * np.pi)
        '''),
        "math_module": source('''
            import math

            def dead_init_probability(X):
                values = [float(x) for x in X]
                return 0.5 - (math.atan(max(values)) - math.atan(min(values))) / (2 * math.pi)
        '''),
        "polar_angles": source('''
            import numpy as np

            def dead_init_probability(X):
                X = np.asarray(X, dtype=np.float64)
                angles = np.arctan2(1.0, X)            # direction of (x, 1) for each point
                return float(0.5 - (angles.max() - angles.min()) / (2 * np.pi))
        '''),
    },
    "dead_init_probability_symbolic": {
        "atan2": source('''
            import sympy as sp

            def dead_init_probability_symbolic():
                x1, x2 = sp.symbols("x1 x2")
                return sp.Rational(1, 2) - sp.atan2(x2 - x1, 1 + x1 * x2) / (2 * sp.pi)
        '''),
        "acos_real_symbols": source('''
            import sympy as sp

            def dead_init_probability_symbolic():
                x1, x2 = sp.symbols("x1 x2", real=True)
                angle = sp.acos((1 + x1 * x2) / sp.sqrt((1 + x1**2) * (1 + x2**2)))
                return (sp.pi - angle) / (2 * sp.pi)
        '''),
        "piecewise_atan": source('''
            import sympy as sp

            def dead_init_probability_symbolic():
                x1, x2 = sp.Symbol("x1"), sp.Symbol("x2")
                ratio = sp.atan((x2 - x1) / (1 + x1 * x2)) / (2 * sp.pi)
                return sp.Piecewise((sp.Rational(1, 2) - ratio, 1 + x1 * x2 > 0), (-ratio, True))
        '''),
        "rearranged_float_free": source('''
            import sympy

            def dead_init_probability_symbolic():
                x1 = sympy.Symbol("x1", real=True)
                x2 = sympy.Symbol("x2", real=True)
                return (sympy.pi + sympy.atan(x1) - sympy.atan(x2)) / (2 * sympy.pi)
        '''),
    },
}

MISTAKES: dict[str, dict[str, str]] = {
    "two_layer_grads": {
        "slope_one_at_zero": changed(_GRADS, ("slope = np.where(T > 0, 1.0, alpha)", "slope = np.where(T >= 0, 1.0, alpha)")),
        "heaviside_half_at_zero": changed(_GRADS, ("slope = np.where(T > 0, 1.0, alpha)",
                                              "slope = alpha + (1 - alpha) * np.heaviside(T, 0.5)")),
        "mean_over_units": changed(_GRADS, ("r = act @ u - Y", "r = (act * u).mean(axis=1) - Y")),
        "sum_not_mean_over_samples": changed(_GRADS, ("N = X.shape[0]", "N = 1")),
        "forgets_outgoing_weight": changed(_GRADS, ("back = r[:, None] * slope * u", "back = r[:, None] * slope")),
        "forward_pass_ignores_leak": changed(_GRADS, ("act = np.where(T > 0, T, alpha * T)", "act = np.maximum(T, 0)")),
        "requires_ndarray": source('''
            import numpy as np

            def two_layer_grads(a, b, u, X, Y, alpha=0.0):
                T = X.reshape(-1, 1) * a + b
                act = np.where(T > 0, T, alpha * T)
                r = act @ u - Y
                back = r[:, None] * np.where(T > 0, 1.0, alpha) * u
                return back.T @ X / len(X), back.sum(axis=0) / len(X), act.T @ r / len(X)
        '''),
        "modifies_input": changed(_GRADS, ("r = act @ u - Y", "Y *= -1\n        r = act @ u + Y")),
        "returns_stacked_array": changed(_GRADS, ("return back.T @ X / N, back.sum(axis=0) / N, act.T @ r / N",
                                             "return np.array([back.T @ X / N, back.sum(axis=0) / N, act.T @ r / N])")),
        "float32": changed(_GRADS, ("(np.asarray(v, dtype=np.float64)", "(np.asarray(v, dtype=np.float32)")),
    },
    "dead_units": {
        "strict_less_than": source('''
            import numpy as np

            def dead_units(a, b, X):
                return np.all(np.outer(np.asarray(X, float), np.asarray(a, float)) + np.asarray(b, float) < 0, axis=0)
        '''),
        "any_instead_of_all": source('''
            import numpy as np

            def dead_units(a, b, X):
                return np.any(np.outer(np.asarray(X, float), np.asarray(a, float)) + np.asarray(b, float) <= 0, axis=0)
        '''),
        "wrong_axis": source('''
            import numpy as np

            def dead_units(a, b, X):
                return np.all(np.outer(np.asarray(X, float), np.asarray(a, float)) + np.asarray(b, float) <= 0, axis=1)
        '''),
        "only_smallest_input": source('''
            import numpy as np

            def dead_units(a, b, X):
                a, b, X = (np.asarray(v, dtype=float) for v in (a, b, X))
                return a * X.min() + b <= 0
        '''),
        "ignores_bias": source('''
            import numpy as np

            def dead_units(a, b, X):
                return np.all(np.outer(np.asarray(X, float), np.asarray(a, float)) <= 0, axis=0)
        '''),
        "mean_pre_activation": source('''
            import numpy as np

            def dead_units(a, b, X):
                return np.mean(np.outer(np.asarray(X, float), np.asarray(a, float)) + np.asarray(b, float), axis=0) <= 0
        '''),
        "returns_floats": source('''
            import numpy as np

            def dead_units(a, b, X):
                T = np.outer(np.asarray(X, float), np.asarray(a, float)) + np.asarray(b, float)
                return np.all(T <= 0, axis=0).astype(float)
        '''),
    },
    "gradient_descent": {
        "mutates_inputs": changed(_GD, 
            ("a, b, u = (np.array(v, dtype=np.float64) for v in (a, b, u))",
             "a, b, u = (np.asarray(v, dtype=np.float64) for v in (a, b, u))"),
            ("a, b, u = a - lr * da, b - lr * db, u - lr * du",
             "a -= lr * da\n            b -= lr * db\n            u -= lr * du"),
        ),
        "slope_one_at_zero": changed(_GD, ("np.where(T > 0, 1.0, alpha)", "np.where(T >= 0, 1.0, alpha)")),
        "losses_missing_the_last": changed(_GD, ("            losses.append(loss(a, b, u))\n", ""),
                                            ("for _ in range(steps):",
                                             "for k in range(steps):\n            if k:\n                losses.append(loss(a, b, u))")),
        "losses_after_each_step_only": changed(_GD, ("losses = [loss(a, b, u)]", "losses = []"),
                                                ("return a, b, u, np.array(losses)",
                                                 "return a, b, u, np.array(losses + [loss(a, b, u)])")),
        "sequential_updates": changed(_GD, ("a, b, u = a - lr * da, b - lr * db, u - lr * du",
                                        "a = a - lr * da\n"
                                        "            T, act, r = forward(a, b, u)\n"
                                        "            back = r[:, None] * np.where(T > 0, 1.0, alpha) * u\n"
                                        "            b = b - lr * back.mean(axis=0)\n"
                                        "            u = u - lr * du")),
        "loss_without_one_half": changed(_GD, ("return 0.5 * np.mean(forward(a, b, u)[2] ** 2)",
                                           "return np.mean(forward(a, b, u)[2] ** 2)")),
        "sum_not_mean": changed(_GD, ("back.T @ X / len(X), back.mean(axis=0), act.T @ r / len(X)",
                                  "back.T @ X, back.sum(axis=0), act.T @ r")),
        "mean_over_units": changed(_GD, ("return T, act, act @ u - Y", "return T, act, act @ u / len(u) - Y")),
        "returns_lists": changed(_GD, ("return a, b, u, np.array(losses)",
                                   "return a.tolist(), b.tolist(), u.tolist(), losses")),
    },
    "dead_init_probability": {
        "independent_points": source('''
            import numpy as np

            def dead_init_probability(X):
                return 0.5 ** len(np.asarray(X))
        '''),
        "monte_carlo": source('''
            import numpy as np

            def dead_init_probability(X):
                rng = np.random.default_rng(0)
                a, b = rng.normal(size=(2, 200_000))
                return float(np.mean(np.all(np.outer(a, np.asarray(X, float)) + b[:, None] <= 0, axis=1)))
        '''),
        "atan_of_the_ratio": source('''
            import numpy as np

            def dead_init_probability(X):
                lo, hi = np.min(X), np.max(X)
                return float(0.5 - np.arctan((hi - lo) / (1 + lo * hi)) / (2 * np.pi))
        '''),
        "first_and_last_point": source('''
            import numpy as np

            def dead_init_probability(X):
                X = np.asarray(X, dtype=float)
                return float(0.5 - (np.arctan(X[-1]) - np.arctan(X[0])) / (2 * np.pi))
        '''),
        "forgets_the_half": source('''
            import numpy as np

            def dead_init_probability(X):
                spread = np.arctan(np.max(X)) - np.arctan(np.min(X))
                return float((np.pi - spread) / np.pi)
        '''),
        "wrong_sign": source('''
            import numpy as np

            def dead_init_probability(X):
                spread = np.arctan(np.max(X)) - np.arctan(np.min(X))
                return float(0.5 + spread / (2 * np.pi))
        '''),
        "returns_array": source('''
            import numpy as np

            def dead_init_probability(X):
                X = np.asarray(X, dtype=float)
                return 0.5 - (np.arctan(X.max(keepdims=True)) - np.arctan(X.min(keepdims=True))) / (2 * np.pi)
        '''),
    },
    "dead_init_probability_symbolic": {
        "atan_of_the_ratio": source('''
            import sympy as sp

            def dead_init_probability_symbolic():
                x1, x2 = sp.symbols("x1 x2")
                return sp.Rational(1, 2) - sp.atan((x2 - x1) / (1 + x1 * x2)) / (2 * sp.pi)
        '''),
        "constant_half": source('''
            import sympy as sp

            def dead_init_probability_symbolic():
                return sp.Rational(1, 2)
        '''),
        "forgets_the_half": source('''
            import sympy as sp

            def dead_init_probability_symbolic():
                x1, x2 = sp.symbols("x1 x2")
                return (sp.pi - sp.atan(x2) + sp.atan(x1)) / sp.pi
        '''),
        "wrong_sign": source('''
            import sympy as sp

            def dead_init_probability_symbolic():
                x1, x2 = sp.symbols("x1 x2")
                return sp.Rational(1, 2) + (sp.atan(x2) - sp.atan(x1)) / (2 * sp.pi)
        '''),
        "symbols_named_a_b": source('''
            import sympy as sp

            def dead_init_probability_symbolic():
                lo, hi = sp.symbols("a b")
                return sp.Rational(1, 2) - (sp.atan(hi) - sp.atan(lo)) / (2 * sp.pi)
        '''),
        "endpoints_independent": source('''
            import sympy as sp

            def dead_init_probability_symbolic():
                x1, x2 = sp.symbols("x1 x2")
                return sp.Piecewise((sp.Rational(1, 2), sp.Eq(x1, x2)), (sp.Rational(1, 4), True))
        '''),
    },
}

SLOW_MISTAKES: dict[str, dict[str, str]] = {
    "two_layer_grads": {
        "python_loop_over_samples": source('''
            import numpy as np

            def two_layer_grads(a, b, u, X, Y, alpha=0.0):
                a, b, u = (np.asarray(v, dtype=np.float64) for v in (a, b, u))
                da, db, du = np.zeros_like(a), np.zeros_like(a), np.zeros_like(a)
                N = len(X)
                for x, y in zip(X, Y):
                    t = a * x + b
                    act = np.where(t > 0, t, alpha * t)
                    slope = np.where(t > 0, 1.0, alpha)
                    r = act @ u - y
                    da += r * u * slope * x / N
                    db += r * u * slope / N
                    du += r * act / N
                return da, db, du
        '''),
    },
}

# --- what the contract test (tests/test_checks_contract.py) expects of the mistakes, as data ---

#: For each mistake, a few words of the part it must fail (the part's description).
EXPECTED_FAILED_PART = {
    ("two_layer_grads", "slope_one_at_zero"): "phi'(0) = alpha",
    ("two_layer_grads", "heaviside_half_at_zero"): "dead units (also with t = 0",
    ("two_layer_grads", "mean_over_units"): "ReLU on random data",
    ("two_layer_grads", "sum_not_mean_over_samples"): "ReLU on random data",
    ("two_layer_grads", "forgets_outgoing_weight"): "ReLU on random data",
    ("two_layer_grads", "forward_pass_ignores_leak"): "leaky ReLU (alpha = 0.2)",
    ("two_layer_grads", "requires_ndarray"): "accepts lists",
    ("two_layer_grads", "modifies_input"): "leaves its inputs alone",
    ("two_layer_grads", "returns_stacked_array"): "ReLU on random data",
    ("two_layer_grads", "float32"): "ReLU on random data",
    ("dead_units", "strict_less_than"): "exactly 0 counts as dead",
    ("dead_units", "any_instead_of_all"): "random units",
    ("dead_units", "wrong_axis"): "random units",
    ("dead_units", "only_smallest_input"): "random units",
    ("dead_units", "ignores_bias"): "random units",
    ("dead_units", "mean_pre_activation"): "random units",
    ("dead_units", "returns_floats"): "boolean numpy array",
    ("gradient_descent", "mutates_inputs"): "never modifies its inputs",
    ("gradient_descent", "slope_one_at_zero"): "dead units come back exactly unchanged",
    ("gradient_descent", "losses_missing_the_last"): "the ReLU trajectory",
    ("gradient_descent", "losses_after_each_step_only"): "the ReLU trajectory",
    ("gradient_descent", "sequential_updates"): "the ReLU trajectory",
    ("gradient_descent", "loss_without_one_half"): "the ReLU trajectory",
    ("gradient_descent", "sum_not_mean"): "the ReLU trajectory",
    ("gradient_descent", "returns_lists"): "tuple of four float64 arrays",
    ("gradient_descent", "mean_over_units"): "the ReLU trajectory",
    ("dead_init_probability", "independent_points"): "data on both sides",
    ("dead_init_probability", "monte_carlo"): "data on one side",
    ("dead_init_probability", "atan_of_the_ratio"): "data on both sides",
    ("dead_init_probability", "first_and_last_point"): "unsorted",
    ("dead_init_probability", "forgets_the_half"): "one point",
    ("dead_init_probability", "wrong_sign"): "data on one side",
    ("dead_init_probability", "returns_array"): "one point",
    ("dead_init_probability_symbolic", "atan_of_the_ratio"): "either side of 0",
    ("dead_init_probability_symbolic", "constant_half"): "x1 = x2",
    ("dead_init_probability_symbolic", "forgets_the_half"): "both endpoints positive",
    ("dead_init_probability_symbolic", "wrong_sign"): "both endpoints positive",
    ("dead_init_probability_symbolic", "symbols_named_a_b"): "both endpoints positive",
    ("dead_init_probability_symbolic", "endpoints_independent"): "x1 = x2",
}

#: Mistakes that must keep the points of some part: partial credit is per property.
KEEPS_PART = {
    ("two_layer_grads", "slope_one_at_zero"): "ReLU on random data",
    ("two_layer_grads", "forward_pass_ignores_leak"): "ReLU on random data",
    ("gradient_descent", "slope_one_at_zero"): "the ReLU trajectory",
    ("gradient_descent", "mutates_inputs"): "the ReLU trajectory",
    ("dead_units", "strict_less_than"): "random units",
    ("dead_init_probability", "atan_of_the_ratio"): "data on one side",
    ("dead_init_probability_symbolic", "atan_of_the_ratio"): "both endpoints positive",
}

#: (name, mistake, words of the failed part, words its message must contain)
ACTIONABLE_MESSAGES = [
    ("two_layer_grads", "slope_one_at_zero", "phi'(0) = alpha", "is "),
    ("two_layer_grads", "requires_ndarray", "accepts lists", "'list' object has no attribute"),
    ("two_layer_grads", "modifies_input", "leaves its inputs alone", "modified the caller's arrays"),
    ("two_layer_grads", "float32", "tuple of three float64 arrays", "numpy.ndarray:float32"),
    ("two_layer_grads", "returns_stacked_array", "ReLU on random data", "expected a tuple or list"),
    ("dead_units", "strict_less_than", "exactly 0 counts as dead", "is dead"),
    ("dead_units", "wrong_axis", "random units", "one entry per unit"),
    ("dead_units", "returns_floats", "boolean numpy array", "dtype float64, expected bool"),
    ("gradient_descent", "slope_one_at_zero", "dead units come back exactly unchanged", "must come back exactly"),
    ("gradient_descent", "losses_missing_the_last", "the ReLU trajectory", "steps + 1 values"),
    ("gradient_descent", "mutates_inputs", "never modifies its inputs", "modified the caller's arrays"),
    ("gradient_descent", "returns_lists", "tuple of four float64 arrays", "builtins.list"),
    ("dead_init_probability", "returns_array", "one point", "return one number"),
    ("dead_init_probability", "independent_points", "data on both sides", "expected"),
    ("dead_init_probability_symbolic", "symbols_named_a_b", "both endpoints positive", "use only sympy.symbols('x1 x2')"),
    ("dead_init_probability_symbolic", "atan_of_the_ratio", "either side of 0", "at x1 = -3, x2 = 2"),
]
