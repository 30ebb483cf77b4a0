"""Student implementations for ``ex08_softplus_expectation``,
right and wrong, as source strings (the conventions: :mod:`tests.catalogue`).
"""
from __future__ import annotations

from tests.catalogue import changed, source


_CHECK = '''
        if np.ndim(beta) != 0 or not (np.isfinite(float(beta)) and float(beta) > 0):
            raise ValueError(f"beta must be a finite number > 0, got {beta!r}")
        beta = float(beta)
'''

# The correct density, as a template for mistakes that change one line.
_DENSITY = '''
    import numpy as np

    def logistic_density(eps, beta=1.0):
''' + _CHECK + '''
        t = np.abs(beta * np.asarray(eps, dtype=np.float64))
        e = np.exp(-t)
        return beta * e / (1.0 + e) ** 2
'''

# A correct smoothing by SciPy's adaptive quadrature in eps, split at the kinks and at 0.
_SMOOTHING = '''
    import math

    import numpy as np
    import scipy.integrate

    def logistic_smoothing(f, x, beta=1.0, kinks=()):
''' + _CHECK + '''
        x = np.asarray(x, dtype=np.float64)
        kinks = np.asarray(kinks, dtype=np.float64).ravel()

        def density(e):
            t = math.exp(-abs(beta * e))
            return beta * t / (1.0 + t) ** 2

        out = np.empty(x.shape)
        for index, xi in np.ndenumerate(x):
            edges = np.unique(np.concatenate((xi - kinks, [0.0])))
            pieces = zip(np.concatenate(([-np.inf], edges)), np.concatenate((edges, [np.inf])))
            out[index] = sum(scipy.integrate.quad(lambda e: f(float(xi - e)) * density(e), lo, hi,
                                                  epsabs=1e-12, epsrel=1e-12, limit=200)[0]
                             for lo, hi in pieces)
        return out
'''

# A correct layer: ||w|| softplus_beta(u), u = (w^T x + b) / ||w||.
_LAYER = '''
    import numpy as np

    def smoothed_relu_layer(W, b, X, beta=1.0):
''' + _CHECK + '''
        W, b, X = (np.asarray(v, dtype=np.float64) for v in (W, b, X))
        norm = np.sqrt(np.sum(W ** 2, axis=1))
        pre = X @ W.T + b
        u = pre / np.where(norm > 0, norm, 1.0)
        G = np.maximum(pre, 0.0) + norm * np.log1p(np.exp(-beta * np.abs(u))) / beta
        return np.where(norm > 0, G, np.maximum(b, 0.0))
'''

# A correct backward pass, with h(u) = E[eps 1{eps > -u}] in its even form.
_BACKWARD = '''
    import numpy as np

    def smoothed_relu_layer_backward(W, b, X, V, beta=1.0):
''' + _CHECK + '''
        W, b, X, V = (np.asarray(v, dtype=np.float64) for v in (W, b, X, V))
        norm = np.sqrt(np.sum(W ** 2, axis=1))
        zero = np.flatnonzero(norm == 0)
        if zero.size:
            raise ValueError(f"row {zero[0]} of W is zero")
        u = (X @ W.T + b) / norm
        e = np.exp(-beta * np.abs(u))
        sig = np.where(u >= 0, 1.0, e) / (1.0 + e)
        h = np.log1p(e) / beta + np.abs(u) * e / (1.0 + e)
        Vs = V * sig
        dW = Vs.T @ X + (V * h).sum(axis=0)[:, None] * W / norm[:, None]
        return dW, Vs.sum(axis=0), Vs @ W
'''

CORRECT: dict[str, dict[str, str]] = {
    "logistic_density": {
        "log_space": source('''
            import numpy as np

            def logistic_density(eps, beta=1.0):
                if np.ndim(beta) != 0:
                    raise ValueError("beta must be a number")
                beta = float(beta)
                if not np.isfinite(beta) or beta <= 0:
                    raise ValueError(f"beta must be finite and > 0, not {beta}")
                t = np.abs(beta * np.asarray(eps, dtype=float))
                return np.exp(np.log(beta) - t - 2.0 * np.log1p(np.exp(-t)))
        '''),
        "sigmoid_of_minus_abs": source('''
            import numpy as np
            from scipy.special import expit

            def logistic_density(eps, beta=1.0):
                b = np.asarray(beta, dtype=float)
                if b.shape != () or not np.isfinite(b) or b <= 0:
                    raise ValueError("beta must be a finite number > 0")
                s = expit(-np.abs(float(b) * np.asarray(eps, dtype=float)))   # <= 1/2, so 1 - s is exact
                return float(b) * s * (1.0 - s)
        '''),
        "half_exponent": source('''
            import math

            import numpy as np

            def logistic_density(eps, beta=1.0):
                try:
                    beta = float(beta)
                except TypeError:
                    raise ValueError("beta must be a number") from None
                if math.isnan(beta) or math.isinf(beta) or beta <= 0:
                    raise ValueError("beta must be a finite number > 0")
                e = np.exp(-0.5 * np.abs(beta * np.array(eps, dtype=np.float64)))
                return beta * (e / (1.0 + e * e)) ** 2
        '''),
        "scipy_stats": source('''
            import numpy as np
            import scipy.stats

            def logistic_density(eps, beta=1.0):
                if np.ndim(beta) or not np.isfinite(beta) or not beta > 0:
                    raise ValueError("beta must be a finite number > 0")
                return np.asarray(scipy.stats.logistic.pdf(np.asarray(eps, dtype=float), scale=1.0 / float(beta)),
                                  dtype=np.float64)
        '''),
    },
    "logistic_smoothing": {
        "eps_space_quad": source(_SMOOTHING),
        "plus_eps_by_symmetry": changed(
            _SMOOTHING,
            ("edges = np.unique(np.concatenate((xi - kinks, [0.0])))", "edges = np.unique(np.concatenate((kinks - xi, [0.0])))"),
            ("f(float(xi - e))", "f(float(xi + e))"),   # eps and -eps have the same law
        ),
        "uniform_u_substitution": source('''
            import numpy as np
            import scipy.integrate
            import warnings

            def logistic_smoothing(f, x, beta=1.0, kinks=()):
                beta = np.asarray(beta, dtype=float)
                if beta.ndim or not np.isfinite(beta) or beta <= 0:
                    raise ValueError("beta must be a finite number > 0")
                beta = float(beta)
                xs = np.asarray(x, dtype=float)
                cuts = np.sort(np.asarray(kinks, dtype=float).ravel())
                out = np.zeros(xs.shape)
                for index, xi in np.ndenumerate(xs):
                    # u = sigmoid(beta eps) is uniform: E f(x - eps) = int_0^1 f(x - logit(u) / beta) du
                    inner = 1.0 / (1.0 + np.exp(-beta * (xi - cuts)))
                    edges = np.unique(np.concatenate(([0.0], inner[(inner > 0) & (inner < 1)], [1.0])))
                    g = lambda u: f(float(xi - np.log(u / (1.0 - u)) / beta))
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")      # QUADPACK's roundoff notices at the log ends
                        out[index] = sum(scipy.integrate.quad(g, a, c, epsabs=1e-11, epsrel=1e-11, limit=400)[0]
                                         for a, c in zip(edges[:-1], edges[1:]))
                return out
        '''),
        "composite_gauss_legendre": source('''
            import numpy as np

            def logistic_smoothing(f, x, beta=1.0, kinks=()):
                if np.ndim(beta) != 0 or not (np.isfinite(float(beta)) and float(beta) > 0):
                    raise ValueError("beta must be a finite number > 0")
                beta = float(beta)
                nodes, weights = np.polynomial.legendre.leggauss(40)
                xs = np.asarray(x, dtype=np.float64)
                out = np.empty(xs.shape)
                for index, xi in np.ndenumerate(xs):
                    # eps in [-L, L] holds all but exp(-50) of the mass; panels no wider than 1 and 1/beta
                    L = 50.0 / beta
                    cuts = [c for c in np.asarray(kinks, dtype=float).ravel() for c in [xi - c] if -L < c < L]
                    edges = np.unique(np.concatenate(([-L, 0.0, L], cuts)))
                    width = min(1.0, 1.0 / beta)
                    total = 0.0
                    for lo, hi in zip(edges[:-1], edges[1:]):
                        m = int(np.ceil((hi - lo) / width))
                        grid = np.linspace(lo, hi, m + 1)
                        a, c = grid[:-1, None], grid[1:, None]
                        e = (0.5 * (c - a) * nodes + 0.5 * (a + c)).ravel()
                        w = (0.5 * (c - a) * weights).ravel()
                        t = np.exp(-np.abs(beta * e))
                        total += np.sum(w * f(xi - e) * beta * t / (1.0 + t) ** 2)
                    out[index] = total
                return out
        '''),
    },
    "smoothed_relu_layer": {
        "logaddexp_and_temperature": source('''
            import numpy as np

            def smoothed_relu_layer(W, b, X, beta=1.0):
                if np.ndim(beta) or not np.isfinite(beta) or beta <= 0:
                    raise ValueError("beta must be a finite number > 0")
                W, b, X = (np.asarray(v, dtype=float) for v in (W, b, X))
                norm = np.linalg.norm(W, axis=1)
                pre = X @ W.T + b
                live = norm > 0
                T = float(beta) / np.where(live, norm, 1.0)          # the temperature beta / ||w||
                G = np.logaddexp(0.0, T * pre) / T
                return np.where(live, G, np.maximum(b, 0.0))
        '''),
        "loop_over_units": source('''
            import math

            import numpy as np

            def smoothed_relu_layer(W, b, X, beta=1.0):
                beta = float(np.asarray(beta))
                if not math.isfinite(beta) or beta <= 0 or np.ndim(beta):
                    raise ValueError("beta must be a finite number > 0")
                W, b, X = np.array(W, dtype=float), np.array(b, dtype=float), np.array(X, dtype=float)
                G = np.zeros((X.shape[0], W.shape[0]))
                for j, w in enumerate(W):
                    n = math.sqrt(float(w @ w))
                    t = X @ w + b[j]
                    if n == 0:
                        G[:, j] = max(b[j], 0.0)
                        continue
                    # softplus_{beta/n}(t) = relu(t) + n log(1 + exp(-beta |t| / n)) / beta
                    G[:, j] = np.maximum(t, 0) + n / beta * np.log1p(np.exp(-beta * np.abs(t) / n))
                return G
        '''),
        "softplus_of_u_times_norm": source('''
            import numpy as np
            from scipy.special import log1p

            def smoothed_relu_layer(W, b, X, beta=1.0):
                if np.ndim(beta) != 0 or not (np.isfinite(float(beta)) and float(beta) > 0):
                    raise ValueError("beta must be a finite number > 0")
                beta = float(beta)
                W, b, X = (np.asarray(v, dtype=np.float64) for v in (W, b, X))
                norm = np.hypot.reduce(W, axis=1) if W.shape[1] else np.zeros(W.shape[0])
                safe = np.where(norm > 0, norm, 1.0)
                u = (X @ W.T + b) / safe
                softplus = np.maximum(u, 0.0) + log1p(np.exp(-beta * np.abs(u))) / beta
                return np.where(norm > 0, norm * softplus, np.maximum(b, 0.0))
        '''),
    },
    "smoothed_relu_layer_backward": {
        "cancelling_h": source('''
            import numpy as np
            from scipy.special import expit

            def smoothed_relu_layer_backward(W, b, X, V, beta=1.0):
                if np.ndim(beta) or not np.isfinite(beta) or beta <= 0:
                    raise ValueError("beta must be a finite number > 0")
                beta = float(beta)
                W, b, X, V = (np.asarray(v, dtype=float) for v in (W, b, X, V))
                norm = np.linalg.norm(W, axis=1)
                for j in range(len(norm)):
                    if norm[j] == 0:
                        raise ValueError(f"W[{j}] is the zero vector")
                u = (X @ W.T + b) / norm
                s = expit(beta * u)
                h = np.logaddexp(0.0, beta * u) / beta - u * s    # softplus(u) - u sigmoid(beta u)
                dW = (V * s).T @ X + np.einsum("ij,jk->jk", V * h, W / norm[:, None])
                return dW, (V * s).sum(axis=0), (V * s) @ W
        '''),
        "chain_rule_through_the_temperature": source('''
            import numpy as np

            def smoothed_relu_layer_backward(W, b, X, V, beta=1.0):
                if np.ndim(beta) != 0 or not (np.isfinite(float(beta)) and float(beta) > 0):
                    raise ValueError("beta must be a finite number > 0")
                beta = float(beta)
                W, b, X, V = (np.asarray(v, dtype=np.float64) for v in (W, b, X, V))
                n = np.sqrt((W * W).sum(axis=1))
                if np.any(n == 0):
                    raise ValueError(f"zero rows of W: {np.flatnonzero(n == 0).tolist()}")
                T = beta / n                                  # G = softplus_T(p), p = w^T x + b
                p = X @ W.T + b
                a = np.abs(T * p)
                sig = np.where(p >= 0, 1.0 / (1.0 + np.exp(-a)), np.exp(-a) / (1.0 + np.exp(-a)))
                # dG/dT = p sigmoid(T p) / T - softplus_T(p) / T, and dT/dw = -T w / n^2
                softplus = np.maximum(p, 0.0) + np.log1p(np.exp(-a)) / T
                dG_dT = (p * sig - softplus) / T
                dW = (V * sig).T @ X + ((V * dG_dT).sum(axis=0) * (-T / n ** 2))[:, None] * W
                return dW, (V * sig).sum(axis=0), (V * sig) @ W
        '''),
        "loop_over_units": source('''
            import math

            import numpy as np

            def smoothed_relu_layer_backward(W, b, X, V, beta=1.0):
                beta = np.asarray(beta, dtype=float)
                if beta.shape != () or not np.isfinite(beta) or beta <= 0:
                    raise ValueError("beta must be a finite number > 0")
                beta = float(beta)
                W, b, X, V = (np.array(v, dtype=float) for v in (W, b, X, V))
                dW, db, dX = np.zeros_like(W), np.zeros_like(b), np.zeros_like(X)
                for j, w in enumerate(W):
                    n = math.sqrt(float(np.sum(w * w)))
                    if n == 0:
                        raise ValueError(f"unit {j} has a zero weight vector")
                    u = (X @ w + b[j]) / n
                    sig = 0.5 * (1.0 + np.tanh(0.5 * beta * u))
                    a = np.abs(u)
                    h = np.log1p(np.exp(-beta * a)) / beta + a / (1.0 + np.exp(beta * a))
                    dW[j] = (V[:, j] * sig) @ X + np.sum(V[:, j] * h) * w / n
                    db[j] = np.sum(V[:, j] * sig)
                    dX += np.outer(V[:, j] * sig, w)
                return dW, db, dX
        '''),
    },
    "smoothed_relu_power_symbolic": {
        "lerch_phi": source('''
            import sympy as sp

            def smoothed_relu_power_symbolic(n):
                x, beta = sp.symbols("x beta")
                z = -sp.exp(beta * x)
                return -sp.factorial(n) * z * sp.lerchphi(z, n, 1) / beta ** n
        '''),
        "bernoulli_inversion": source('''
            import sympy as sp

            def smoothed_relu_power_symbolic(n):
                # Jonquiere: Li_n(-e^t) + (-1)^n Li_n(-e^-t) = -(2 pi i)^n / n! B_n(1/2 + t / (2 pi i))
                x, beta = sp.symbols("x beta", real=True)
                t = beta * x
                mirror = -sp.factorial(n) * sp.polylog(n, -sp.exp(-t)) / beta ** n      # S_n(-x)
                polynomial = sp.expand((2 * sp.pi * sp.I / beta) ** n * sp.bernoulli(n, sp.Rational(1, 2) + t / (2 * sp.pi * sp.I)))
                return (-1) ** (n + 1) * mirror + polynomial
        '''),
        "piecewise_by_sign": source('''
            import sympy as sp

            def smoothed_relu_power_symbolic(n):
                x = sp.Symbol("x", real=True)
                beta = sp.Symbol("beta", positive=True)
                left = -sp.gamma(n + 1) * sp.polylog(n, -sp.exp(beta * x)) / beta ** n
                right = (-1) ** (n + 1) * left.subs(x, -x) + sp.expand(
                    (2 * sp.pi * sp.I / beta) ** n * sp.bernoulli(n, sp.Rational(1, 2) + beta * x / (2 * sp.pi * sp.I)))
                return sp.Piecewise((left, x <= 0), (right, True))
        '''),
        "log_for_n_equals_one": source('''
            import sympy as sp

            def smoothed_relu_power_symbolic(n):
                x, beta = sp.symbols("x beta")
                if n == 1:
                    return sp.log(1 + sp.exp(beta * x)) / beta
                return sp.factorial(n) * (-sp.polylog(n, -sp.exp(beta * x))) * beta ** (-n)
        '''),
    },
}

MISTAKES: dict[str, dict[str, str]] = {
    "logistic_density": {
        "second_form_overflows": changed(_DENSITY, (
            "t = np.abs(beta * np.asarray(eps, dtype=np.float64))\n        e = np.exp(-t)\n        return beta * e / (1.0 + e) ** 2",
            "t = beta * np.asarray(eps, dtype=np.float64)\n        return beta / (np.exp(t / 2) + np.exp(-t / 2)) ** 2")),
        "sigmoid_product_loses_the_tail": changed(_DENSITY, (
            "t = np.abs(beta * np.asarray(eps, dtype=np.float64))\n        e = np.exp(-t)\n        return beta * e / (1.0 + e) ** 2",
            "s = 1.0 / (1.0 + np.exp(-beta * np.asarray(eps, dtype=np.float64)))\n        return beta * s * (1.0 - s)")),
        "missing_factor_beta": changed(_DENSITY, ("return beta * e / (1.0 + e) ** 2", "return e / (1.0 + e) ** 2")),
        "noise_scale_beta": changed(_DENSITY, (
            "t = np.abs(beta * np.asarray(eps, dtype=np.float64))", "t = np.abs(np.asarray(eps, dtype=np.float64) / beta)"),
            ("return beta * e / (1.0 + e) ** 2", "return e / (1.0 + e) ** 2 / beta")),
        "forgets_the_square": changed(_DENSITY, ("return beta * e / (1.0 + e) ** 2", "return beta * e / (1.0 + e)")),
        "accepts_any_beta": changed(_DENSITY, (_CHECK, "\n        beta = float(beta)\n")),
    },
    "logistic_smoothing": {
        "monte_carlo": source('''
            import numpy as np

            def logistic_smoothing(f, x, beta=1.0, kinks=()):
                if np.ndim(beta) != 0 or not (np.isfinite(float(beta)) and float(beta) > 0):
                    raise ValueError("beta must be a finite number > 0")
                rng = np.random.default_rng(0)
                u = rng.uniform(size=200_000)
                eps = np.log(u / (1 - u)) / float(beta)
                xs = np.asarray(x, dtype=float)
                return np.array([np.mean(f(xi - eps)) for xi in xs.ravel()]).reshape(xs.shape)
        '''),
        "ignores_kinks": changed(_SMOOTHING, (
            "edges = np.unique(np.concatenate((xi - kinks, [0.0])))", "edges = np.array([0.0])")),
        "kinks_not_shifted_by_x": changed(_SMOOTHING, (
            "edges = np.unique(np.concatenate((xi - kinks, [0.0])))", "edges = np.unique(np.concatenate((kinks, [0.0])))")),
        "fixed_gauss_legendre_in_u": source('''
            import numpy as np

            def logistic_smoothing(f, x, beta=1.0, kinks=()):
                if np.ndim(beta) != 0 or not (np.isfinite(float(beta)) and float(beta) > 0):
                    raise ValueError("beta must be a finite number > 0")
                nodes, weights = np.polynomial.legendre.leggauss(400)
                u, w = 0.5 * (nodes + 1.0), 0.5 * weights          # eps = logit(u) / beta is logistic
                eps = np.log(u / (1.0 - u)) / float(beta)
                xs = np.asarray(x, dtype=float)
                return np.array([np.sum(w * f(xi - eps)) for xi in xs.ravel()]).reshape(xs.shape)
        '''),
        "noise_scale_beta": changed(_SMOOTHING, (
            "t = math.exp(-abs(beta * e))\n            return beta * t / (1.0 + t) ** 2",
            "t = math.exp(-abs(e / beta))\n            return t / (1.0 + t) ** 2 / beta")),
        "missing_factor_beta": changed(_SMOOTHING, (
            "return beta * t / (1.0 + t) ** 2", "return t / (1.0 + t) ** 2")),
        "trapezoid_on_a_grid": source('''
            import numpy as np

            def logistic_smoothing(f, x, beta=1.0, kinks=()):
                if np.ndim(beta) != 0 or not (np.isfinite(float(beta)) and float(beta) > 0):
                    raise ValueError("beta must be a finite number > 0")
                beta = float(beta)
                eps = np.linspace(-60.0 / beta, 60.0 / beta, 200_001)
                t = np.exp(-np.abs(beta * eps))
                p = beta * t / (1.0 + t) ** 2
                xs = np.asarray(x, dtype=float)
                return np.array([np.trapezoid(f(xi - eps) * p, eps) for xi in xs.ravel()]).reshape(xs.shape)
        '''),
        "calls_f_before_checking_beta": changed(_SMOOTHING, (
            _CHECK, "\n        f(0.0)\n" + _CHECK)),
    },
    "smoothed_relu_layer": {
        "temperature_beta": changed(_LAYER, (
            "G = np.maximum(pre, 0.0) + norm * np.log1p(np.exp(-beta * np.abs(u))) / beta",
            "G = np.maximum(pre, 0.0) + np.log1p(np.exp(-beta * np.abs(pre))) / beta")),
        "temperature_beta_times_norm": changed(_LAYER, (
            "G = np.maximum(pre, 0.0) + norm * np.log1p(np.exp(-beta * np.abs(u))) / beta",
            "G = np.maximum(pre, 0.0) + np.log1p(np.exp(-beta * norm * np.abs(pre))) / (beta * norm)")),
        "temperature_beta_over_norm_squared": changed(_LAYER, (
            "G = np.maximum(pre, 0.0) + norm * np.log1p(np.exp(-beta * np.abs(u))) / beta",
            "G = np.maximum(pre, 0.0) + norm ** 2 * np.log1p(np.exp(-beta * np.abs(pre) / norm ** 2)) / beta")),
        "l1_norm": changed(_LAYER, ("norm = np.sqrt(np.sum(W ** 2, axis=1))", "norm = np.sum(np.abs(W), axis=1)")),
        "forgets_the_bias": changed(_LAYER, ("pre = X @ W.T + b", "pre = X @ W.T")),
        "normalised_argument": changed(_LAYER, (
            "G = np.maximum(pre, 0.0) + norm * np.log1p(np.exp(-beta * np.abs(u))) / beta",
            "G = np.maximum(u, 0.0) + norm * np.log1p(np.exp(-beta * np.abs(u) / norm)) / beta")),
        "naive_formula_overflows": changed(_LAYER, (
            "G = np.maximum(pre, 0.0) + norm * np.log1p(np.exp(-beta * np.abs(u))) / beta",
            "G = norm / beta * np.log(1.0 + np.exp(beta * u))")),
        "zero_row_gives_zero": changed(_LAYER, ("return np.where(norm > 0, G, np.maximum(b, 0.0))",
                                              "return np.where(norm > 0, G, 0.0)")),
        "zero_row_divides_by_zero": changed(_LAYER, (
            "u = pre / np.where(norm > 0, norm, 1.0)", "u = pre / norm")),
    },
    "smoothed_relu_layer_backward": {
        "without_the_h_term": changed(_BACKWARD, (
            "dW = Vs.T @ X + (V * h).sum(axis=0)[:, None] * W / norm[:, None]", "dW = Vs.T @ X")),
        "h_is_softplus": changed(_BACKWARD, (
            "h = np.log1p(e) / beta + np.abs(u) * e / (1.0 + e)",
            "h = np.maximum(u, 0.0) + np.log1p(e) / beta")),
        "minus_h": changed(_BACKWARD, ("dW = Vs.T @ X + (V * h)", "dW = Vs.T @ X - (V * h)")),
        "temperature_beta": changed(_BACKWARD, ("u = (X @ W.T + b) / norm", "u = X @ W.T + b"),
                                  ("W / norm[:, None]", "W * 0.0")),
        "temperature_beta_times_norm": changed(_BACKWARD, ("u = (X @ W.T + b) / norm", "u = (X @ W.T + b) * norm")),
        "temperature_beta_over_norm_squared": changed(_BACKWARD, ("u = (X @ W.T + b) / norm", "u = (X @ W.T + b) / norm ** 2")),
        "l1_norm": changed(_BACKWARD, ("norm = np.sqrt(np.sum(W ** 2, axis=1))", "norm = np.sum(np.abs(W), axis=1)")),
        "forgets_the_bias": changed(_BACKWARD, ("u = (X @ W.T + b) / norm", "u = (X @ W.T) / norm")),
        "zero_row_message_without_index": changed(_BACKWARD, ('raise ValueError(f"row {zero[0]} of W is zero")',
                                                            'raise ValueError("W has a zero row")')),
        "zero_row_not_caught": changed(_BACKWARD, ("if zero.size:", "if False:")),
    },
    "smoothed_relu_power_symbolic": {
        "n_minus_one_factorial": source('''
            import sympy as sp

            def smoothed_relu_power_symbolic(n):
                x, beta = sp.symbols("x beta")
                return -sp.factorial(n - 1) * sp.polylog(n, -sp.exp(beta * x)) / beta ** n
        '''),
        "li_n_plus_one": source('''
            import sympy as sp

            def smoothed_relu_power_symbolic(n):
                x, beta = sp.symbols("x beta")
                return -sp.factorial(n) * sp.polylog(n + 1, -sp.exp(beta * x)) / beta ** n
        '''),
        "beta_to_the_n_minus_one": source('''
            import sympy as sp

            def smoothed_relu_power_symbolic(n):
                x, beta = sp.symbols("x beta")
                return -sp.factorial(n) * sp.polylog(n, -sp.exp(beta * x)) / beta ** (n - 1)
        '''),
        "softplus_to_the_n": source('''
            import sympy as sp

            def smoothed_relu_power_symbolic(n):
                x, beta = sp.symbols("x beta")
                return (sp.log(1 + sp.exp(beta * x)) / beta) ** n
        '''),
        "unevaluated_integral": source('''
            import sympy as sp

            def smoothed_relu_power_symbolic(n):
                x, beta, e = sp.symbols("x beta e")
                density = beta * sp.exp(-beta * e) / (1 + sp.exp(-beta * e)) ** 2
                return sp.Integral((x - e) ** n * density, (e, -sp.oo, x))
        '''),
        "unevaluated_series": source('''
            import sympy as sp

            def smoothed_relu_power_symbolic(n):
                x, beta, k = sp.symbols("x beta k")
                return sp.factorial(n) / beta ** n * sp.Sum((-1) ** (k + 1) * sp.exp(k * beta * x) / k ** n, (k, 1, sp.oo))
        '''),
        "bernoulli_form_for_x_positive_only": source('''
            import sympy as sp

            def smoothed_relu_power_symbolic(n):
                # the polynomial part alone: right only as x -> oo
                x, beta = sp.symbols("x beta")
                return sp.expand((2 * sp.pi * sp.I / beta) ** n * sp.bernoulli(n, sp.Rational(1, 2) + beta * x / (2 * sp.pi * sp.I)))
        '''),
        "float_pi": source('''
            import math

            import sympy as sp

            def smoothed_relu_power_symbolic(n):
                # the inversion formula with pi as a 16-digit float
                x, beta = sp.symbols("x beta")
                pi = sp.Float(math.pi)
                mirror = -sp.factorial(n) * sp.polylog(n, -sp.exp(-beta * x)) / beta ** n
                polynomial = sp.expand((2 * pi * sp.I / beta) ** n * sp.bernoulli(n, sp.Rational(1, 2) + beta * x / (2 * pi * sp.I)))
                return (-1) ** (n + 1) * mirror + polynomial
        '''),
    },
}


# --- what the contract test (tests/test_checks_contract.py) checks of each entry -----------------

#: For each mistake, a few words of the part it must fail (the part's description).
EXPECTED_FAILED_PART = {
    ("logistic_density", "second_form_overflows"): "no overflow and no warning",
    ("logistic_density", "sigmoid_product_loses_the_tail"): "the tails",
    ("logistic_density", "missing_factor_beta"): "beta from 1e-6 to 1e6",
    ("logistic_density", "noise_scale_beta"): "p_beta for moderate eps",
    ("logistic_density", "forgets_the_square"): "p_beta for moderate eps",
    ("logistic_density", "accepts_any_beta"): "raises ValueError",
    ("logistic_smoothing", "monte_carlo"): "smooth f without kinks",
    ("logistic_smoothing", "ignores_kinks"): "discontinuous f",
    ("logistic_smoothing", "kinks_not_shifted_by_x"): "seven jumps",
    ("logistic_smoothing", "fixed_gauss_legendre_in_u"): "discontinuous f",
    ("logistic_smoothing", "noise_scale_beta"): "smooth f without kinks",
    ("logistic_smoothing", "missing_factor_beta"): "smooth f without kinks",
    ("logistic_smoothing", "trapezoid_on_a_grid"): "discontinuous f",
    ("logistic_smoothing", "calls_f_before_checking_beta"): "before f is called",
    ("smoothed_relu_layer", "temperature_beta"): "on random data",
    ("smoothed_relu_layer", "temperature_beta_times_norm"): "on random data",
    ("smoothed_relu_layer", "temperature_beta_over_norm_squared"): "on random data",
    ("smoothed_relu_layer", "l1_norm"): "on random data",
    ("smoothed_relu_layer", "forgets_the_bias"): "on random data",
    ("smoothed_relu_layer", "normalised_argument"): "on random data",
    ("smoothed_relu_layer", "naive_formula_overflows"): "no overflow",
    ("smoothed_relu_layer", "zero_row_gives_zero"): "zero row of W gives ReLU(b_j)",
    ("smoothed_relu_layer", "zero_row_divides_by_zero"): "zero row of W gives ReLU(b_j)",
    ("smoothed_relu_layer_backward", "without_the_h_term"): "dW, with the term from ||w_j||",
    ("smoothed_relu_layer_backward", "h_is_softplus"): "dW, with the term from ||w_j||",
    ("smoothed_relu_layer_backward", "minus_h"): "dW, with the term from ||w_j||",
    ("smoothed_relu_layer_backward", "temperature_beta"): "db and dX",
    ("smoothed_relu_layer_backward", "temperature_beta_times_norm"): "db and dX",
    ("smoothed_relu_layer_backward", "temperature_beta_over_norm_squared"): "db and dX",
    ("smoothed_relu_layer_backward", "l1_norm"): "db and dX",
    ("smoothed_relu_layer_backward", "forgets_the_bias"): "db and dX",
    ("smoothed_relu_layer_backward", "zero_row_message_without_index"): "naming the row",
    ("smoothed_relu_layer_backward", "zero_row_not_caught"): "naming the row",
    ("smoothed_relu_power_symbolic", "n_minus_one_factorial"): "n = 1 and 2",
    ("smoothed_relu_power_symbolic", "li_n_plus_one"): "n = 1 and 2",
    ("smoothed_relu_power_symbolic", "beta_to_the_n_minus_one"): "n = 1 and 2",
    ("smoothed_relu_power_symbolic", "softplus_to_the_n"): "n = 1 and 2",
    ("smoothed_relu_power_symbolic", "unevaluated_integral"): "n = 1 and 2",
    ("smoothed_relu_power_symbolic", "unevaluated_series"): "n = 1 and 2",
    ("smoothed_relu_power_symbolic", "bernoulli_form_for_x_positive_only"): "n = 1 and 2",
    ("smoothed_relu_power_symbolic", "float_pi"): "n = 1 and 2",
}

#: Mistakes that must keep the points of some part: partial credit is per property.
KEEPS_PART = {
    ("logistic_density", "second_form_overflows"): "p_beta for moderate eps",
    ("logistic_density", "accepts_any_beta"): "the tails",
    ("logistic_smoothing", "ignores_kinks"): "smooth f without kinks",
    ("logistic_smoothing", "kinks_not_shifted_by_x"): "discontinuous f",
    ("smoothed_relu_layer", "zero_row_gives_zero"): "on random data",
    ("smoothed_relu_layer_backward", "without_the_h_term"): "db and dX",
    ("smoothed_relu_layer_backward", "zero_row_not_caught"): "dW, with the term",
}

#: (name, mistake, words of the failed part, words its message must contain)
ACTIONABLE_MESSAGES = [
    ("logistic_density", "second_form_overflows", "no overflow", "overflow encountered"),
    ("logistic_density", "accepts_any_beta", "raises ValueError", "did not raise"),
    ("logistic_smoothing", "ignores_kinks", "discontinuous f", "kinks: -1, 0.5"),
    ("logistic_smoothing", "calls_f_before_checking_beta", "before f is called", "check beta before computing"),
    ("smoothed_relu_layer", "zero_row_divides_by_zero", "zero row", "divide by zero"),
    ("smoothed_relu_layer_backward", "zero_row_message_without_index", "naming the row", "does not name the row's index"),
    ("smoothed_relu_power_symbolic", "unevaluated_integral", "n = 1 and 2", "unevaluated Integral"),
    ("smoothed_relu_power_symbolic", "float_pi", "n = 1 and 2", "25 digits are needed"),
]

#: (name, mistake, words of the AssertionError the released notebook's visible test raises on it)
VISIBLE_TESTS_CATCH = [
    ("logistic_density", "sigmoid_product_loses_the_tail", "the tail was lost"),
    ("logistic_density", "noise_scale_beta", "should be"),
    ("logistic_density", "missing_factor_beta", "should be"),
    ("logistic_smoothing", "ignores_kinks", "are the kinks used"),
    ("smoothed_relu_layer", "temperature_beta", "check the temperature"),
    ("smoothed_relu_layer", "l1_norm", "check the temperature"),
    ("smoothed_relu_layer_backward", "without_the_h_term", "depends on w"),
    ("smoothed_relu_layer_backward", "zero_row_not_caught", "must raise ValueError"),
    ("smoothed_relu_power_symbolic", "n_minus_one_factorial", "E[ReLU(x - eps)^n]"),
    ("smoothed_relu_power_symbolic", "unevaluated_integral", "give a closed form"),
]
