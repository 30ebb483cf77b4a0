"""Student implementations for ``ex04_losses_cross_entropy``,
right and wrong, as source strings (the conventions: :mod:`tests.catalogue`).
"""
from __future__ import annotations

from tests.catalogue import source


# The label checks every correct cross_entropy and cross_entropy_grad below repeats in its own words.
CORRECT: dict[str, dict[str, str]] = {
    "cross_entropy": {
        "logsumexp_via_logaddexp_reduce": source('''
            import numpy as np

            def cross_entropy(logits, y):
                z = np.array(logits, dtype=np.float64)
                y = np.asarray(y)
                if not np.issubdtype(y.dtype, np.integer):
                    raise ValueError(f"labels must be integers, got dtype {y.dtype}")
                if y.shape != (z.shape[0],) or np.any(y < 0) or np.any(y >= z.shape[1]):
                    raise ValueError(f"every label must be in 0..{z.shape[1] - 1}")
                picked = np.take_along_axis(z, y[:, None], axis=1)[:, 0]
                return np.logaddexp.reduce(z, axis=1) - picked
        '''),
        "scipy_logsumexp_and_integer_floats": source('''
            import numpy as np
            from scipy.special import logsumexp

            def cross_entropy(logits, y):
                z = np.asarray(logits, dtype=np.float64)
                labels = np.asarray(y, dtype=np.float64)      # ints and integer-valued floats
                n, k = z.shape
                if labels.shape != (n,):
                    raise ValueError("one label per row")
                if not np.all(np.isfinite(labels)) or np.any(labels % 1 != 0):
                    raise ValueError("labels must be whole numbers")
                if labels.min(initial=0) < 0 or labels.max(initial=0) > k - 1:
                    raise ValueError(f"labels must lie in 0..{k - 1}")
                idx = labels.astype(int)
                return logsumexp(z, axis=1) - z[np.arange(n), idx]
        '''),
        "row_loop": source('''
            import math
            import numpy as np

            def cross_entropy(logits, y):
                rows = np.asarray(logits, dtype=float)
                labels = list(y)
                if len(labels) != len(rows):
                    raise ValueError("one label per row")
                out = np.empty(len(rows))
                for i, (row, label) in enumerate(zip(rows, labels)):
                    if isinstance(label, (float, np.floating)) or not (0 <= label < len(row)):
                        raise ValueError(f"bad label {label!r} in row {i}")
                    top = row.max()
                    out[i] = top + math.log(np.exp(row - top).sum()) - row[int(label)]
                return out
        '''),
        "log_softmax_then_pick": source('''
            import numpy as np

            def cross_entropy(logits, y):
                z = np.asarray(logits, dtype=np.float64)
                y = np.asarray(y)
                if y.dtype.kind not in "iu" or ((y < 0) | (y >= z.shape[-1])).any():
                    raise ValueError("labels must be integers in 0..K-1")
                shifted = z - z.max(axis=-1, keepdims=True)
                log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
                return -log_p[np.arange(len(y)), y]
        '''),
    },
    "cross_entropy_grad": {
        "onehot_by_eye": source('''
            import numpy as np

            def cross_entropy_grad(logits, y):
                z = np.asarray(logits, dtype=np.float64)
                y = np.asarray(y)
                if y.dtype.kind not in "iu" or y.min() < 0 or y.max() >= z.shape[1]:
                    raise ValueError("labels must be integers in 0..K-1")
                p = np.exp(z - z.max(axis=1, keepdims=True))
                p /= p.sum(axis=1, keepdims=True)
                return p - np.eye(z.shape[1])[y]
        '''),
        "scipy_softmax_put_along_axis": source('''
            import numpy as np
            from scipy.special import softmax

            def cross_entropy_grad(logits, y):
                z = np.asarray(logits, dtype=np.float64)
                labels = np.asarray(y)
                if not np.issubdtype(labels.dtype, np.integer):
                    raise ValueError("integer labels only")
                if np.any((labels < 0) | (labels >= z.shape[1])):
                    raise ValueError("label out of range")
                g = softmax(z, axis=1)
                picked = np.take_along_axis(g, labels[:, None], axis=1)
                np.put_along_axis(g, labels[:, None], picked - 1.0, axis=1)
                return g
        '''),
        "exp_of_log_softmax": source('''
            import numpy as np

            def cross_entropy_grad(logits, y):
                z = np.asarray(logits, dtype=np.float64)
                y = np.asarray(y, dtype=np.float64)
                if np.any(~np.isfinite(y)) or np.any(y != np.floor(y)) or np.any((y < 0) | (y > z.shape[1] - 1)):
                    raise ValueError("labels must be class indices")
                lse = np.logaddexp.reduce(z, axis=1, keepdims=True)
                onehot = (np.arange(z.shape[1]) == y[:, None]).astype(np.float64)
                return np.exp(z - lse) - onehot
        '''),
    },
    "bce_with_logits": {
        "softplus_by_logaddexp": source('''
            import numpy as np

            def bce_with_logits(t, y):
                t = np.asarray(t, dtype=np.float64)
                y = np.asarray(y, dtype=np.float64)
                return y * np.logaddexp(0.0, -t) + (1 - y) * np.logaddexp(0.0, t)
        '''),
        "where_branches": source('''
            import numpy as np

            def bce_with_logits(t, y):
                t, y = np.broadcast_arrays(np.asarray(t, dtype=float), np.asarray(y, dtype=float))
                tail = np.log1p(np.exp(-np.abs(t)))
                return np.where(t >= 0, (1 - y) * t + tail, -y * t + tail)
        '''),
        "log_not_log1p": source('''
            import numpy as np

            def bce_with_logits(t, y):
                # log(1 + e^-|t|) instead of log1p: a tiny absolute error, inside the tolerance
                t = np.asarray(t, dtype=np.float64)
                y = np.asarray(y, dtype=np.float64)
                return np.clip(t, 0, None) - t * y + np.log(1 + np.exp(-np.abs(t)))
        '''),
        "mixture_of_two_softpluses": source('''
            import numpy as np

            def bce_with_logits(t, y):
                t = np.asarray(t, dtype=np.float64)
                def softplus(x):
                    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
                return y * softplus(-t) + (1.0 - np.asarray(y, dtype=np.float64)) * softplus(t)
        '''),
    },
    "logistic_nll_grad": {
        "expit": source('''
            import numpy as np
            from scipy.special import expit

            def logistic_nll_grad(theta, X, y):
                X = np.asarray(X, dtype=np.float64)
                r = expit(X @ np.asarray(theta, dtype=np.float64)) - np.asarray(y, dtype=np.float64)
                return X.T @ r
        '''),
        "tanh_sigmoid_einsum": source('''
            import numpy as np

            def logistic_nll_grad(theta, X, y):
                X = np.asarray(X, dtype=float)
                u = X @ np.asarray(theta, dtype=float)
                s = 0.5 * (1.0 + np.tanh(0.5 * u))
                return np.einsum("ij,i->j", X, s - np.asarray(y, dtype=float))
        '''),
        "where_two_branches": source('''
            import numpy as np

            def logistic_nll_grad(theta, X, y):
                X = np.asarray(X, dtype=np.float64)
                u = X @ np.asarray(theta, dtype=np.float64)
                e = np.exp(-np.abs(u))
                s = np.where(u >= 0, 1 / (1 + e), e / (1 + e))
                return (X * (s - np.asarray(y, dtype=np.float64))[:, None]).sum(axis=0)
        '''),
    },
    "ce_scaled_onehot_symbolic": {
        "closed_form": source('''
            import sympy as sp

            def ce_scaled_onehot_symbolic(k):
                lam = sp.Symbol("lam")
                return sp.log(1 + (k - 1) * sp.exp(-lam))
        '''),
        "logsumexp_minus_logit": source('''
            import sympy as sp

            def ce_scaled_onehot_symbolic(k):
                lam = sp.symbols("lam", real=True)
                return sp.log(sp.exp(lam) + k - 1) - lam
        '''),
        "softmax_of_a_vector_positive_symbol": source('''
            import sympy as sp

            def ce_scaled_onehot_symbolic(k):
                lam = sp.Symbol("lam", positive=True)
                y = k - 1                                     # any label works; take the last
                f = sp.Matrix([lam if j == y else 0 for j in range(k)])
                p = f.applyfunc(sp.exp) / sum(f.applyfunc(sp.exp))
                return sp.simplify(-sp.log(p[y]))
        '''),
        "quotient_inside_log": source('''
            import sympy as sp

            def ce_scaled_onehot_symbolic(k):
                lam = sp.Symbol("lam")
                return sp.log((sp.exp(lam) + sp.Integer(k - 1)) / sp.exp(lam))
        '''),
    },
}

MISTAKES: dict[str, dict[str, str]] = {
    "cross_entropy": {
        "accepts_negative_labels": source('''
            import numpy as np

            def cross_entropy(logits, y):
                z = np.asarray(logits, dtype=np.float64)
                y = np.asarray(y)
                if y.dtype.kind not in "iu" or np.any(y >= z.shape[1]):
                    raise ValueError("bad label")
                m = z.max(axis=1)
                return m + np.log(np.exp(z - m[:, None]).sum(axis=1)) - z[np.arange(len(y)), y]
        '''),
        "no_label_checks": source('''
            import numpy as np

            def cross_entropy(logits, y):
                z = np.asarray(logits, dtype=np.float64)
                m = z.max(axis=1)
                return m + np.log(np.exp(z - m[:, None]).sum(axis=1)) - z[np.arange(len(z)), y]
        '''),
        "naive_log_of_softmax": source('''
            import numpy as np

            def cross_entropy(logits, y):
                z = np.asarray(logits, dtype=np.float64)
                y = np.asarray(y)
                if y.dtype.kind not in "iu" or np.any((y < 0) | (y >= z.shape[1])):
                    raise ValueError("bad label")
                p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
                return -np.log(p[np.arange(len(y)), y])
        '''),
        "shifted_softmax_then_log": source('''
            import numpy as np

            def cross_entropy(logits, y):
                z = np.asarray(logits, dtype=np.float64)
                y = np.asarray(y)
                if y.dtype.kind not in "iu" or np.any((y < 0) | (y >= z.shape[1])):
                    raise ValueError("bad label")
                e = np.exp(z - z.max(axis=1, keepdims=True))
                p = e / e.sum(axis=1, keepdims=True)
                return -np.log(p[np.arange(len(y)), y])
        '''),
        "mean_not_per_sample": source('''
            import numpy as np

            def cross_entropy(logits, y):
                z = np.asarray(logits, dtype=np.float64)
                y = np.asarray(y)
                if y.dtype.kind not in "iu" or np.any((y < 0) | (y >= z.shape[1])):
                    raise ValueError("bad label")
                m = z.max(axis=1)
                return np.mean(m + np.log(np.exp(z - m[:, None]).sum(axis=1)) - z[np.arange(len(y)), y])
        '''),
        "fractional_labels_truncated": source('''
            import numpy as np

            def cross_entropy(logits, y):
                z = np.asarray(logits, dtype=np.float64)
                y = np.asarray(y).astype(int)                 # 1.5 becomes 1, nan becomes garbage
                if np.any((y < 0) | (y >= z.shape[1])):
                    raise ValueError("bad label")
                m = z.max(axis=1)
                return m + np.log(np.exp(z - m[:, None]).sum(axis=1)) - z[np.arange(len(y)), y]
        '''),
        "index_error_not_value_error": source('''
            import numpy as np

            def cross_entropy(logits, y):
                z = np.asarray(logits, dtype=np.float64)
                y = np.asarray(y)
                if np.any(y < 0):
                    raise IndexError("negative label")
                m = z.max(axis=1)
                return m + np.log(np.exp(z - m[:, None]).sum(axis=1)) - z[np.arange(len(y)), y]
        '''),
        "picks_column_by_row_index": source('''
            import numpy as np

            def cross_entropy(logits, y):
                z = np.asarray(logits, dtype=np.float64)
                y = np.asarray(y)
                if y.dtype.kind not in "iu" or np.any((y < 0) | (y >= z.shape[1])):
                    raise ValueError("bad label")
                m = z.max(axis=1)
                return m + np.log(np.exp(z - m[:, None]).sum(axis=1)) - z[:, y][0]
        '''),
    },
    "cross_entropy_grad": {
        "no_label_checks": source('''
            import numpy as np

            def cross_entropy_grad(logits, y):
                z = np.asarray(logits, dtype=np.float64)
                p = np.exp(z - z.max(axis=1, keepdims=True))
                p /= p.sum(axis=1, keepdims=True)
                p[np.arange(len(z)), y] -= 1
                return p
        '''),
        "sign_flipped": source('''
            import numpy as np

            def cross_entropy_grad(logits, y):
                z = np.asarray(logits, dtype=np.float64)
                y = np.asarray(y)
                if y.dtype.kind not in "iu" or np.any((y < 0) | (y >= z.shape[1])):
                    raise ValueError("bad label")
                p = np.exp(z - z.max(axis=1, keepdims=True))
                p /= p.sum(axis=1, keepdims=True)
                return np.eye(z.shape[1])[y] - p
        '''),
        "gradient_wrt_probabilities": source('''
            import numpy as np

            def cross_entropy_grad(logits, y):
                z = np.asarray(logits, dtype=np.float64)
                y = np.asarray(y)
                if y.dtype.kind not in "iu" or np.any((y < 0) | (y >= z.shape[1])):
                    raise ValueError("bad label")
                p = np.exp(z - z.max(axis=1, keepdims=True))
                p /= p.sum(axis=1, keepdims=True)
                g = np.zeros_like(p)
                g[np.arange(len(y)), y] = -1 / p[np.arange(len(y)), y]
                return g
        '''),
        "no_shift_overflows": source('''
            import numpy as np

            def cross_entropy_grad(logits, y):
                z = np.asarray(logits, dtype=np.float64)
                y = np.asarray(y)
                if y.dtype.kind not in "iu" or np.any((y < 0) | (y >= z.shape[1])):
                    raise ValueError("bad label")
                p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
                return p - np.eye(z.shape[1])[y]
        '''),
        "divided_by_batch_size": source('''
            import numpy as np

            def cross_entropy_grad(logits, y):
                z = np.asarray(logits, dtype=np.float64)
                y = np.asarray(y)
                if y.dtype.kind not in "iu" or np.any((y < 0) | (y >= z.shape[1])):
                    raise ValueError("bad label")
                p = np.exp(z - z.max(axis=1, keepdims=True))
                p /= p.sum(axis=1, keepdims=True)
                return (p - np.eye(z.shape[1])[y]) / len(y)
        '''),
        "modifies_logits_in_place": source('''
            import numpy as np

            def cross_entropy_grad(logits, y):
                z = np.asarray(logits, dtype=np.float64)     # no copy for a float64 array
                y = np.asarray(y)
                if y.dtype.kind not in "iu" or np.any((y < 0) | (y >= z.shape[1])):
                    raise ValueError("bad label")
                z -= z.max(axis=1, keepdims=True)
                np.exp(z, out=z)
                z /= z.sum(axis=1, keepdims=True)
                z[np.arange(len(y)), y] -= 1
                return z
        '''),
    },
    "bce_with_logits": {
        "naive_sigmoid_then_logs": source('''
            import numpy as np

            def bce_with_logits(t, y):
                t = np.asarray(t, dtype=np.float64)
                y = np.asarray(y, dtype=np.float64)
                p = 1 / (1 + np.exp(-t))
                return -y * np.log(p) - (1 - y) * np.log(1 - p)
        '''),
        "softplus_without_shift_overflows": source('''
            import numpy as np

            def bce_with_logits(t, y):
                t = np.asarray(t, dtype=np.float64)
                return np.log1p(np.exp(t)) - np.asarray(y, dtype=np.float64) * t
        '''),
        "clipped_probabilities": source('''
            import numpy as np

            def bce_with_logits(t, y):
                t = np.asarray(t, dtype=np.float64)
                y = np.asarray(y, dtype=np.float64)
                p = np.clip(0.5 * (1 + np.tanh(0.5 * t)), 1e-12, 1 - 1e-12)
                return -y * np.log(p) - (1 - y) * np.log(1 - p)
        '''),
        "sign_slip_on_second_term": source('''
            import numpy as np

            def bce_with_logits(t, y):
                # the slipped middle line: -y log p + (1 - y) log(1 - p)
                t = np.asarray(t, dtype=np.float64)
                y = np.asarray(y, dtype=np.float64)
                log_p = -np.logaddexp(0.0, -t)
                log_1mp = -np.logaddexp(0.0, t)
                return -y * log_p + (1 - y) * log_1mp
        '''),
        "hard_labels_only": source('''
            import numpy as np

            def bce_with_logits(t, y):
                t = np.asarray(t, dtype=np.float64)
                y = np.asarray(y, dtype=np.float64)
                return np.where(y > 0.5, np.logaddexp(0.0, -t), np.logaddexp(0.0, t))
        '''),
        "labels_swapped": source('''
            import numpy as np

            def bce_with_logits(t, y):
                t = np.asarray(t, dtype=np.float64)
                y = np.asarray(y, dtype=np.float64)
                return (1 - y) * np.logaddexp(0.0, -t) + y * np.logaddexp(0.0, t)
        '''),
        "mean_not_elementwise": source('''
            import numpy as np

            def bce_with_logits(t, y):
                t = np.asarray(t, dtype=np.float64)
                y = np.asarray(y, dtype=np.float64)
                return np.mean(np.logaddexp(0.0, t) - y * t)
        '''),
    },
    "logistic_nll_grad": {
        "mean_not_sum": source('''
            import numpy as np
            from scipy.special import expit

            def logistic_nll_grad(theta, X, y):
                X = np.asarray(X, dtype=np.float64)
                return X.T @ (expit(X @ np.asarray(theta, dtype=np.float64)) - np.asarray(y, dtype=np.float64)) / len(X)
        '''),
        "sign_flipped": source('''
            import numpy as np
            from scipy.special import expit

            def logistic_nll_grad(theta, X, y):
                X = np.asarray(X, dtype=np.float64)
                return X.T @ (np.asarray(y, dtype=np.float64) - expit(X @ np.asarray(theta, dtype=np.float64)))
        '''),
        "naive_sigmoid_overflows": source('''
            import numpy as np

            def logistic_nll_grad(theta, X, y):
                X = np.asarray(X, dtype=np.float64)
                s = 1 / (1 + np.exp(-(X @ np.asarray(theta, dtype=np.float64))))
                return X.T @ (s - np.asarray(y, dtype=np.float64))
        '''),
        "least_squares_gradient": source('''
            import numpy as np

            def logistic_nll_grad(theta, X, y):
                X = np.asarray(X, dtype=np.float64)
                return X.T @ (X @ np.asarray(theta, dtype=np.float64) - np.asarray(y, dtype=np.float64))
        '''),
        "sigmoid_of_minus_u": source('''
            import numpy as np
            from scipy.special import expit

            def logistic_nll_grad(theta, X, y):
                X = np.asarray(X, dtype=np.float64)
                return X.T @ (expit(-(X @ np.asarray(theta, dtype=np.float64))) - np.asarray(y, dtype=np.float64))
        '''),
        "per_example_gradients": source('''
            import numpy as np
            from scipy.special import expit

            def logistic_nll_grad(theta, X, y):
                X = np.asarray(X, dtype=np.float64)
                r = expit(X @ np.asarray(theta, dtype=np.float64)) - np.asarray(y, dtype=np.float64)
                return X * r[:, None]
        '''),
        "modifies_theta_in_place": source('''
            import numpy as np
            from scipy.special import expit

            def logistic_nll_grad(theta, X, y):
                X = np.asarray(X, dtype=np.float64)
                theta = np.asarray(theta, dtype=np.float64)
                theta *= 1.0
                u = X @ theta
                theta[...] = 0.0                              # scratch space: the caller's theta is gone
                return X.T @ (expit(u) - np.asarray(y, dtype=np.float64))
        '''),
    },
    "ce_scaled_onehot_symbolic": {
        "sums_to_k_slip": source('''
            import sympy as sp

            def ce_scaled_onehot_symbolic(k):
                # the seed's slip: the sum over the classes runs over k + 1 of them
                lam = sp.Symbol("lam")
                return sp.log(sp.exp(lam) + k) - lam
        '''),
        "exponent_sign_slip": source('''
            import sympy as sp

            def ce_scaled_onehot_symbolic(k):
                lam = sp.Symbol("lam")
                return sp.log(1 + (k - 1) * sp.exp(lam))
        '''),
        "log_probability_without_minus": source('''
            import sympy as sp

            def ce_scaled_onehot_symbolic(k):
                lam = sp.Symbol("lam")
                return sp.log(sp.exp(lam) / (sp.exp(lam) + k - 1))
        '''),
        "probability_not_loss": source('''
            import sympy as sp

            def ce_scaled_onehot_symbolic(k):
                lam = sp.Symbol("lam")
                return sp.exp(lam) / (sp.exp(lam) + k - 1)
        '''),
        "asymptote_only": source('''
            import sympy as sp

            def ce_scaled_onehot_symbolic(k):
                lam = sp.Symbol("lam")
                return (k - 1) * sp.exp(-lam)
        '''),
        "right_at_zero_and_infinity_only": source('''
            import sympy as sp

            def ce_scaled_onehot_symbolic(k):
                lam = sp.Symbol("lam")
                return sp.log(k) * sp.exp(-lam)
        '''),
        "symbol_named_lambda": source('''
            import sympy as sp

            def ce_scaled_onehot_symbolic(k):
                lam = sp.Symbol("lambda")
                return sp.log(1 + (k - 1) * sp.exp(-lam))
        '''),
        "symbolic_k": source('''
            import sympy as sp

            def ce_scaled_onehot_symbolic(k):
                lam, kk = sp.symbols("lam k")
                return sp.log(1 + (kk - 1) * sp.exp(-lam))
        '''),
        "float_value_not_expression": source('''
            import math

            def ce_scaled_onehot_symbolic(k):
                return math.log(1 + (k - 1) * math.exp(-1.0))
        '''),
        "right_values_wrong_limit": source('''
            import sympy as sp

            def ce_scaled_onehot_symbolic(k):
                # agrees with the loss at every point of moderate size, but tends to 1/1000
                lam = sp.Symbol("lam")
                return sp.log(1 + (k - 1) * sp.exp(-lam)) + sp.Rational(1, 1000) * sp.exp(-sp.exp(-lam / 10) * 10**9)
        '''),
    },
}

# --- what the contract test (tests/test_checks_contract.py) expects of the mistakes, as data ---

#: For each mistake, a few words of the part it must fail (the part's description).
EXPECTED_FAILED_PART = {
    ("cross_entropy", "accepts_negative_labels"): "refuses negative labels",
    ("cross_entropy", "no_label_checks"): "refuses negative labels",
    ("cross_entropy", "naive_log_of_softmax"): "no overflow",
    ("cross_entropy", "shifted_softmax_then_log"): "no overflow",
    ("cross_entropy", "mean_not_per_sample"): "one loss per sample",
    ("cross_entropy", "fractional_labels_truncated"): "refuses fractional and nan labels",
    ("cross_entropy", "index_error_not_value_error"): "refuses negative labels",
    ("cross_entropy", "picks_column_by_row_index"): "one loss per sample",
    ("cross_entropy_grad", "no_label_checks"): "refuses negative labels",
    ("cross_entropy_grad", "sign_flipped"): "softmax(logits) - onehot(y)",
    ("cross_entropy_grad", "gradient_wrt_probabilities"): "softmax(logits) - onehot(y)",
    ("cross_entropy_grad", "no_shift_overflows"): "up to 1e5",
    ("cross_entropy_grad", "divided_by_batch_size"): "softmax(logits) - onehot(y)",
    ("cross_entropy_grad", "modifies_logits_in_place"): "leaves its inputs alone",
    ("bce_with_logits", "naive_sigmoid_then_logs"): "loses its digits",
    ("bce_with_logits", "softplus_without_shift_overflows"): "up to 1e4",
    ("bce_with_logits", "clipped_probabilities"): "up to 1e4",
    ("bce_with_logits", "sign_slip_on_second_term"): "values for hard and soft labels",
    ("bce_with_logits", "hard_labels_only"): "values for hard and soft labels",
    ("bce_with_logits", "labels_swapped"): "values for hard and soft labels",
    ("bce_with_logits", "mean_not_elementwise"): "values for hard and soft labels",
    ("logistic_nll_grad", "mean_not_sum"): "sum over the examples",
    ("logistic_nll_grad", "sign_flipped"): "sum over the examples",
    ("logistic_nll_grad", "naive_sigmoid_overflows"): "without warnings",
    ("logistic_nll_grad", "least_squares_gradient"): "sum over the examples",
    ("logistic_nll_grad", "sigmoid_of_minus_u"): "sum over the examples",
    ("logistic_nll_grad", "per_example_gradients"): "sum over the examples",
    ("logistic_nll_grad", "modifies_theta_in_place"): "leaves its inputs alone",
    ("ce_scaled_onehot_symbolic", "sums_to_k_slip"): "k = 2 and 3",
    ("ce_scaled_onehot_symbolic", "exponent_sign_slip"): "k = 2 and 3",
    ("ce_scaled_onehot_symbolic", "log_probability_without_minus"): "k = 2 and 3",
    ("ce_scaled_onehot_symbolic", "probability_not_loss"): "k = 2 and 3",
    ("ce_scaled_onehot_symbolic", "asymptote_only"): "k = 2 and 3",
    ("ce_scaled_onehot_symbolic", "right_at_zero_and_infinity_only"): "k = 2 and 3",
    ("ce_scaled_onehot_symbolic", "symbol_named_lambda"): "k = 2 and 3",
    ("ce_scaled_onehot_symbolic", "symbolic_k"): "k = 2 and 3",
    ("ce_scaled_onehot_symbolic", "float_value_not_expression"): "k = 2 and 3",
    ("ce_scaled_onehot_symbolic", "right_values_wrong_limit"): "its limit",
}

#: (name, mistake, words of the failed part, words its message must contain)
ACTIONABLE_MESSAGES = [
    ("cross_entropy", "accepts_negative_labels", "refuses negative labels", "a label of -1"),
    ("cross_entropy", "accepts_negative_labels", "refuses negative labels", "returned a result instead of raising ValueError"),
    ("cross_entropy", "index_error_not_value_error", "refuses negative labels", "raised IndexError"),
    ("cross_entropy", "naive_log_of_softmax", "no overflow", "not finite at index"),
    ("cross_entropy", "mean_not_per_sample", "one loss per sample", "has shape ()"),
    ("cross_entropy", "fractional_labels_truncated", "fractional and nan", "a label of 1.5"),
    ("cross_entropy_grad", "modifies_logits_in_place", "leaves its inputs alone", "modified the caller's array in place"),
    ("bce_with_logits", "naive_sigmoid_then_logs", "up to 1e4", "not finite"),
    ("bce_with_logits", "mean_not_elementwise", "values for hard and soft labels", "has shape ()"),
    ("logistic_nll_grad", "naive_sigmoid_overflows", "without warnings", "RuntimeWarning"),
    ("logistic_nll_grad", "per_example_gradients", "sum over the examples", "has shape (20, 3), expected (3,)"),
    ("ce_scaled_onehot_symbolic", "symbol_named_lambda", "k = 2 and 3", "named lam"),
    ("ce_scaled_onehot_symbolic", "float_value_not_expression", "k = 2 and 3", "one free symbol"),
    ("ce_scaled_onehot_symbolic", "sums_to_k_slip", "k = 2 and 3", "expected 0.69314718055994"),
    ("ce_scaled_onehot_symbolic", "right_values_wrong_limit", "its limit", "the limit as lam -> oo is 1/1000"),
]

#: Mistakes that must fail only the parts about them: every failed part names one of the words.
FAILS_ONLY = {
    ("cross_entropy", "accepts_negative_labels"): ("refuses negative labels",),
    ("cross_entropy", "fractional_labels_truncated"): ("refuses fractional and nan labels",),
    ("logistic_nll_grad", "naive_sigmoid_overflows"): ("without warnings", "emits no warning"),
    ("ce_scaled_onehot_symbolic", "right_values_wrong_limit"): ("its limit",),
}
