"""Student implementations for ``ex07_softplus_lipschitz``,
right and wrong, as source strings (the conventions: :mod:`tests.catalogue`).
"""
from __future__ import annotations

from tests.catalogue import changed, source


# --- templates: correct code that the mistakes change in one place --------------------------

_SOFTPLUS = '''
    import numpy as np

    def softplus_beta(x, beta=1.0):
        b = np.asarray(beta)
        if b.shape != () or not np.isfinite(b) or not b > 0:
            raise ValueError("beta must be finite and > 0")
        beta = float(b)
        t = beta * np.asarray(x, dtype=np.float64)
        return (np.maximum(t, 0.0) + np.log1p(np.exp(-np.abs(t)))) / beta
'''

_SYMBOLIC = '''
    import sympy as sp

    def softplus_lipschitz_symbolic(k):
        beta, s = sp.symbols("beta", positive=True), sp.Symbol("s")
        p = s
        for _ in range(k):
            p = sp.expand(sp.diff(p, s) * s * (1 - s))
        critical = [r for r in sp.real_roots(sp.Poly(sp.diff(p, s), s)) if 0 < r < 1]
        values = [sp.Abs(p.subs(s, r)) for r in critical]
        sup = max(values, key=lambda v: sp.N(v, 50))
        return beta**k * sup
'''

_LIPSCHITZ = '''
    import numpy as np

    def smooth_perceptron_lipschitz(X, beta=1.0):
        b = np.asarray(beta)
        if b.shape != () or not np.isfinite(b) or not b > 0:
            raise ValueError("beta must be finite and > 0")
        X = np.asarray(X, dtype=np.float64)
        N = X.shape[0]
        top = np.linalg.norm(X, 2)
        return float(b) * top**2 / (4 * N)
'''

_CONTINUATION = '''
    import numpy as np

    def continuation_gd(X, y, w0, betas, steps):
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if not np.all(np.abs(y) == 1):
            raise ValueError("labels must be -1 or +1")
        checked = []
        for beta in betas:
            if not (np.isfinite(beta) and beta > 0):
                raise ValueError("every beta must be finite and > 0")
            checked.append(float(beta))
        N = X.shape[0]
        top = np.linalg.norm(X, 2) ** 2

        def loss(w, beta):
            t = -beta * y * (X @ w)
            return np.mean(np.maximum(t, 0) + np.log1p(np.exp(-np.abs(t)))) / beta

        def grad(w, beta):
            t = -beta * y * (X @ w)
            e = np.exp(-np.abs(t))
            sig = np.where(t >= 0, 1 / (1 + e), e / (1 + e))
            return -(X.T @ (y * sig)) / N

        w = np.array(w0, dtype=np.float64)
        rows = []
        for beta in checked:
            L = beta * top / (4 * N)
            row = [loss(w, beta)]
            for _ in range(steps):
                w = w - grad(w, beta) / L
                row.append(loss(w, beta))
            rows.append(row)
        return w, np.array(rows, dtype=np.float64)
'''

CORRECT: dict[str, dict[str, str]] = {
    "softplus_beta": {
        "logaddexp": source('''
            import math
            import numpy as np

            def softplus_beta(x, beta=1.0):
                beta = float(beta)
                if math.isnan(beta) or math.isinf(beta) or beta <= 0:
                    raise ValueError(f"bad beta {beta}")
                return np.logaddexp(0.0, beta * np.asarray(x, dtype=float)) / beta
        '''),
        "scipy_softplus": source('''
            import numpy as np
            import scipy.special

            def softplus_beta(x, beta=1.0):
                if not np.isfinite(beta) or beta <= 0:
                    raise ValueError("beta must be a finite positive number")
                return scipy.special.softplus(beta * np.asarray(x, dtype=np.float64)) / beta
        '''),
        "log_expit": source('''
            import numpy as np
            from scipy.special import log_expit

            def softplus_beta(x, beta=1.0):
                if not (0 < beta < np.inf):
                    raise ValueError("beta must be finite and > 0")
                t = beta * np.array(x, dtype=np.float64)
                return -log_expit(-t) / beta       # log(1 + e^t) = -log(sigmoid(-t))
        '''),
        "cutoff_at_40": source('''
            import numpy as np

            def softplus_beta(x, beta=1.0):
                b = np.float64(beta)
                if np.isnan(b) or np.isinf(b) or b <= 0:
                    raise ValueError("beta must be finite and > 0")
                t = b * np.asarray(x, dtype=np.float64)
                inner = np.log1p(np.exp(np.minimum(t, 40.0)))   # accurate for t <= 40, also far left
                return np.where(t > 40.0, t, inner) / b          # e^-40 / 40 < 1e-12
        '''),
    },
    "softplus_lipschitz_symbolic": {
        "radicals_with_max": source('''
            import sympy as sp

            def softplus_lipschitz_symbolic(k):
                beta, s = sp.Symbol("beta"), sp.Symbol("s")
                p = s
                for _ in range(k):
                    p = sp.expand(sp.diff(p, s) * s * (1 - s))
                roots = sp.solve(sp.diff(p, s), s)
                inside = [r for r in roots if sp.im(sp.N(r, 30)) == 0 and 0 < sp.re(sp.N(r, 30)) < 1]
                return beta**k * sp.Max(*[sp.Abs(p.subs(s, r)) for r in inside])
        '''),
        "in_t_with_logit_of_roots": source('''
            import sympy as sp

            def softplus_lipschitz_symbolic(k):
                beta = sp.symbols("beta", real=True, positive=True)
                t, s = sp.symbols("t s", real=True)
                sig = 1 / (1 + sp.exp(-t))
                dk = sp.diff(sig, t, k)
                # critical points of sigma^(k): zeros of sigma^(k+1), as s = sigma(t) in (0, 1)
                q = s
                for _ in range(k + 1):
                    q = sp.expand(sp.diff(q, s) * s * (1 - s))
                factor = sp.Poly(sp.cancel(q / (s * (1 - s))), s)
                best = None
                for r in factor.real_roots():
                    value = sp.Abs(dk.subs(t, sp.log(r / (1 - r))))
                    if best is None or sp.N(value - best, 40) > 0:
                        best = value
                return best * beta**k
        '''),
        "table_of_constants": source('''
            import sympy as sp

            def softplus_lipschitz_symbolic(k):
                beta = sp.Symbol("beta", positive=True)
                x = sp.Symbol("x")
                s4 = sp.CRootOf(120 * x**4 - 240 * x**3 + 150 * x**2 - 30 * x + 1, 1)
                p4 = s4 - 15 * s4**2 + 50 * s4**3 - 60 * s4**4 + 24 * s4**5
                table = {1: sp.Rational(1, 4), 2: sp.sqrt(3) / 18, 3: sp.Rational(1, 8),
                         4: sp.Abs(p4), 5: sp.Rational(1, 4)}
                return table[k] * beta**k
        '''),
    },
    "smooth_perceptron_lipschitz": {
        "eigvalsh_gram": source('''
            import numpy as np

            def smooth_perceptron_lipschitz(X, beta=1.0):
                if not np.isfinite(beta) or beta <= 0:
                    raise ValueError("beta must be finite and > 0")
                X = np.asarray(X, dtype=np.float64)
                return beta * np.linalg.eigvalsh(X.T @ X)[-1] / (4 * len(X))
        '''),
        "scipy_svdvals": source('''
            import numpy as np
            import scipy.linalg

            def smooth_perceptron_lipschitz(X, beta=1.0):
                beta = float(beta)
                if beta != beta or beta in (float("inf"), float("-inf")) or beta <= 0:
                    raise ValueError("beta must be finite and > 0")
                X = np.array(X, dtype=float)
                sigma = scipy.linalg.svdvals(X)[0]
                return float(beta / 4 * sigma * sigma / X.shape[0])
        '''),
        "outer_gram": source('''
            import numpy as np

            def smooth_perceptron_lipschitz(X, beta=1.0):
                b = np.asarray(beta, dtype=float)
                if not (np.isfinite(b) and b > 0):
                    raise ValueError("beta")
                X = np.asarray(X, dtype=float)
                top = np.linalg.eigvalsh(X @ X.T).max()          # same nonzero eigenvalues as X^T X
                return np.asarray(b * top / (4 * X.shape[0]))     # a 0-d array
        '''),
    },
    "continuation_gd": {
        "expit_and_eigvalsh": source('''
            import numpy as np
            from scipy.special import expit

            def continuation_gd(X, y, w0, betas, steps):
                X = np.asarray(X, dtype=float)
                y = np.asarray(y, dtype=float)
                if not set(np.unique(y)) <= {-1.0, 1.0}:
                    raise ValueError("labels must be -1 or +1")
                betas = np.asarray(betas, dtype=float)
                if not np.all(np.isfinite(betas) & (betas > 0)):
                    raise ValueError("betas must be finite and > 0")
                N = len(X)
                lam = np.linalg.eigvalsh(X.T @ X)[-1]
                w = np.array(w0, dtype=float)
                losses = np.zeros((len(betas), steps + 1))
                for j, beta in enumerate(betas):
                    L = beta * lam / (4 * N)
                    F = lambda w: np.logaddexp(0, -beta * y * (X @ w)).mean() / beta
                    losses[j, 0] = F(w)
                    for k in range(1, steps + 1):
                        g = -X.T @ (y * expit(-beta * y * (X @ w))) / N
                        w = w - g / L
                        losses[j, k] = F(w)
                return w, losses
        '''),
        "tanh_sigmoid_svdvals": source('''
            import numpy as np
            import scipy.linalg

            def continuation_gd(X, y, w0, betas, steps):
                X = np.asarray(X, dtype=np.float64)
                y = np.asarray(y, dtype=np.float64)
                if np.any((y != 1) & (y != -1)):
                    raise ValueError("y must hold only -1 and +1")
                for beta in betas:
                    if not (float(beta) > 0 and np.isfinite(float(beta))):
                        raise ValueError(f"bad beta {beta}")
                N = X.shape[0]
                s2 = scipy.linalg.svdvals(X)[0] ** 2
                w = np.asarray(w0, dtype=np.float64).copy()
                out = []
                for beta in map(float, betas):
                    step = 4 * N / (beta * s2)
                    def F(w):
                        m = -beta * y * (X @ w)
                        return float(np.mean(np.logaddexp(0.0, m))) / beta
                    row = [F(w)]
                    for _ in range(steps):
                        m = -beta * y * (X @ w)
                        sig = 0.5 * (1 + np.tanh(m / 2))      # sigmoid(m), no overflow
                        w = w + step * (X.T @ (y * sig)) / N
                        row.append(F(w))
                    out.append(row)
                return w, np.array(out)
        '''),
        "calls_helpers": source('''
            import numpy as np

            def continuation_gd(X, y, w0, betas, steps):
                def sp_beta(t, beta):
                    return np.logaddexp(0.0, beta * t) / beta

                def lipschitz(X, beta):
                    return beta * np.linalg.norm(X, ord=2) ** 2 / (4 * X.shape[0])

                X = np.asarray(X, dtype=np.float64)
                y = np.asarray(y)
                if not np.isin(y, [-1, 1]).all():
                    raise ValueError("labels")
                if any(not np.isfinite(b) or b <= 0 for b in betas):
                    raise ValueError("betas")
                w = np.array(w0, dtype=np.float64)
                losses = []
                for beta in betas:
                    L = lipschitz(X, beta)
                    margins = lambda w: y * (X @ w)
                    stage = [np.mean(sp_beta(-margins(w), beta))]
                    for _ in range(steps):
                        sig = np.exp(-np.logaddexp(0.0, beta * margins(w)))   # sigmoid(-beta m)
                        w = w + X.T @ (y * sig) / (len(y) * L)
                        stage.append(np.mean(sp_beta(-margins(w), beta)))
                    losses.append(stage)
                return w, np.array(losses, dtype=np.float64)
        '''),
    },
}


def _power_iteration(start: str, steps: int) -> tuple[str, str]:
    """The ``changed`` replacement of the exact spectral norm by ``steps`` power iterations
    from ``start`` (a slip: too few steps, or a start that misses the top singular vector)."""
    return ("top = np.linalg.norm(X, 2)",
            f"v = {start}\n"
            f"        for _ in range({steps}):\n"
            "            u = X.T @ (X @ v)\n"
            "            n = np.linalg.norm(u)\n"
            "            if n == 0:\n"
            "                break\n"
            "            v = u / n\n"
            "        top = np.linalg.norm(X @ v)")

MISTAKES: dict[str, dict[str, str]] = {
    "softplus_beta": {
        "naive_formula": changed(_SOFTPLUS, ("(np.maximum(t, 0.0) + np.log1p(np.exp(-np.abs(t))))", "np.log(1 + np.exp(t))")),
        "pytorch_threshold_20": changed(_SOFTPLUS, (
            "return (np.maximum(t, 0.0) + np.log1p(np.exp(-np.abs(t)))) / beta",
            "return np.where(t > 20, t, np.log1p(np.exp(np.minimum(t, 20)))) / beta")),
        "cutoff_on_x": changed(_SOFTPLUS, (
            "return (np.maximum(t, 0.0) + np.log1p(np.exp(-np.abs(t)))) / beta",
            "x = np.asarray(x, dtype=np.float64)\n"
            "        return np.where(x > 30, x, np.log1p(np.exp(np.minimum(t, 30))) / beta)")),
        "log_instead_of_log1p": changed(_SOFTPLUS, ("np.log1p(np.exp(-np.abs(t)))", "np.log(1 + np.exp(-np.abs(t)))")),
        "no_beta_check": changed(_SOFTPLUS, (
            '        if b.shape != () or not np.isfinite(b) or not b > 0:\n            raise ValueError("beta must be finite and > 0")\n', "")),
        "rejects_only_zero": changed(_SOFTPLUS, ("if b.shape != () or not np.isfinite(b) or not b > 0:", "if b == 0:")),
        "forgets_one_over_beta": changed(_SOFTPLUS, ("np.log1p(np.exp(-np.abs(t)))) / beta", "np.log1p(np.exp(-np.abs(t))))")),
        "float32": changed(_SOFTPLUS, ("np.asarray(x, dtype=np.float64)", "np.asarray(x, dtype=np.float32)")),
        "scales_x_in_place": changed(_SOFTPLUS, (
            "t = beta * np.asarray(x, dtype=np.float64)",
            "t = np.asarray(x, dtype=np.float64)\n        t *= beta")),
    },
    "softplus_lipschitz_symbolic": {
        "bound_one_not_one_quarter": source('''
            import sympy as sp

            def softplus_lipschitz_symbolic(k):
                beta = sp.Symbol("beta", positive=True)
                return beta**k          # |sigma^(k)| <= 1
        '''),
        "one_quarter_for_every_k": source('''
            import sympy as sp

            def softplus_lipschitz_symbolic(k):
                beta = sp.Symbol("beta", positive=True)
                return beta**k / 4
        '''),
        "float_constant": changed(_SYMBOLIC, ("return beta**k * sup", "return beta**k * sp.Float(sp.N(sup, 15), 15)")),
        "grid_maximum": source('''
            import numpy as np
            import sympy as sp

            def softplus_lipschitz_symbolic(k):
                beta, t = sp.symbols("beta t")
                dk = sp.lambdify(t, sp.diff(1 / (1 + sp.exp(-t)), t, k), "numpy")
                grid = np.linspace(-12, 12, 240001)
                return beta**k * sp.nsimplify(float(np.max(np.abs(dk(grid)))))
        '''),
        "beta_power_k_minus_one": changed(_SYMBOLIC, ("return beta**k * sup", "return beta**(k - 1) * sup")),
        "sup_of_the_kth_not_k_plus_first": changed(_SYMBOLIC, ("for _ in range(k):", "for _ in range(k - 1):")),
        "max_without_abs": changed(_SYMBOLIC, ("values = [sp.Abs(p.subs(s, r)) for r in critical]",
                                             "values = [p.subs(s, r) for r in critical]")),
        "value_at_zero": source('''
            import sympy as sp

            def softplus_lipschitz_symbolic(k):
                beta, t = sp.symbols("beta t")
                return beta**k * sp.Abs(sp.diff(1 / (1 + sp.exp(-t)), t, k).subs(t, 0))
        '''),
        "symbol_named_b": changed(_SYMBOLIC, ('sp.symbols("beta", positive=True)', 'sp.symbols("b", positive=True)')),
    },
    "smooth_perceptron_lipschitz": {
        "frobenius_norm": changed(_LIPSCHITZ, ("np.linalg.norm(X, 2)", "np.linalg.norm(X)")),
        "sum_not_mean": changed(_LIPSCHITZ, ("/ (4 * N)", "/ 4")),
        "bound_one_not_one_quarter": changed(_LIPSCHITZ, ("/ (4 * N)", "/ N")),
        "power_iteration_100": changed(_LIPSCHITZ, _power_iteration("np.ones(X.shape[1])", 100)),
        "power_iteration_2000_random_start": changed(
            _LIPSCHITZ, _power_iteration("np.random.default_rng(0).normal(size=X.shape[1])", 2000)),
        "norm_not_squared": changed(_LIPSCHITZ, ("top**2", "top")),
        "forgets_beta": changed(_LIPSCHITZ, ("return float(b) * top**2", "return top**2")),
        "one_element_vector": changed(_LIPSCHITZ, ("return float(b) * top**2 / (4 * N)",
                                                 "return float(b) * np.linalg.eigvalsh(X.T @ X)[-1:] / (4 * N)")),
        "largest_row_norm": changed(_LIPSCHITZ, ("top = np.linalg.norm(X, 2)", "top = np.linalg.norm(X, axis=1).max()")),
        "no_beta_check": changed(_LIPSCHITZ, (
            '        if b.shape != () or not np.isfinite(b) or not b > 0:\n            raise ValueError("beta must be finite and > 0")\n', "")),
    },
    "continuation_gd": {
        "one_L_for_every_stage": changed(_CONTINUATION, ("L = beta * top / (4 * N)", "L = checked[0] * top / (4 * N)")),
        "sorted_betas": changed(_CONTINUATION, ("for beta in checked:\n            L", "for beta in sorted(checked):\n            L")),
        "frobenius_norm": changed(_CONTINUATION, ("np.linalg.norm(X, 2) ** 2", "np.linalg.norm(X) ** 2")),
        "sum_not_mean": changed(_CONTINUATION, ("return np.mean(np.maximum(t, 0)", "return np.sum(np.maximum(t, 0)"),
                              ("return -(X.T @ (y * sig)) / N", "return -(X.T @ (y * sig))")),
        "bound_one_not_one_quarter": changed(_CONTINUATION, ("L = beta * top / (4 * N)", "L = beta * top / N")),
        "restarts_every_stage_at_w0": changed(_CONTINUATION, ("for beta in checked:\n            L", "for beta in checked:\n            w = np.array(w0, dtype=np.float64)\n            L")),
        "losses_only_after_steps": changed(_CONTINUATION, ("row = [loss(w, beta)]", "row = []")),
        "naive_softplus": changed(_CONTINUATION, ("np.mean(np.maximum(t, 0) + np.log1p(np.exp(-np.abs(t))))",
                                                "np.mean(np.log(1 + np.exp(t)))")),
        "naive_sigmoid": changed(_CONTINUATION, ("sig = np.where(t >= 0, 1 / (1 + e), e / (1 + e))",
                                               "sig = 1 / (1 + np.exp(-t))")),
        "no_label_check": changed(_CONTINUATION, ('        if not np.all(np.abs(y) == 1):\n            raise ValueError("labels must be -1 or +1")\n', "")),
        "updates_w0_in_place": changed(_CONTINUATION, ("w = np.array(w0, dtype=np.float64)", "w = np.asarray(w0, dtype=np.float64)"),
                                     ("w = w - grad(w, beta) / L", "w -= grad(w, beta) / L")),
    },
}


# --- what the contract test (tests/test_checks_contract.py) checks of each entry -----------------

#: For each mistake, a few words of the part it must fail (the part's description).
EXPECTED_FAILED_PART = {
    ("softplus_beta", "naive_formula"): "large positive beta x",
    ("softplus_beta", "pytorch_threshold_20"): "PyTorch's 20 is too early",
    ("softplus_beta", "cutoff_on_x"): "not on x",
    ("softplus_beta", "log_instead_of_log1p"): "large negative beta x",
    ("softplus_beta", "no_beta_check"): "raises ValueError",
    ("softplus_beta", "rejects_only_zero"): "raises ValueError",
    ("softplus_beta", "forgets_one_over_beta"): "moderate inputs",
    ("softplus_beta", "float32"): "float64 array",
    ("softplus_beta", "scales_x_in_place"): "leaves x alone",
    ("softplus_lipschitz_symbolic", "bound_one_not_one_quarter"): "k = 1",
    ("softplus_lipschitz_symbolic", "one_quarter_for_every_k"): "k = 2 and k = 4",
    ("softplus_lipschitz_symbolic", "float_constant"): "k = 2 and k = 4",
    ("softplus_lipschitz_symbolic", "grid_maximum"): "k = 2 and k = 4",
    ("softplus_lipschitz_symbolic", "beta_power_k_minus_one"): "k = 1",
    ("softplus_lipschitz_symbolic", "sup_of_the_kth_not_k_plus_first"): "k = 3 and k = 5",
    ("softplus_lipschitz_symbolic", "max_without_abs"): "k = 3 and k = 5",
    ("softplus_lipschitz_symbolic", "value_at_zero"): "k = 2 and k = 4",
    ("softplus_lipschitz_symbolic", "symbol_named_b"): "k = 1",
    ("smooth_perceptron_lipschitz", "frobenius_norm"): "random X",
    ("smooth_perceptron_lipschitz", "sum_not_mean"): "random X",
    ("smooth_perceptron_lipschitz", "bound_one_not_one_quarter"): "random X",
    ("smooth_perceptron_lipschitz", "power_iteration_100"): "top singular values equal",
    ("smooth_perceptron_lipschitz", "power_iteration_2000_random_start"): "top singular values equal",
    ("smooth_perceptron_lipschitz", "norm_not_squared"): "random X",
    ("smooth_perceptron_lipschitz", "forgets_beta"): "random X",
    ("smooth_perceptron_lipschitz", "one_element_vector"): "returns one number",
    ("smooth_perceptron_lipschitz", "largest_row_norm"): "random X",
    ("smooth_perceptron_lipschitz", "no_beta_check"): "raises ValueError",
    ("continuation_gd", "one_L_for_every_stage"): "in the order given",
    ("continuation_gd", "sorted_betas"): "in the order given",
    ("continuation_gd", "frobenius_norm"): "in the order given",
    ("continuation_gd", "sum_not_mean"): "steps = 0",
    ("continuation_gd", "bound_one_not_one_quarter"): "in the order given",
    ("continuation_gd", "restarts_every_stage_at_w0"): "in the order given",
    ("continuation_gd", "losses_only_after_steps"): "steps = 0",
    ("continuation_gd", "naive_softplus"): "beta up to 1e6",
    ("continuation_gd", "naive_sigmoid"): "beta up to 1e6",
    ("continuation_gd", "no_label_check"): "raise ValueError",
    ("continuation_gd", "updates_w0_in_place"): "never modifies its inputs",
}

#: Mistakes that must keep the points of some part: partial credit is per property.
KEEPS_PART = {
    ("softplus_beta", "pytorch_threshold_20"): "large negative beta x",
    ("softplus_beta", "naive_formula"): "small beta",
    ("softplus_beta", "no_beta_check"): "large positive beta x",
    ("softplus_lipschitz_symbolic", "grid_maximum"): "k = 1",
    ("softplus_lipschitz_symbolic", "max_without_abs"): "k = 2 and k = 4",
    ("smooth_perceptron_lipschitz", "power_iteration_100"): "random X",
    ("smooth_perceptron_lipschitz", "one_element_vector"): "top singular values equal",
    ("continuation_gd", "sorted_betas"): "beta up to 1e6",
    ("continuation_gd", "naive_softplus"): "in the order given",
    ("continuation_gd", "no_label_check"): "in the order given",
}

#: (name, mistake, words of the failed part, words its message must contain)
ACTIONABLE_MESSAGES = [
    ("softplus_beta", "naive_formula", "large positive beta x", "not finite"),
    ("softplus_beta", "pytorch_threshold_20", "PyTorch's 20", "difference 1.6e-09"),
    ("softplus_beta", "no_beta_check", "raises ValueError", "beta = 0.0 must raise ValueError"),
    ("softplus_beta", "float32", "float64 array", "dtype float32"),
    ("softplus_beta", "scales_x_in_place", "leaves x alone", "modified the caller's array"),
    ("softplus_lipschitz_symbolic", "symbol_named_b", "k = 1", "named beta"),
    ("softplus_lipschitz_symbolic", "grid_maximum", "k = 2 and k = 4", "it must be exact"),
    ("smooth_perceptron_lipschitz", "one_element_vector", "returns one number", "shape (1,)"),
    ("smooth_perceptron_lipschitz", "power_iteration_100", "top singular values equal", "expected 0.1875"),
    ("continuation_gd", "losses_only_after_steps", "in the order given", "steps + 1 = 16 columns"),
    ("continuation_gd", "naive_sigmoid", "beta up to 1e6", "overflow"),
    ("continuation_gd", "no_label_check", "raise ValueError", "labels 0 and 1"),
    ("continuation_gd", "updates_w0_in_place", "never modifies its inputs", "modified the caller's arrays"),
]

#: (name, mistake, words of the AssertionError the released notebook's visible test raises on it)
VISIBLE_TESTS_CATCH = [
    ("softplus_beta", "naive_formula", "should be"),
    ("softplus_beta", "no_beta_check", "must raise ValueError"),
    ("softplus_lipschitz_symbolic", "bound_one_not_one_quarter", "not the smallest"),
    ("smooth_perceptron_lipschitz", "bound_one_not_one_quarter", "not the smallest"),
    ("smooth_perceptron_lipschitz", "norm_not_squared", "too small"),
    ("continuation_gd", "updates_w0_in_place", "modified w0"),
    ("continuation_gd", "losses_only_after_steps", "steps + 1"),
]
