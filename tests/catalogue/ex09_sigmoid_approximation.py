"""Student implementations for ``ex09_sigmoid_approximation``,
right and wrong, as source strings (the conventions: :mod:`tests.catalogue`).

The correct approximations are other constructions: fewer units, other slopes, fitted weights.
"""
from __future__ import annotations

from tests.catalogue import changed, source


# --- sup_error_relu: a correct search as a template for the mistakes that change one step ---------

_SUP = '''
    import math
    import numpy as np

    def sup_error_relu(a, b, u, c, B):
        a, b, u = (np.asarray(p, dtype=np.float64) for p in (a, b, u))

        def error(x):
            x = np.asarray(x, dtype=np.float64)
            out = np.empty(x.shape)
            for s in range(0, x.size, 4096):
                t = np.multiply.outer(x[s:s + 4096], a) + b
                out[s:s + 4096] = np.abs(c + (0.5 * (1 + np.tanh(t / 2))) @ u - np.maximum(x[s:s + 4096], 0))
            return out

        points = [np.linspace(-B, B, 1001), [0.0]]
        for aj, bj in zip(a, b):
            if aj != 0:
                points.append(-bj / aj + np.linspace(-32, 32, 257) / abs(aj))
        x = np.unique(np.clip(np.concatenate(points), -B, B))
        y = error(x)
        best = y.max()
        order = np.argsort(y)[::-1]
        r = (math.sqrt(5) - 1) / 2
        for i in order[:40]:
            lo, hi = x[max(i - 1, 0)], x[min(i + 1, len(x) - 1)]
            for _ in range(64):                     # golden section, one new point per step
                x1, x2 = hi - r * (hi - lo), lo + r * (hi - lo)
                f1, f2 = error([x1, x2])
                if f1 < f2:
                    lo = x1
                else:
                    hi = x2
            best = max(best, f1, f2)
        return float(best)
'''


# --- relu_sigmoid_approx: the centred staircase with the budget, as a template ----------------------

_APPROX = '''
    import math
    import numpy as np

    def relu_sigmoid_approx(B, eps):
        if not (math.isfinite(B) and math.isfinite(eps) and B > 0 and eps > 0):
            raise ValueError("B and eps must be finite and positive")
        n = math.ceil(B / (4 * eps))
        delta = B / n
        k = 4.5
        centres = delta * (np.arange(n) + 0.5)
        return np.full(n, k / delta), -k / delta * centres, np.full(n, delta), 0.0
'''


# --- relu_net_to_sigmoid_net: a correct conversion as a template --------------------------------------

_NET = '''
    import math
    import numpy as np

    def relu_net_to_sigmoid_net(W, beta, v, c0, R, eps):
        if R <= 0 or eps <= 0:
            raise ValueError("R and eps must be positive")
        W = np.array(W, dtype=np.float64)
        beta, v = np.array(beta, dtype=np.float64), np.array(v, dtype=np.float64)
        H, d = W.shape
        rows, biases, outs, c = [], [], [], float(c0)
        for Wj, bj, vj in zip(W, beta, v):
            size = np.linalg.norm(Wj)
            if vj == 0 or size == 0:
                c += vj * max(bj, 0.0)
                continue
            Bj = R * size + abs(bj)
            n = math.ceil(H * abs(vj) * Bj / (4 * eps))
            delta = Bj / n
            C = 5.0 / delta
            for i in range(n):
                z0 = (i + 0.5) * delta                     # centre of step i in z = W_j . x + beta_j
                rows.append(C * Wj)
                biases.append(C * (bj - z0))
                outs.append(vj * delta)
        A = np.array(rows, dtype=np.float64).reshape(len(rows), d)
        return A, np.array(biases, dtype=np.float64), np.array(outs, dtype=np.float64), c
'''


CORRECT: dict[str, dict[str, str]] = {
    "sigmoid_net": {
        "scipy_expit": source('''
            import numpy as np
            from scipy.special import expit

            def sigmoid_net(a, b, u, c, x):
                x = np.asarray(x, dtype=np.float64)
                t = np.multiply.outer(x, np.asarray(a, dtype=np.float64)) + np.asarray(b, dtype=np.float64)
                return np.asarray(c, dtype=np.float64) + expit(t) @ np.asarray(u, dtype=np.float64)
        '''),
        "tanh_form": source('''
            import numpy as np

            def sigmoid_net(a, b, u, c, x):
                a, b, u = np.array(a, float), np.array(b, float), np.array(u, float)
                x = np.array(x, float)
                t = x[..., np.newaxis] * a + b
                return c + np.sum(u * 0.5 * (1.0 + np.tanh(0.5 * t)), axis=-1)
        '''),
        "loop_over_units_with_where": source('''
            import numpy as np

            def sigmoid_net(a, b, u, c, x):
                x = np.asarray(x, dtype=np.float64)
                total = np.full(x.shape, float(c))
                for aj, bj, uj in zip(np.atleast_1d(np.asarray(a, float)), np.atleast_1d(np.asarray(b, float)),
                                      np.atleast_1d(np.asarray(u, float))):
                    t = aj * x + bj
                    e = np.exp(-np.abs(t))                 # never overflows
                    total = total + uj * np.where(t >= 0, 1 / (1 + e), e / (1 + e))
                return total
        '''),
    },
    "sup_error_relu": {
        "golden_on_the_best_samples": source(_SUP),
        "brent_on_each_bracket": source('''
            import numpy as np
            from scipy.optimize import minimize_scalar
            from scipy.special import expit

            def sup_error_relu(a, b, u, c, B):
                a, b, u = (np.asarray(p, dtype=np.float64) for p in (a, b, u))

                def err(x):
                    x = np.atleast_1d(np.asarray(x, dtype=np.float64))
                    return np.concatenate([np.abs(c + expit(np.outer(xs, a) + b) @ u - np.maximum(xs, 0))
                                           for xs in np.array_split(x, max(1, x.size * len(a) // 1_000_000))])

                windows = [np.linspace(-B, B, 3001), np.array([0.0])]
                steep = a != 0
                for centre, width in zip(-b[steep] / a[steep], 1 / np.abs(a[steep])):
                    windows.append(centre + width * np.arange(-30, 30.25, 0.25))
                x = np.unique(np.clip(np.concatenate(windows), -B, B))
                y = err(x)
                best = float(y.max())
                interior = np.flatnonzero((y[1:-1] >= y[:-2]) & (y[1:-1] >= y[2:])) + 1
                for i in interior[np.argsort(y[interior])][::-1][:80]:
                    lo, width = x[i - 1], x[i + 1] - x[i - 1]          # searched on [0, 1]: Brent's tolerance
                    res = minimize_scalar(lambda s: -err(lo + s * width)[0], bounds=(0.0, 1.0),  # is relative to |x|
                                          method="bounded", options={"xatol": 1e-12})
                    best = max(best, -float(res.fun))
                return best
        '''),
        "newton_on_the_derivative": source('''
            import numpy as np

            def sup_error_relu(a, b, u, c, B):
                a, b, u = (np.asarray(p, dtype=np.float64) for p in (a, b, u))

                def parts(x):
                    x = np.asarray(x, dtype=np.float64)
                    t = np.multiply.outer(x, a) + b
                    s = np.exp(-np.logaddexp(0, -t))
                    e = c + s @ u - np.maximum(x, 0)
                    de = (s * (1 - s)) @ (u * a) - (x > 0)
                    d2 = (s * (1 - s) * (1 - 2 * s)) @ (u * a * a)
                    return e, de, d2

                def e_abs(x):
                    return np.concatenate([np.abs(parts(xs)[0]) for xs in np.array_split(np.asarray(x, float), max(1, np.size(x) * len(a) // 500_000))])

                grid = [np.linspace(-B, B, 2001), [0.0]]
                for aj, bj in zip(a, b):
                    if aj:
                        grid.append(-bj / aj + np.arange(-35, 35.25, 0.25) / abs(aj))
                x = np.unique(np.clip(np.concatenate(grid), -B, B))
                y = e_abs(x)
                best = float(y.max())
                for i in np.argsort(y)[::-1][:60]:
                    lo, hi = x[max(i - 1, 0)], x[min(i + 1, len(x) - 1)]
                    z = x[i]
                    for _ in range(40):                    # safeguarded Newton on e'(z) = 0
                        e, de, d2 = (float(q[0]) for q in parts(np.array([z])))
                        step = de / d2 if d2 != 0 else 0.0
                        znew = z - step
                        if not (lo <= znew <= hi) or step == 0:
                            break
                        z = znew
                    best = max(best, float(e_abs(np.array([z]))[0]))
                    for lo2, hi2 in ((lo, x[i]), (x[i], hi)):     # and a bisection of each half
                        for _ in range(60):
                            m1, m2 = lo2 + (hi2 - lo2) / 3, hi2 - (hi2 - lo2) / 3
                            f1, f2 = e_abs(np.array([m1, m2]))
                            lo2, hi2 = (m1, hi2) if f1 < f2 else (lo2, m2)
                        best = max(best, float(e_abs(np.array([(lo2 + hi2) / 2]))[0]))
                return best
        '''),
    },
    "relu_sigmoid_approx": {
        "staircase_k_4_5": source(_APPROX),
        "fewer_units": changed(_APPROX, ("n = math.ceil(B / (4 * eps))", "n = math.ceil(B / (12 * eps))"),
                                    ("k = 4.5", "k = 5.5")),
        "fitted_weights": source('''
            import math
            import numpy as np
            from scipy.optimize import minimize_scalar
            from scipy.special import expit

            def relu_sigmoid_approx(B, eps):
                if not (np.isfinite(B) and np.isfinite(eps)) or B <= 0 or eps <= 0:
                    raise ValueError("need finite B > 0 and eps > 0")
                n = math.ceil(B / (4 * eps))
                delta = B / n
                x = np.linspace(-B, B, 40 * n + 400)
                centres = delta * (np.arange(1, n + 1) - 0.5)

                def worst(k):                           # the slope fitted to a dense grid
                    return np.max(np.abs(delta * expit(k / delta * (x[:, None] - centres)).sum(axis=1) - np.maximum(x, 0)))

                k = minimize_scalar(worst, bounds=(3.0, 8.0), method="bounded", options={"xatol": 1e-3}).x
                return np.full(n, k / delta), -k / delta * centres, np.full(n, delta), 0.0
        '''),
        "unit_interval_rescaled": source('''
            import math
            import numpy as np

            def relu_sigmoid_approx(B, eps):
                """relu(x) = B relu(x / B): approximate on [-1, 1] within eps / B, then rescale."""
                if not (B > 0 and eps > 0 and math.isfinite(B) and math.isfinite(eps)):
                    raise ValueError("B and eps must be finite and positive")
                n = math.ceil(B / (4 * eps))
                centres = (2 * np.arange(1, n + 1) - 1) / (2 * n)      # on [0, 1]
                C = 3.5 * n                                            # slope on [-1, 1]
                return np.full(n, C / B), -C * centres, np.full(n, B / n), 0.0
        '''),
    },
    "relu_net_to_sigmoid_net": {
        "one_loop_per_step": source(_NET),
        "homogeneity_and_relu_approx": source('''
            import math
            import numpy as np

            def relu_net_to_sigmoid_net(W, beta, v, c0, R, eps):
                """v relu(z) = sign(v) relu(|v| z): each unit's staircase on [-|v| B_j, |v| B_j] within eps / H."""
                if not (R > 0 and eps > 0):
                    raise ValueError("R, eps must be > 0")
                W = np.atleast_2d(np.asarray(W, dtype=np.float64))
                beta, v = np.asarray(beta, dtype=np.float64), np.asarray(v, dtype=np.float64)
                H, d = W.shape
                A, b, u, c = np.zeros((0, d)), np.zeros(0), np.zeros(0), float(c0)
                for Wj, bj, vj in zip(W, beta, v):
                    Bj = R * np.linalg.norm(Wj) + abs(bj)
                    if vj == 0 or not np.any(Wj):
                        c += vj * max(bj, 0.0)
                        continue
                    L = abs(vj) * Bj                         # |v_j| z ranges over [-L, L]
                    n = math.ceil(L / (4 * eps / H))
                    delta = L / n
                    k = 5.0
                    centres = (np.arange(1, n + 1) - 0.5) * delta
                    # sigmoid(k/delta (|v_j| z - centre)), z = W_j . x + beta_j
                    slope = k / delta * abs(vj)
                    A = np.vstack([A, np.outer(np.full(n, slope), Wj)])
                    b = np.concatenate([b, slope * bj - k / delta * centres])
                    u = np.concatenate([u, np.sign(vj) * np.full(n, delta)])
                return A, b, u, c
        '''),
        "fewer_units_per_unit": changed(_NET, ("n = math.ceil(H * abs(vj) * Bj / (4 * eps))",
                                           "n = math.ceil(H * abs(vj) * Bj / (10 * eps))"),
                                          ("C = 5.0 / delta", "C = 5.5 / delta")),
    },
    "staircase_limit_error_symbolic": {
        "difference_of_logs": source('''
            import sympy as sp

            def staircase_limit_error_symbolic():
                C, B = sp.symbols("C B", positive=True)
                return (sp.log(2) - sp.log(1 + sp.exp(-C * B))) / C
        '''),
        "softplus_form_real_symbols": source('''
            import sympy as sp

            def staircase_limit_error_symbolic():
                C, B = sp.symbols("C B", real=True)
                return (sp.log(2) + C * B - sp.log(1 + sp.exp(C * B))) / C
        '''),
        "integrated_by_sympy": source('''
            import sympy as sp

            def staircase_limit_error_symbolic():
                C, B, t = sp.symbols("C B t", positive=True)
                return sp.simplify(sp.integrate(1 / (1 + sp.exp(C * t)), (t, 0, B)))
        '''),
        "log_of_twice_a_sigmoid": source('''
            import sympy as sp

            def staircase_limit_error_symbolic():
                C, B = sp.symbols("C B")
                return sp.log(2 * sp.exp(C * B) / (sp.exp(C * B) + 1)) / C
        '''),
    },
}


MISTAKES: dict[str, dict[str, str]] = {
    "sigmoid_net": {
        "naive_exp_overflows": source('''
            import numpy as np

            def sigmoid_net(a, b, u, c, x):
                x = np.asarray(x, dtype=np.float64)
                t = x[..., None] * np.asarray(a, dtype=np.float64) + np.asarray(b, dtype=np.float64)
                return c + (1 / (1 + np.exp(-t))) @ np.asarray(u, dtype=np.float64)
        '''),
        "forgets_c": source('''
            import numpy as np
            from scipy.special import expit

            def sigmoid_net(a, b, u, c, x):
                x = np.asarray(x, dtype=np.float64)
                return expit(x[..., None] * np.asarray(a, float) + np.asarray(b, float)) @ np.asarray(u, float)
        '''),
        "flattens_x": source('''
            import numpy as np
            from scipy.special import expit

            def sigmoid_net(a, b, u, c, x):
                t = np.outer(np.asarray(x, dtype=np.float64), np.asarray(a, float)) + np.asarray(b, float)
                return c + expit(t) @ np.asarray(u, float)
        '''),
        "stack_fails_for_no_units": source('''
            import numpy as np
            from scipy.special import expit

            def sigmoid_net(a, b, u, c, x):
                x = np.asarray(x, dtype=np.float64)
                return c + np.stack([uj * expit(aj * x + bj) for aj, bj, uj in zip(a, b, u)]).sum(axis=0)
        '''),
        "bias_inside_the_product": source('''
            import numpy as np
            from scipy.special import expit

            def sigmoid_net(a, b, u, c, x):
                x = np.asarray(x, dtype=np.float64)
                return c + expit(np.asarray(a, float) * (x[..., None] + np.asarray(b, float))) @ np.asarray(u, float)
        '''),
        "clipped_argument": source('''
            import numpy as np

            def sigmoid_net(a, b, u, c, x):
                x = np.asarray(x, dtype=np.float64)
                t = np.clip(x[..., None] * np.asarray(a, float) + np.asarray(b, float), -10, 10)
                return c + (1 / (1 + np.exp(-t))) @ np.asarray(u, float)
        '''),
        "float32": source('''
            import numpy as np
            from scipy.special import expit

            def sigmoid_net(a, b, u, c, x):
                x = np.asarray(x, dtype=np.float32)
                t = x[..., None] * np.asarray(a, np.float32) + np.asarray(b, np.float32)
                return np.float32(c) + expit(t) @ np.asarray(u, np.float32)
        '''),
    },
    "sup_error_relu": {
        "samples_without_refinement": changed(_SUP, ("for i in order[:40]:", "for i in order[:0]:")),
        "grid_of_a_million_points": source('''
            import numpy as np
            from scipy.special import expit

            def sup_error_relu(a, b, u, c, B):
                a, b, u = (np.asarray(p, dtype=np.float64) for p in (a, b, u))
                x = np.linspace(-B, B, 10**6)
                best = 0.0
                for xs in np.array_split(x, 400):
                    best = max(best, float(np.max(np.abs(c + expit(np.outer(xs, a) + b) @ u - np.maximum(xs, 0)))))
                return best
        '''),
        "forgets_the_absolute_value": changed(_SUP, 
            ("out[s:s + 4096] = np.abs(c + (0.5 * (1 + np.tanh(t / 2))) @ u - np.maximum(x[s:s + 4096], 0))",
             "out[s:s + 4096] = c + (0.5 * (1 + np.tanh(t / 2))) @ u - np.maximum(x[s:s + 4096], 0)")),
        "only_nonnegative_x": changed(_SUP, ("points = [np.linspace(-B, B, 1001), [0.0]]", "points = [np.linspace(0, B, 1001)]"),
                                        ("np.clip(np.concatenate(points), -B, B)", "np.clip(np.concatenate(points), 0, B)")),
        "forgets_the_ends": changed(_SUP, ("points = [np.linspace(-B, B, 1001), [0.0]]",
                                       "points = [np.linspace(-B, B, 1001)[1:-1], [0.0]]"),
                                      ("np.clip(np.concatenate(points), -B, B)",
                                       "np.concatenate(points)[np.abs(np.concatenate(points)) < 0.999 * B]")),
        "naive_exp_warns": changed(_SUP, ("(0.5 * (1 + np.tanh(t / 2)))", "(1 / (1 + np.exp(-t)))")),
    },
    "relu_sigmoid_approx": {
        "uncentred_staircase": changed(_APPROX, ("centres = delta * (np.arange(n) + 0.5)", "centres = delta * np.arange(1, n + 1)")),
        "step_function_limit": changed(_APPROX, ("k = 4.5", "k = 200.0")),
        "slope_too_flat": changed(_APPROX, ("k = 4.5", "k = 1.5")),
        "no_rescaling_by_B": changed(_APPROX, ("n = math.ceil(B / (4 * eps))\n        delta = B / n",
                                           "n = math.ceil(1 / (4 * eps))\n        delta = 1 / n")),
        "budget_spent_four_times_over": changed(_APPROX, ("n = math.ceil(B / (4 * eps))", "n = math.ceil(B / eps)")),
        "the_coth_bound": changed(_APPROX, ("n = math.ceil(B / (4 * eps))", "n = math.ceil(B / eps / math.tanh(2.0 / 2))"),
                                       ("k = 4.5", "k = 2.0")),
        "no_input_check": changed(_APPROX, ('        if not (math.isfinite(B) and math.isfinite(eps) and B > 0 and eps > 0):\n'
                                        '            raise ValueError("B and eps must be finite and positive")\n', "")),
    },
    "relu_net_to_sigmoid_net": {
        "forgets_the_1_over_H_budget": changed(_NET, ("n = math.ceil(H * abs(vj) * Bj / (4 * eps))", "n = math.ceil(abs(vj) * Bj / (4 * eps))")),
        "l1_norm": changed(_NET, ("Bj = R * size + abs(bj)", "Bj = R * np.abs(Wj).sum() + abs(bj)")),
        "ignores_R": changed(_NET, ("Bj = R * size + abs(bj)", "Bj = size + abs(bj)")),
        "ignores_the_bias": changed(_NET, ("Bj = R * size + abs(bj)", "Bj = R * size")),
        "forgets_c0": changed(_NET, ("rows, biases, outs, c = [], [], [], float(c0)", "rows, biases, outs, c = [], [], [], 0.0")),
        "drops_the_sign_of_v": changed(_NET, ("outs.append(vj * delta)", "outs.append(abs(vj) * delta)")),
        "budget_spent_four_times_over": changed(_NET, ("n = math.ceil(H * abs(vj) * Bj / (4 * eps))", "n = math.ceil(H * abs(vj) * Bj / eps)")),
        "no_input_check": changed(_NET, ('        if R <= 0 or eps <= 0:\n            raise ValueError("R and eps must be positive")\n', "")),
    },
    "staircase_limit_error_symbolic": {
        "log2_over_C": source('''
            import sympy as sp

            def staircase_limit_error_symbolic():
                C, B = sp.symbols("C B", positive=True)
                return sp.log(2) / C
        '''),
        "wrong_sign_inside": source('''
            import sympy as sp

            def staircase_limit_error_symbolic():
                C, B = sp.symbols("C B", positive=True)
                return sp.log(2 / (1 + sp.exp(C * B))) / C
        '''),
        "forgets_the_2": source('''
            import sympy as sp

            def staircase_limit_error_symbolic():
                C, B = sp.symbols("C B", positive=True)
                return sp.log(1 + sp.exp(-C * B)) / C
        '''),
        "step_error_of_the_limit": source('''
            import sympy as sp

            def staircase_limit_error_symbolic():
                C, B = sp.symbols("C B", positive=True)
                return sp.Integer(0) * C + 0 * B
        '''),
        "lower_case_symbols": source('''
            import sympy as sp

            def staircase_limit_error_symbolic():
                c, b = sp.symbols("c b", positive=True)
                return sp.log(2 / (1 + sp.exp(-c * b))) / c
        '''),
        "slope_times_B_forgotten": source('''
            import sympy as sp

            def staircase_limit_error_symbolic():
                C, B = sp.symbols("C B", positive=True)
                return sp.log(2 / (1 + sp.exp(-C))) / C
        '''),
    },
}


# --- what the contract test (tests/test_checks_contract.py) checks of each entry -----------------

#: For each mistake, a few words of the part it must fail (the part's description).
EXPECTED_FAILED_PART = {
    ("sigmoid_net", "naive_exp_overflows"): "huge arguments",
    ("sigmoid_net", "forgets_c"): "five random units",
    ("sigmoid_net", "flattens_x"): "x of any shape",
    ("sigmoid_net", "stack_fails_for_no_units"): "m = 0 units",
    ("sigmoid_net", "bias_inside_the_product"): "five random units",
    ("sigmoid_net", "clipped_argument"): "huge arguments",
    ("sigmoid_net", "float32"): "five random units",
    ("sup_error_relu", "grid_of_a_million_points"): "peaks of width",
    ("sup_error_relu", "samples_without_refinement"): "moderate slopes",
    ("sup_error_relu", "forgets_the_absolute_value"): "maximum at the kink",
    ("sup_error_relu", "only_nonnegative_x"): "peaks of width",
    ("sup_error_relu", "forgets_the_ends"): "maximum at the kink",
    ("sup_error_relu", "naive_exp_warns"): "steep units",
    ("relu_sigmoid_approx", "uncentred_staircase"): "uniform error at most eps",
    ("relu_sigmoid_approx", "step_function_limit"): "uniform error at most eps",
    ("relu_sigmoid_approx", "slope_too_flat"): "uniform error at most eps",
    ("relu_sigmoid_approx", "no_rescaling_by_B"): "uniform error at most eps",
    ("relu_sigmoid_approx", "budget_spent_four_times_over"): "at most ceil(B / (4 eps)) units",
    ("relu_sigmoid_approx", "the_coth_bound"): "at most ceil(B / (4 eps)) units",
    ("relu_sigmoid_approx", "no_input_check"): "ValueError",
    ("relu_net_to_sigmoid_net", "forgets_the_1_over_H_budget"): "d = 1: uniform error",
    ("relu_net_to_sigmoid_net", "l1_norm"): "d = 2, 3: within the budget",
    ("relu_net_to_sigmoid_net", "ignores_R"): "d = 1: uniform error",
    ("relu_net_to_sigmoid_net", "ignores_the_bias"): "d = 1: uniform error",
    ("relu_net_to_sigmoid_net", "forgets_c0"): "d = 1: uniform error",
    ("relu_net_to_sigmoid_net", "drops_the_sign_of_v"): "d = 1: uniform error",
    ("relu_net_to_sigmoid_net", "budget_spent_four_times_over"): "d = 1: at most",
    ("relu_net_to_sigmoid_net", "no_input_check"): "ValueError",
    ("staircase_limit_error_symbolic", "log2_over_C"): "moderate C B",
    ("staircase_limit_error_symbolic", "wrong_sign_inside"): "moderate C B",
    ("staircase_limit_error_symbolic", "forgets_the_2"): "moderate C B",
    ("staircase_limit_error_symbolic", "step_error_of_the_limit"): "moderate C B",
    ("staircase_limit_error_symbolic", "lower_case_symbols"): "moderate C B",
    ("staircase_limit_error_symbolic", "slope_times_B_forgotten"): "moderate C B",
}

#: Mistakes that must keep the points of some part: partial credit is per property.
KEEPS_PART = {
    ("relu_sigmoid_approx", "budget_spent_four_times_over"): "uniform error at most eps",
    ("relu_sigmoid_approx", "no_input_check"): "at most ceil(B / (4 eps)) units",
    ("relu_net_to_sigmoid_net", "l1_norm"): "d = 2, 3: uniform error",
    ("relu_net_to_sigmoid_net", "budget_spent_four_times_over"): "d = 1: uniform error",
    ("sup_error_relu", "grid_of_a_million_points"): "moderate slopes",
    ("sigmoid_net", "naive_exp_overflows"): "five random units",
}

#: (name, mistake, words of the failed part, words its message must contain)
ACTIONABLE_MESSAGES = [
    ("relu_sigmoid_approx", "budget_spent_four_times_over", "at most ceil(B / (4 eps)) units", "but the budget is"),
    ("relu_sigmoid_approx", "uncentred_staircase", "uniform error at most eps", "the uniform error reaches"),
    ("sup_error_relu", "grid_of_a_million_points", "peaks of width about 1e-7 B", "did not look"),
]

#: (name, mistake, words of the AssertionError the released notebook's visible test raises on it)
VISIBLE_TESTS_CATCH = [
    ("sigmoid_net", "naive_exp_overflows", "compute the sigmoid without overflow"),
    ("sup_error_relu", "grid_of_a_million_points", "the error peaks at the kink"),
    ("relu_sigmoid_approx", "uncentred_staircase", "the error reaches"),
    ("relu_sigmoid_approx", "budget_spent_four_times_over", "but the budget is"),
    ("relu_net_to_sigmoid_net", "ignores_the_bias", "the error reaches"),
    ("staircase_limit_error_symbolic", "log2_over_C", "above relu at x = 0"),
]
