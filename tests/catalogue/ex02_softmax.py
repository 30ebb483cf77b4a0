"""Student implementations for ``ex02_softmax``,
right and wrong, as source strings (the conventions: :mod:`tests.catalogue`).
"""
from __future__ import annotations

from tests.catalogue import changed, source


CORRECT: dict[str, dict[str, str]] = {
    "softmax": {
        "shift_by_max": source('''
            import numpy as np

            def softmax(z, axis=-1):
                e = np.array(z, dtype=np.float64)  # np.array copies: the caller's z is safe
                e -= np.max(e, axis=axis, keepdims=True)
                np.exp(e, out=e)
                e /= np.sum(e, axis=axis, keepdims=True)
                return e
        '''),
        "via_logsumexp": source('''
            import numpy as np

            def softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                shifted = z - np.max(z, axis=axis, keepdims=True)
                log_norm = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
                return np.exp(shifted - log_norm)
        '''),
        "via_moveaxis": source('''
            import numpy as np

            def softmax(z, axis=-1):
                last = np.moveaxis(np.asarray(z, dtype=np.float64), axis, -1)
                e = np.exp(last - last.max(axis=-1)[..., None])
                return np.moveaxis(e / e.sum(axis=-1)[..., None], -1, axis)
        '''),
        "via_apply_along_axis": source('''
            import numpy as np

            def softmax(z, axis=-1):
                def one_row(row):
                    e = np.exp(row - row.max())
                    return e / e.sum()

                return np.apply_along_axis(one_row, axis, np.asarray(z, dtype=np.float64))
        '''),
        "expand_dims_instead_of_keepdims": source('''
            import numpy as np

            def softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z - np.expand_dims(z.max(axis=axis), axis))
                return e / np.expand_dims(e.sum(axis=axis), axis)
        '''),
        # exp(z - logsumexp(z)) rounds logsumexp at the magnitude of z (an error of about 1e-11
        # at |z| = 1e5): within the revised contract's 1e-9 there, and exact to 1e-12 for |z| <= 50.
        "exp_of_z_minus_logsumexp": source('''
            import numpy as np

            def softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                m = z.max(axis=axis, keepdims=True)
                logsumexp = m + np.log(np.exp(z - m).sum(axis=axis, keepdims=True))
                return np.exp(z - logsumexp)
        '''),
        "scipy_logsumexp": source('''
            import numpy as np
            from scipy.special import logsumexp

            def softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                return np.exp(z - logsumexp(z, axis=axis, keepdims=True))
        '''),
        "scipy_special": source('''
            from scipy.special import softmax as _scipy_softmax

            def softmax(z, axis=-1):
                return _scipy_softmax(z, axis=axis)
        '''),
    },
    "log_softmax": {
        "subtract_logsumexp": source('''
            import numpy as np

            def log_softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                m = np.max(z, axis=axis, keepdims=True)
                logsumexp = m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))
                return z - logsumexp
        '''),
        "via_logaddexp_reduce": source('''
            import numpy as np

            def log_softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                return z - np.logaddexp.reduce(z, axis=axis, keepdims=True)
        '''),
        "via_moveaxis": source('''
            import numpy as np

            def log_softmax(z, axis=-1):
                last = np.moveaxis(np.asarray(z, dtype=np.float64), axis, -1)
                shifted = last - last.max(axis=-1)[..., None]
                out = shifted - np.log(np.exp(shifted).sum(axis=-1))[..., None]
                return np.moveaxis(out, -1, axis)
        '''),
        "scipy_special": source('''
            from scipy.special import log_softmax as _scipy_log_softmax

            def log_softmax(z, axis=-1):
                return _scipy_log_softmax(z, axis=axis)
        '''),
    },
    "softmax_jacobian": {
        "broadcast_eye": source('''
            import numpy as np

            def softmax_jacobian(z):
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z - z.max())
                y = e / e.sum()
                return y[:, None] * (np.eye(len(y)) - y[None, :])
        '''),
        "einsum": source('''
            import numpy as np

            def softmax_jacobian(z):
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z - z.max())
                y = e / e.sum()
                return np.einsum("i,ij->ij", y, np.eye(y.size)) - np.einsum("i,j->ij", y, y)
        '''),
        "fill_diagonal": source('''
            import numpy as np

            def softmax_jacobian(z):
                z = np.array(z, dtype=np.float64)
                z -= z.max()
                y = np.exp(z) / np.exp(z).sum()
                jacobian = -np.outer(y, y)
                jacobian[np.diag_indices_from(jacobian)] += y
                return jacobian
        '''),
        "rows_are_vjps_of_basis_vectors": source('''
            import numpy as np

            def softmax_jacobian(z):
                # J is symmetric, so row k is J^T e_k = y * (e_k - <e_k, y>), for all k at once
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z - z.max())
                y = e / e.sum()
                basis = np.eye(y.size)
                return y * (basis - (basis * y).sum(axis=-1, keepdims=True))
        '''),
    },
    "softmax_vjp": {
        "expanded": source('''
            import numpy as np

            def softmax_vjp(z, g):
                z = np.asarray(z, dtype=np.float64)
                g = np.asarray(g, dtype=np.float64)
                e = np.exp(z - z.max(axis=-1, keepdims=True))
                y = e / e.sum(axis=-1, keepdims=True)
                return y * g - y * np.sum(y * g, axis=-1, keepdims=True)
        '''),
        "einsum": source('''
            import numpy as np

            def softmax_vjp(z, g):
                z = np.asarray(z, dtype=np.float64)
                g = np.asarray(g, dtype=np.float64)
                e = np.exp(z - z.max(axis=-1, keepdims=True))
                y = e / e.sum(axis=-1, keepdims=True)
                dot = np.einsum("...i,...i->...", y, g)
                return y * (g - dot[..., None])
        '''),
        "batched_matmul": source('''
            import numpy as np

            def softmax_vjp(z, g):
                z = np.asarray(z, dtype=np.float64)
                g = np.asarray(g, dtype=np.float64)
                y = np.exp(z - z.max(axis=-1, keepdims=True))
                y /= y.sum(axis=-1, keepdims=True)
                dot = (g[..., None, :] @ y[..., :, None])[..., 0]  # shape (..., 1)
                return y * (g - dot)
        '''),
    },
    "softmax_jacobian_symbolic": {
        "matrix_jacobian": source('''
            import sympy as sp

            def softmax_jacobian_symbolic(n):
                z = sp.symbols(f"z0:{n}")
                total = sum(sp.exp(v) for v in z)
                return sp.Matrix([sp.exp(v) / total for v in z]).jacobian(z)
        '''),
        "kronecker_double_loop": source('''
            import sympy as sp

            def softmax_jacobian_symbolic(n):
                z = sp.symbols(f"z0:{n}")
                total = sum(sp.exp(v) for v in z)
                y = [sp.exp(v) / total for v in z]
                return sp.Matrix(n, n, lambda i, j: y[i] * (sp.KroneckerDelta(i, j) - y[j]))
        '''),
        "real_symbols_jacobian": source('''
            import sympy as sp

            def softmax_jacobian_symbolic(n):
                z = sp.symbols(f"z0:{n}", real=True)
                total = sum(sp.exp(v) for v in z)
                return sp.Matrix([sp.exp(v) / total for v in z]).jacobian(z)
        '''),
        "real_symbols_closed_form": source('''
            import sympy as sp

            def softmax_jacobian_symbolic(n):
                # symbols with assumptions are still matched by name
                z = [sp.Symbol(f"z{i}", real=True) for i in range(n)]
                shifted = [sp.exp(v - z[0]) for v in z]  # shift-invariance, exact in SymPy
                y = sp.Matrix(shifted) / sum(shifted)
                return sp.diag(*y) - y * y.T
        '''),
    },
}



def _vjp_returning(expression: str) -> str:
    """The expanded correct VJP (``CORRECT["softmax_vjp"]["expanded"]``) with its formula
    slipped: it returns ``expression`` instead."""
    return changed(CORRECT["softmax_vjp"]["expanded"],
                   ("return y * g - y * np.sum(y * g, axis=-1, keepdims=True)", f"return {expression}"))

MISTAKES: dict[str, dict[str, str]] = {
    "softmax": {
        "no_shift_overflows": source('''
            import numpy as np

            def softmax(z, axis=-1):
                e = np.exp(np.asarray(z, dtype=np.float64))
                return e / e.sum(axis=axis, keepdims=True)
        '''),
        "sums_over_axis_0": source('''
            import numpy as np

            def softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z - z.max(axis=axis, keepdims=True))
                return e / e.sum(axis=0, keepdims=True)
        '''),
        "sum_without_keepdims": source('''
            import numpy as np

            def softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z - z.max(axis=axis, keepdims=True))
                return e / e.sum(axis=axis)
        '''),
        "ignores_axis": source('''
            import numpy as np

            def softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z - z.max(axis=-1, keepdims=True))
                return e / e.sum(axis=-1, keepdims=True)
        '''),
        "modifies_input": source('''
            import numpy as np

            def softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)  # no copy for a float64 array
                z -= z.max(axis=axis, keepdims=True)
                e = np.exp(z)
                return e / e.sum(axis=axis, keepdims=True)
        '''),
        "subtracts_mean": source('''
            import numpy as np

            def softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z - z.mean(axis=axis, keepdims=True))
                return e / e.sum(axis=axis, keepdims=True)
        '''),
        "subtracts_min": source('''
            import numpy as np

            def softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z - z.min(axis=axis, keepdims=True))
                return e / e.sum(axis=axis, keepdims=True)
        '''),
        "global_max": source('''
            import numpy as np

            def softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z - z.max())  # one max for the whole batch, not one per row
                return e / e.sum(axis=axis, keepdims=True)
        '''),
        "clips_instead_of_shifting": source('''
            import numpy as np

            def softmax(z, axis=-1):
                e = np.exp(np.clip(np.asarray(z, dtype=np.float64), -700, 700))
                return e / e.sum(axis=axis, keepdims=True)
        '''),
        "returns_list": source('''
            import numpy as np

            def softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z - z.max(axis=axis, keepdims=True))
                return (e / e.sum(axis=axis, keepdims=True)).tolist()
        '''),
        "float32": source('''
            import numpy as np

            def softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float32)
                e = np.exp(z - z.max(axis=axis, keepdims=True))
                return e / e.sum(axis=axis, keepdims=True)
        '''),
        "int_input_gives_int_output": source('''
            import numpy as np

            def softmax(z, axis=-1):
                z = np.asarray(z)
                out = np.zeros_like(z)  # inherits an integer dtype from integer input
                e = np.exp(z - z.max(axis=axis, keepdims=True))
                out[...] = e / e.sum(axis=axis, keepdims=True)
                return out
        '''),
    },
    "log_softmax": {
        "log_of_softmax_underflows": source('''
            import numpy as np

            def log_softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z - z.max(axis=axis, keepdims=True))
                return np.log(e / e.sum(axis=axis, keepdims=True))
        '''),
        "log_of_clipped_softmax": source('''
            import numpy as np

            def log_softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z - z.max(axis=axis, keepdims=True))
                return np.log(np.maximum(e / e.sum(axis=axis, keepdims=True), 1e-300))
        '''),
        "no_shift_overflows": source('''
            import numpy as np

            def log_softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
        '''),
        "forgets_to_add_back_max": source('''
            import numpy as np

            def log_softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                m = z.max(axis=axis, keepdims=True)
                return z - np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))
        '''),
        "sum_without_keepdims": source('''
            import numpy as np

            def log_softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                shifted = z - z.max(axis=axis, keepdims=True)
                return shifted - np.log(np.exp(shifted).sum(axis=axis))
        '''),
        "ignores_axis": source('''
            import numpy as np

            def log_softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                shifted = z - z.max(axis=-1, keepdims=True)
                return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        '''),
        "modifies_input": source('''
            import numpy as np

            def log_softmax(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                z -= z.max(axis=axis, keepdims=True)
                return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))
        '''),
    },
    "softmax_jacobian": {
        "missing_diagonal_term": source('''
            import numpy as np

            def softmax_jacobian(z):
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z - z.max())
                y = e / e.sum()
                return -np.outer(y, y)
        '''),
        "sign_error": source('''
            import numpy as np

            def softmax_jacobian(z):
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z - z.max())
                y = e / e.sum()
                return np.outer(y, y) - np.diag(y)
        '''),
        "elementwise_square_not_outer": source('''
            import numpy as np

            def softmax_jacobian(z):
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z - z.max())
                y = e / e.sum()
                return np.diag(y) - y * y
        '''),
        "diagonal_only": source('''
            import numpy as np

            def softmax_jacobian(z):
                # scalar-activation thinking: sigma'(z) = sigma (1 - sigma), on the diagonal
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z - z.max())
                y = e / e.sum()
                return np.diag(y * (1 - y))
        '''),
        "jacobian_of_log_softmax": source('''
            import numpy as np

            def softmax_jacobian(z):
                z = np.asarray(z, dtype=np.float64)
                e = np.exp(z - z.max())
                y = e / e.sum()
                return np.eye(len(y)) - y[None, :]
        '''),
        "no_shift_overflows": source('''
            import numpy as np

            def softmax_jacobian(z):
                e = np.exp(np.asarray(z, dtype=np.float64))
                y = e / e.sum()
                return np.diag(y) - np.outer(y, y)
        '''),
        "requires_ndarray": source('''
            import numpy as np

            def softmax_jacobian(z):
                e = np.exp(z - z.max())  # AttributeError on a list
                y = e / e.sum()
                return np.diag(y) - np.outer(y, y)
        '''),
        "modifies_input": source('''
            import numpy as np

            def softmax_jacobian(z):
                z = np.asarray(z, dtype=np.float64)
                z -= z.max()
                y = np.exp(z) / np.exp(z).sum()
                return np.diag(y) - np.outer(y, y)
        '''),
    },
    "softmax_vjp": {
        "forms_full_jacobian": source('''
            import numpy as np

            def softmax_vjp(z, g):
                z = np.asarray(z, dtype=np.float64)
                g = np.asarray(g, dtype=np.float64)
                e = np.exp(z - z.max(axis=-1, keepdims=True))
                y = e / e.sum(axis=-1, keepdims=True)
                jacobian = y[..., :, None] * (np.eye(y.shape[-1]) - y[..., None, :])
                return np.einsum("...ij,...i->...j", jacobian, g)
        '''),
        "missing_y_weighting": _vjp_returning("y * (g - g.sum(axis=-1, keepdims=True))"),
        "sum_without_keepdims": _vjp_returning("y * (g - (g * y).sum(axis=-1))"),
        "sums_over_whole_batch": _vjp_returning("y * (g - np.sum(g * y))"),
        "diagonal_only": _vjp_returning("g * y * (1 - y)"),
        "sign_error": _vjp_returning("y * ((g * y).sum(axis=-1, keepdims=True) - g)"),
        "no_shift_overflows": source('''
            import numpy as np

            def softmax_vjp(z, g):
                g = np.asarray(g, dtype=np.float64)
                e = np.exp(np.asarray(z, dtype=np.float64))
                y = e / e.sum(axis=-1, keepdims=True)
                return y * (g - (g * y).sum(axis=-1, keepdims=True))
        '''),
        "modifies_gradient_in_place": source('''
            import numpy as np

            def softmax_vjp(z, g):
                z = np.asarray(z, dtype=np.float64)
                g = np.asarray(g, dtype=np.float64)  # no copy for a float64 array
                e = np.exp(z - z.max(axis=-1, keepdims=True))
                y = e / e.sum(axis=-1, keepdims=True)
                g -= (g * y).sum(axis=-1, keepdims=True)
                g *= y
                return g
        '''),
    },
    "softmax_jacobian_symbolic": {
        "symbols_one_based": source('''
            import sympy as sp

            def softmax_jacobian_symbolic(n):
                z = sp.symbols(f"z1:{n + 1}")
                total = sum(sp.exp(v) for v in z)
                return sp.Matrix([sp.exp(v) / total for v in z]).jacobian(z)
        '''),
        "symbols_named_x": source('''
            import sympy as sp

            def softmax_jacobian_symbolic(n):
                x = sp.symbols(f"x0:{n}")
                total = sum(sp.exp(v) for v in x)
                return sp.Matrix([sp.exp(v) / total for v in x]).jacobian(x)
        '''),
        "returns_softmax_vector": source('''
            import sympy as sp

            def softmax_jacobian_symbolic(n):
                z = sp.symbols(f"z0:{n}")
                total = sum(sp.exp(v) for v in z)
                return sp.Matrix([sp.exp(v) / total for v in z])
        '''),
        "sign_slip": source('''
            import sympy as sp

            def softmax_jacobian_symbolic(n):
                z = sp.symbols(f"z0:{n}")
                total = sum(sp.exp(v) for v in z)
                y = sp.Matrix([sp.exp(v) / total for v in z])
                return y * y.T - sp.diag(*y)
        '''),
        "diagonal_only": source('''
            import sympy as sp

            def softmax_jacobian_symbolic(n):
                z = sp.symbols(f"z0:{n}")
                total = sum(sp.exp(v) for v in z)
                return sp.diag(*[sp.exp(v) / total * (1 - sp.exp(v) / total) for v in z])
        '''),
        "nested_list_not_matrix": source('''
            import sympy as sp

            def softmax_jacobian_symbolic(n):
                z = sp.symbols(f"z0:{n}")
                total = sum(sp.exp(v) for v in z)
                y = [sp.exp(v) / total for v in z]
                return [[y[i] * ((1 if i == j else 0) - y[j]) for j in range(n)] for i in range(n)]
        '''),
    },
}

# --- what the contract test (tests/test_checks_contract.py) expects of the mistakes, as data ---

#: For each mistake, a few words of the part it must fail (the part's description).
EXPECTED_FAILED_PART = {
    ("softmax", "no_shift_overflows"): "no overflow",
    ("softmax", "sums_over_axis_0"): "values on vectors",
    ("softmax", "sum_without_keepdims"): "values on vectors",
    ("softmax", "ignores_axis"): "the axis argument",
    ("softmax", "modifies_input"): "leaves its input alone",
    ("softmax", "subtracts_mean"): "no overflow",
    ("softmax", "subtracts_min"): "no overflow",
    ("softmax", "global_max"): "no overflow",
    ("softmax", "clips_instead_of_shifting"): "no overflow",
    ("softmax", "returns_list"): "new float64 array",
    ("softmax", "float32"): "new float64 array",
    ("softmax", "int_input_gives_int_output"): "integer lists",
    ("log_softmax", "log_of_softmax_underflows"): "finite where the inputs are",
    ("log_softmax", "log_of_clipped_softmax"): "finite where the inputs are",
    ("log_softmax", "no_shift_overflows"): "finite where the inputs are",
    ("log_softmax", "forgets_to_add_back_max"): "values on vectors",
    ("log_softmax", "sum_without_keepdims"): "values on vectors",
    ("log_softmax", "ignores_axis"): "the axis argument",
    ("log_softmax", "modifies_input"): "leaves its input alone",
    ("softmax_jacobian", "missing_diagonal_term"): "J[i, j]",
    ("softmax_jacobian", "sign_error"): "J[i, j]",
    ("softmax_jacobian", "elementwise_square_not_outer"): "J[i, j]",
    ("softmax_jacobian", "diagonal_only"): "J[i, j]",
    ("softmax_jacobian", "jacobian_of_log_softmax"): "J[i, j]",
    ("softmax_jacobian", "no_shift_overflows"): "large inputs",
    ("softmax_jacobian", "requires_ndarray"): "J[i, j]",
    ("softmax_jacobian", "modifies_input"): "leaves its input alone",
    ("softmax_vjp", "forms_full_jacobian"): "O(n) memory",
    ("softmax_vjp", "missing_y_weighting"): "for one row",
    ("softmax_vjp", "sum_without_keepdims"): "every row of a batch",
    ("softmax_vjp", "sums_over_whole_batch"): "every row of a batch",
    ("softmax_vjp", "diagonal_only"): "for one row",
    ("softmax_vjp", "sign_error"): "for one row",
    ("softmax_vjp", "no_shift_overflows"): "finite for large inputs",
    ("softmax_vjp", "modifies_gradient_in_place"): "inputs untouched",
    ("softmax_jacobian_symbolic", "symbols_one_based"): "for n = 1 and 2",
    ("softmax_jacobian_symbolic", "symbols_named_x"): "for n = 1 and 2",
    ("softmax_jacobian_symbolic", "returns_softmax_vector"): "for n = 1 and 2",
    ("softmax_jacobian_symbolic", "sign_slip"): "for n = 1 and 2",
    ("softmax_jacobian_symbolic", "diagonal_only"): "for n = 1 and 2",
    ("softmax_jacobian_symbolic", "nested_list_not_matrix"): "for n = 1 and 2",
}

#: (name, mistake, words of the failed part, words its message must contain)
ACTIONABLE_MESSAGES = [
    ("softmax", "no_shift_overflows", "no overflow", "not finite at index (0, 0)"),
    ("softmax", "no_shift_overflows", "new float64 array", "RuntimeWarning"),
    ("softmax", "modifies_input", "leaves its input alone", "modified the caller's array in place"),
    ("softmax", "returns_list", "new float64 array", "returned a builtins.list, expected a numpy.ndarray"),
    ("softmax", "float32", "new float64 array", "dtype float32"),
    ("softmax", "ignores_axis", "the axis argument", "is wrong at index"),
    ("log_softmax", "log_of_softmax_underflows", "finite where the inputs are", "not finite at index (1,)"),
    ("softmax_jacobian", "missing_diagonal_term", "J[i, j]", "expected"),
    ("softmax_jacobian", "requires_ndarray", "J[i, j]", "'list' object has no attribute"),
    ("softmax_vjp", "forms_full_jacobian", "O(n) memory", "MemoryError"),
    ("softmax_vjp", "sum_without_keepdims", "every row of a batch", "could not be broadcast"),
    ("softmax_jacobian_symbolic", "symbols_one_based", "for n = 1 and 2", "use sympy.symbols('z0:"),
    ("softmax_jacobian_symbolic", "nested_list_not_matrix", "for n = 1 and 2", "expected a sympy.Matrix"),
    ("softmax_jacobian_symbolic", "returns_softmax_vector", "for n = 3", "shape (3, 1), expected (3, 3)"),
]

#: (name, mistake, words of the AssertionError the released notebook's visible test raises on it)
VISIBLE_TESTS_CATCH = [
    ("softmax", "global_max", "each row needs its own maximum"),
    ("softmax", "modifies_input", "changed its input"),
    ("log_softmax", "modifies_input", "changed its input"),
]
