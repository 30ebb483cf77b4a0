"""Student implementations for ``ex01_vector_activations``,
right and wrong, as source strings (the conventions: :mod:`tests.catalogue`).
"""
from __future__ import annotations

from tests.catalogue import changed, source


CORRECT: dict[str, dict[str, str]] = {
    "jacobian_fd": {
        "basis_rows_of_eye": source('''
            import numpy as np

            def jacobian_fd(f, z, eps=1e-5):
                z = np.asarray(z, dtype=np.float64)
                steps = eps * np.eye(z.size)  # z + steps[j] is a new array every time
                columns = [np.ravel(np.array(f(z + e), dtype=float)) - np.ravel(np.array(f(z - e), dtype=float))
                           for e in steps]
                return np.column_stack(columns) / (2 * eps)
        '''),
        "preallocate_after_probing_m": source('''
            import numpy as np

            def jacobian_fd(f, z, eps=1e-5):
                z = np.array(z, dtype=float)
                m = np.size(f(z.copy()))
                jac = np.empty((m, z.size))
                for j in range(z.size):
                    up = z.copy()
                    up[j] = z[j] + eps
                    f_up = np.atleast_1d(np.array(f(up), dtype=float))
                    down = z.copy()
                    down[j] = z[j] - eps
                    f_down = np.atleast_1d(np.array(f(down), dtype=float))
                    jac[:, j] = (f_up - f_down) / (2 * eps)
                return jac
        '''),
        "rows_then_transpose": source('''
            import numpy as np

            def jacobian_fd(f, z, eps=1e-5):
                x0 = [float(v) for v in z]
                rows = []
                for j in range(len(x0)):
                    plus = np.array(x0)
                    minus = np.array(x0)
                    plus[j] += eps
                    minus[j] -= eps
                    difference = np.subtract(np.copy(f(plus)), np.copy(f(minus)), dtype=float)
                    rows.append(np.reshape(difference, -1) / (2.0 * eps))
                return np.ascontiguousarray(np.array(rows).T)
        '''),
        "one_perturbed_copy_reused_after_copying_outputs": source('''
            import numpy as np

            def jacobian_fd(f, z, eps=1e-5):
                z = np.asarray(z, dtype=float)
                work = z.copy()  # a private copy may change while f runs; the caller's z may not
                columns = []
                for j in range(z.size):
                    work[j] = z[j] + eps
                    forward = np.array(f(work), dtype=float, copy=True).reshape(-1)
                    work[j] = z[j] - eps
                    backward = np.array(f(work), dtype=float, copy=True).reshape(-1)
                    work[j] = z[j]
                    columns.append((forward - backward) / (2 * eps))
                return np.array(columns).T.copy()
        '''),
    },
    "l2_normalize": {
        "hypot_reduce": source('''
            import numpy as np

            def l2_normalize(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                norm = np.hypot.reduce(z, axis=axis, keepdims=True)  # hypot scales: no overflow
                zero = np.argwhere(np.squeeze(norm, axis=axis) == 0)
                if zero.size or (z.ndim == 1 and norm.item() == 0):
                    index = tuple(zero[0]) if zero.size else ()
                    raise ValueError(f"zero vector at index {index}: it has no direction")
                return z / norm
        '''),
        "rows_with_math_hypot": source('''
            import math
            import numpy as np

            def l2_normalize(z, axis=-1):
                moved = np.moveaxis(np.array(z, dtype=float), axis, -1)
                out = np.empty_like(moved)
                for index in np.ndindex(moved.shape[:-1]):
                    length = math.hypot(*moved[index])
                    if length == 0:
                        raise ValueError(f"row {index if len(index) != 1 else index[0]} is all zeros")
                    out[index] = moved[index] / length
                return np.moveaxis(out, -1, axis)
        '''),
        "power_of_two_scaling": source('''
            import numpy as np

            def l2_normalize(z, axis=-1):
                z = np.asarray(z, dtype=np.float64)
                biggest = np.max(np.abs(z), axis=axis, keepdims=True)
                if np.any(biggest == 0):
                    flat = int(np.flatnonzero(biggest == 0)[0])
                    where = np.unravel_index(flat, np.squeeze(biggest, axis=axis).shape)
                    raise ValueError(f"cannot normalise: the vector at {tuple(int(i) for i in where)} is zero")
                _, exponent = np.frexp(biggest)
                scaled = np.ldexp(z, -exponent)  # exact: a power of two
                return scaled / np.sqrt(np.sum(np.square(scaled), axis=axis, keepdims=True))
        '''),
        "divide_by_max_then_norm": source('''
            import numpy as np

            def l2_normalize(z, axis=-1):
                z = np.array(z, dtype=float)
                m = np.abs(z).max(axis=axis, keepdims=True)
                zero_rows = np.argwhere(np.atleast_1d(np.squeeze(m, axis=axis)) == 0)
                if len(zero_rows):
                    raise ValueError("zero row: " + ", ".join(str(int(i)) for i in zero_rows[0]))
                z /= m  # z is a fresh copy here
                return z / np.linalg.norm(z, axis=axis, keepdims=True)
        '''),
    },
    "l2_normalize_jacobian": {
        "scaled_projection": source('''
            import numpy as np

            def l2_normalize_jacobian(z):
                z = np.array(z, dtype=float)
                r = np.linalg.norm(z)
                y = z / r
                return (np.identity(len(z)) - y[:, None] * y[None, :]) / r
        '''),
        "rows_are_vjps_of_basis_vectors": source('''
            import numpy as np

            def l2_normalize_jacobian(z):
                z = np.asarray(z, dtype=np.float64)
                r = np.sqrt(np.dot(z, z))
                y = z / r
                basis = np.eye(z.size)
                return (basis - np.outer(basis @ y, y)) / r
        '''),
        "einsum_delta_minus_outer": source('''
            import numpy as np

            def l2_normalize_jacobian(z):
                z = np.asarray(z, dtype=float)
                y = z / np.linalg.norm(z)
                r = z @ y  # the norm again, as <z, y>
                return np.einsum("ij->ij", np.eye(z.size)) / r - np.einsum("i,j->ij", y, y) / r
        '''),
    },
    "l2_normalize_vjp": {
        "symmetric_jacobian_times_g": source('''
            import numpy as np

            def l2_normalize_vjp(z, g):
                z = np.asarray(z, dtype=float)
                g = np.asarray(g, dtype=float)
                r = np.linalg.norm(z, axis=-1, keepdims=True)
                y = z / r
                return g / r - y * (np.einsum("...i,...i->...", g, y)[..., None] / r)
        '''),
        "project_out_z": source('''
            import numpy as np

            def l2_normalize_vjp(z, g):
                z = np.asarray(z, dtype=np.float64)
                g = np.asarray(g, dtype=np.float64)
                r2 = np.sum(z * z, axis=-1, keepdims=True)
                along = np.sum(z * g, axis=-1, keepdims=True) / r2
                return (g - along * z) / np.sqrt(r2)
        '''),
        "loop_over_rows": source('''
            import numpy as np

            def l2_normalize_vjp(z, g):
                z = np.asarray(z, dtype=float)
                g = np.asarray(g, dtype=float)
                out = np.empty(np.broadcast_shapes(z.shape, g.shape))
                for index in np.ndindex(z.shape[:-1]):
                    row, grad = z[index], g[index]
                    r = np.linalg.norm(row)
                    y = row / r
                    out[index] = (grad - (grad @ y) * y) / r
                return out
        '''),
    },
    "l2_normalize_jacobian_symbolic": {
        "closed_form": source('''
            import sympy as sp

            def l2_normalize_jacobian_symbolic(n):
                z = sp.Matrix(sp.symbols(f"z0:{n}", real=True))
                r = sp.sqrt((z.T * z)[0, 0])
                y = z / r
                return (sp.eye(n) - y * y.T) / r
        '''),
        "matrix_norm_of_real_symbols": source('''
            import sympy as sp

            def l2_normalize_jacobian_symbolic(n):
                z = sp.Matrix(sp.symbols(f"z0:{n}", real=True))
                return (z / z.norm()).jacobian(z)
        '''),
        "entry_by_entry_diff": source('''
            import sympy as sp

            def l2_normalize_jacobian_symbolic(n):
                zs = sp.symbols(f"z0:{n}")
                norm = sp.sqrt(sum(v**2 for v in zs))
                return sp.Matrix(n, n, lambda i, j: sp.diff(zs[i] / norm, zs[j]))
        '''),
    },
}

MISTAKES: dict[str, dict[str, str]] = {
    "jacobian_fd": {
        "forward_differences": source('''
            import numpy as np

            def jacobian_fd(f, z, eps=1e-5):
                z = np.asarray(z, dtype=float)
                base = np.array(f(z.copy()), dtype=float).reshape(-1)
                columns = []
                for j in range(z.size):
                    step = np.zeros(z.size)
                    step[j] = eps
                    columns.append((np.array(f(z + step), dtype=float).reshape(-1) - base) / eps)
                return np.column_stack(columns)
        '''),
        "perturbs_z_in_place_and_restores": source('''
            import numpy as np

            def jacobian_fd(f, z, eps=1e-5):
                z = np.asarray(z, dtype=float)  # the caller's array itself when z is float64
                columns = []
                for j in range(z.size):
                    z[j] += eps
                    plus = np.array(f(z), dtype=float).reshape(-1)
                    z[j] -= 2 * eps
                    minus = np.array(f(z), dtype=float).reshape(-1)
                    z[j] += eps
                    columns.append((plus - minus) / (2 * eps))
                return np.column_stack(columns)
        '''),
        "keeps_a_view_that_changes": source('''
            import numpy as np

            def jacobian_fd(f, z, eps=1e-5):
                x = np.array(z, dtype=float)
                columns = []
                for j in range(x.size):
                    x[j] += eps
                    plus = np.asarray(f(x), dtype=float)   # no copy: a view of x follows x
                    x[j] -= 2 * eps
                    minus = np.asarray(f(x), dtype=float)
                    x[j] += eps
                    columns.append(np.reshape(plus - minus, -1) / (2 * eps))
                return np.column_stack(columns)
        '''),
        "transposed": source('''
            import numpy as np

            def jacobian_fd(f, z, eps=1e-5):
                z = np.asarray(z, dtype=float)
                rows = []
                for e in eps * np.eye(z.size):
                    rows.append((np.ravel(np.array(f(z + e), dtype=float)) - np.ravel(np.array(f(z - e), dtype=float))) / (2 * eps))
                return np.array(rows)  # n-by-m: row j holds the derivatives along z_j
        '''),
        "integer_z_not_converted": source('''
            import numpy as np

            def jacobian_fd(f, z, eps=1e-5):
                z = np.array(z)  # a list of ints stays an int array: z[j] + eps is truncated
                columns = []
                for j in range(z.size):
                    plus, minus = z.copy(), z.copy()
                    plus[j] += eps
                    minus[j] -= eps
                    columns.append((np.ravel(np.array(f(plus), dtype=float)) - np.ravel(np.array(f(minus), dtype=float))) / (2 * eps))
                return np.column_stack(columns)
        '''),
        "assumes_f_returns_a_sized_array": source('''
            import numpy as np

            def jacobian_fd(f, z, eps=1e-5):
                z = np.asarray(z, dtype=float)
                m = len(f(z.copy()))  # a single number has no len()
                jac = np.zeros((m, z.size))
                for j in range(z.size):
                    step = np.zeros(z.size)
                    step[j] = eps
                    jac[:, j] = (np.array(f(z + step), dtype=float) - np.array(f(z - step), dtype=float)) / (2 * eps)
                return jac
        '''),
        "square_jacobian_assumed": source('''
            import numpy as np

            def jacobian_fd(f, z, eps=1e-5):
                z = np.asarray(z, dtype=float)
                jac = np.zeros((z.size, z.size))  # m = n is not given
                for j in range(z.size):
                    step = np.zeros(z.size)
                    step[j] = eps
                    jac[:, j] = (np.ravel(np.array(f(z + step), dtype=float)) - np.ravel(np.array(f(z - step), dtype=float))) / (2 * eps)
                return jac
        '''),
        "ignores_eps": source('''
            import numpy as np

            def jacobian_fd(f, z, eps=1e-5):
                h = 1e-6  # the step "that works", whatever the caller asked for
                z = np.asarray(z, dtype=float)
                columns = []
                for e in h * np.eye(z.size):
                    columns.append((np.ravel(np.array(f(z + e), dtype=float)) - np.ravel(np.array(f(z - e), dtype=float))) / (2 * h))
                return np.column_stack(columns)
        '''),
        "divides_by_eps_not_two_eps": source('''
            import numpy as np

            def jacobian_fd(f, z, eps=1e-5):
                z = np.asarray(z, dtype=float)
                columns = []
                for e in eps * np.eye(z.size):
                    columns.append((np.ravel(np.array(f(z + e), dtype=float)) - np.ravel(np.array(f(z - e), dtype=float))) / eps)
                return np.column_stack(columns)
        '''),
    },
    "l2_normalize": {
        "naive_norm_overflows": source('''
            import numpy as np

            def l2_normalize(z, axis=-1):
                z = np.asarray(z, dtype=float)
                norm = np.sqrt(np.sum(z ** 2, axis=axis, keepdims=True))
                if np.any(norm == 0):
                    raise ValueError(f"zero row {tuple(np.argwhere(np.squeeze(norm, axis=axis) == 0)[0])}")
                return z / norm
        '''),
        "linalg_norm_overflows": source('''
            import numpy as np

            def l2_normalize(z, axis=-1):
                z = np.asarray(z, dtype=float)
                norm = np.linalg.norm(z, axis=axis, keepdims=True)
                zero = np.argwhere(np.squeeze(norm, axis=axis) == 0)
                if len(zero) or (z.ndim == 1 and norm.item() == 0):
                    raise ValueError(f"zero vector at {tuple(int(i) for i in zero[0]) if len(zero) else ()}")
                return z / norm
        '''),
        "no_zero_check": source('''
            import numpy as np

            def l2_normalize(z, axis=-1):
                z = np.asarray(z, dtype=float)
                scale = np.max(np.abs(z), axis=axis, keepdims=True)
                scaled = z / scale
                return scaled / np.sqrt(np.sum(scaled**2, axis=axis, keepdims=True))
        '''),
        "error_without_index": source('''
            import numpy as np

            def l2_normalize(z, axis=-1):
                z = np.asarray(z, dtype=float)
                scale = np.max(np.abs(z), axis=axis, keepdims=True)
                if np.any(scale == 0):
                    raise ValueError("cannot normalise a zero vector")
                scaled = z / scale
                return scaled / np.sqrt(np.sum(scaled**2, axis=axis, keepdims=True))
        '''),
        "assertion_instead_of_value_error": source('''
            import numpy as np

            def l2_normalize(z, axis=-1):
                z = np.asarray(z, dtype=float)
                scale = np.max(np.abs(z), axis=axis, keepdims=True)
                assert np.all(scale > 0), f"zero vector at {np.argwhere(np.squeeze(scale, axis=axis) == 0)[0]}"
                scaled = z / scale
                return scaled / np.sqrt(np.sum(scaled**2, axis=axis, keepdims=True))
        '''),
        "ignores_axis": source('''
            import numpy as np

            def l2_normalize(z, axis=-1):
                z = np.asarray(z, dtype=float)
                scale = np.max(np.abs(z), axis=-1, keepdims=True)
                if np.any(scale == 0):
                    raise ValueError(f"row {tuple(np.argwhere(scale[..., 0] == 0)[0])} is zero")
                scaled = z / scale
                return scaled / np.sqrt(np.sum(scaled**2, axis=-1, keepdims=True))
        '''),
        "max_norm_not_l2": source('''
            import numpy as np

            def l2_normalize(z, axis=-1):
                z = np.asarray(z, dtype=float)
                scale = np.max(np.abs(z), axis=axis, keepdims=True)
                if np.any(scale == 0):
                    raise ValueError(f"row {tuple(np.argwhere(np.squeeze(scale, axis=axis) == 0)[0])} is zero")
                return z / scale
        '''),
        "sum_without_keepdims": source('''
            import numpy as np

            def l2_normalize(z, axis=-1):
                z = np.asarray(z, dtype=float)
                scale = np.max(np.abs(z), axis=axis)
                if np.any(scale == 0):
                    raise ValueError(f"row {tuple(np.argwhere(scale == 0)[0])} is zero")
                scaled = z / scale
                return scaled / np.sqrt(np.sum(scaled**2, axis=axis))
        '''),
        "modifies_input": source('''
            import numpy as np

            def l2_normalize(z, axis=-1):
                z = np.asarray(z, dtype=float)
                scale = np.max(np.abs(z), axis=axis, keepdims=True)
                if np.any(scale == 0):
                    raise ValueError(f"row {tuple(np.argwhere(np.squeeze(scale, axis=axis) == 0)[0])} is zero")
                z /= scale  # changes the caller's float64 array
                z /= np.sqrt(np.sum(z**2, axis=axis, keepdims=True))
                return z
        '''),
        "float32": source('''
            import numpy as np

            def l2_normalize(z, axis=-1):
                z = np.asarray(z, dtype=np.float32)
                scale = np.max(np.abs(z), axis=axis, keepdims=True)
                if np.any(scale == 0):
                    raise ValueError(f"row {tuple(np.argwhere(np.squeeze(scale, axis=axis) == 0)[0])} is zero")
                scaled = z / scale
                return scaled / np.sqrt(np.sum(scaled**2, axis=axis, keepdims=True))
        '''),
    },
    "l2_normalize_jacobian": {
        "forgets_one_over_norm": source('''
            import numpy as np

            def l2_normalize_jacobian(z):
                z = np.asarray(z, dtype=float)
                y = z / np.linalg.norm(z)
                return np.eye(z.size) - np.outer(y, y)
        '''),
        "sign_error": source('''
            import numpy as np

            def l2_normalize_jacobian(z):
                z = np.asarray(z, dtype=float)
                r = np.linalg.norm(z)
                y = z / r
                return (np.eye(z.size) + np.outer(y, y)) / r
        '''),
        "divides_by_norm_squared": source('''
            import numpy as np

            def l2_normalize_jacobian(z):
                z = np.asarray(z, dtype=float)
                r = np.linalg.norm(z)
                y = z / r
                return (np.eye(z.size) - np.outer(y, y)) / r**2
        '''),
        "outer_of_z_not_y": source('''
            import numpy as np

            def l2_normalize_jacobian(z):
                z = np.asarray(z, dtype=float)
                r = np.linalg.norm(z)
                return (np.eye(z.size) - np.outer(z, z)) / r
        '''),
        "forgets_identity": source('''
            import numpy as np

            def l2_normalize_jacobian(z):
                z = np.asarray(z, dtype=float)
                r = np.linalg.norm(z)
                y = z / r
                return -np.outer(y, y) / r
        '''),
        "elementwise_square_not_outer": source('''
            import numpy as np

            def l2_normalize_jacobian(z):
                z = np.asarray(z, dtype=float)
                r = np.linalg.norm(z)
                y = z / r
                return np.diag(1 - y * y) / r
        '''),
        "requires_ndarray": source('''
            import numpy as np

            def l2_normalize_jacobian(z):
                r = np.sqrt(z @ z)  # a list has no @
                y = z / r
                return (np.eye(z.size) - np.outer(y, y)) / r
        '''),
    },
    "l2_normalize_vjp": {
        "forms_full_jacobian": source('''
            import numpy as np

            def l2_normalize_vjp(z, g):
                z = np.asarray(z, dtype=float)
                g = np.asarray(g, dtype=float)
                r = np.linalg.norm(z, axis=-1, keepdims=True)
                y = z / r
                n = z.shape[-1]
                J = (np.eye(n) - y[..., :, None] * y[..., None, :]) / r[..., None]
                return np.einsum("...ij,...i->...j", J, g)
        '''),
        "forgets_one_over_norm": source('''
            import numpy as np

            def l2_normalize_vjp(z, g):
                z = np.asarray(z, dtype=float)
                g = np.asarray(g, dtype=float)
                y = z / np.linalg.norm(z, axis=-1, keepdims=True)
                return g - y * np.sum(g * y, axis=-1, keepdims=True)
        '''),
        "sum_without_keepdims": source('''
            import numpy as np

            def l2_normalize_vjp(z, g):
                z = np.asarray(z, dtype=float)
                g = np.asarray(g, dtype=float)
                r = np.linalg.norm(z, axis=-1)
                y = z / r
                return (g - y * np.sum(g * y, axis=-1)) / r
        '''),
        "sums_over_whole_batch": changed(CORRECT["l2_normalize_vjp"]["symmetric_jacobian_times_g"],
                                         ('return g / r - y * (np.einsum("...i,...i->...", g, y)[..., None] / r)',
                                          "return (g - y * np.sum(g * y)) / r")),
        "one_norm_for_the_whole_batch": source('''
            import numpy as np

            def l2_normalize_vjp(z, g):
                z = np.asarray(z, dtype=float)
                g = np.asarray(g, dtype=float)
                r = np.linalg.norm(z)
                y = z / r
                return (g - y * np.sum(g * y, axis=-1, keepdims=True)) / r
        '''),
        "sign_error": changed(CORRECT["l2_normalize_vjp"]["symmetric_jacobian_times_g"],
                              ('return g / r - y * (np.einsum("...i,...i->...", g, y)[..., None] / r)',
                               "return (g + y * np.sum(g * y, axis=-1, keepdims=True)) / r")),
        "modifies_gradient_in_place": source('''
            import numpy as np

            def l2_normalize_vjp(z, g):
                z = np.asarray(z, dtype=float)
                g = np.asarray(g, dtype=float)
                r = np.linalg.norm(z, axis=-1, keepdims=True)
                y = z / r
                g -= y * np.sum(g * y, axis=-1, keepdims=True)
                g /= r
                return g
        '''),
    },
    "l2_normalize_jacobian_symbolic": {
        "symbols_one_based": source('''
            import sympy as sp

            def l2_normalize_jacobian_symbolic(n):
                z = sp.Matrix(sp.symbols(f"z1:{n + 1}"))
                return (z / z.norm()).jacobian(z)
        '''),
        "returns_normalized_vector": source('''
            import sympy as sp

            def l2_normalize_jacobian_symbolic(n):
                z = sp.Matrix(sp.symbols(f"z0:{n}"))
                return z / sp.sqrt(sum(v**2 for v in z))
        '''),
        "divides_by_squared_norm": source('''
            import sympy as sp

            def l2_normalize_jacobian_symbolic(n):
                z = sp.Matrix(sp.symbols(f"z0:{n}"))
                return (z / sum(v**2 for v in z)).jacobian(z)
        '''),
        "forgets_identity": source('''
            import sympy as sp

            def l2_normalize_jacobian_symbolic(n):
                z = sp.Matrix(sp.symbols(f"z0:{n}"))
                r = sp.sqrt(sum(v**2 for v in z))
                return -(z / r) * (z / r).T / r
        '''),
        "l1_norm": source('''
            import sympy as sp

            def l2_normalize_jacobian_symbolic(n):
                z = sp.Matrix(sp.symbols(f"z0:{n}", positive=True))
                return (z / sum(z)).jacobian(z)
        '''),
        "matrix_norm_of_complex_symbols": source('''
            import sympy as sp

            def l2_normalize_jacobian_symbolic(n):
                # without real=True, norm() is sqrt(Abs(z0)**2 + ...), and SymPy differentiates
                # Abs as a function of a complex variable: the values at real points are wrong
                z = sp.Matrix(sp.symbols(f"z0:{n}"))
                return (z / z.norm()).jacobian(z)
        '''),
        "nested_list_not_matrix": source('''
            import sympy as sp

            def l2_normalize_jacobian_symbolic(n):
                z = sp.Matrix(sp.symbols(f"z0:{n}"))
                return (z / z.norm()).jacobian(z).tolist()
        '''),
    },
}

# --- what the contract test (tests/test_checks_contract.py) expects of the mistakes, as data ---

#: For each mistake, a few words of the part it must fail (the part's description).
EXPECTED_FAILED_PART = {
    ("jacobian_fd", "forward_differences"): "within 1e-7 of the exact Jacobian",
    ("jacobian_fd", "perturbs_z_in_place_and_restores"): "not even while f runs",
    ("jacobian_fd", "keeps_a_view_that_changes"): "a view of its own argument",
    ("jacobian_fd", "transposed"): "R^3 -> R^2",
    ("jacobian_fd", "integer_z_not_converted"): "a list of integers",
    ("jacobian_fd", "assumes_f_returns_a_sized_array"): "a single number",
    ("jacobian_fd", "square_jacobian_assumed"): "R^3 -> R^2",
    ("jacobian_fd", "ignores_eps"): "at the step it is given",
    ("jacobian_fd", "divides_by_eps_not_two_eps"): "within 1e-7 of the exact Jacobian",
    ("l2_normalize", "naive_norm_overflows"): "no overflow or underflow",
    ("l2_normalize", "linalg_norm_overflows"): "no overflow or underflow",
    ("l2_normalize", "no_zero_check"): "raises ValueError naming its index",
    ("l2_normalize", "error_without_index"): "raises ValueError naming its index",
    ("l2_normalize", "assertion_instead_of_value_error"): "raises ValueError naming its index",
    ("l2_normalize", "ignores_axis"): "the axis argument",
    ("l2_normalize", "max_norm_not_l2"): "values on vectors",
    ("l2_normalize", "sum_without_keepdims"): "values on vectors",
    ("l2_normalize", "modifies_input"): "leaves its input alone",
    ("l2_normalize", "float32"): "values on vectors",
    ("l2_normalize_jacobian", "forgets_one_over_norm"): "J[i, j]",
    ("l2_normalize_jacobian", "sign_error"): "J[i, j]",
    ("l2_normalize_jacobian", "divides_by_norm_squared"): "J[i, j]",
    ("l2_normalize_jacobian", "outer_of_z_not_y"): "J[i, j]",
    ("l2_normalize_jacobian", "forgets_identity"): "J[i, j]",
    ("l2_normalize_jacobian", "elementwise_square_not_outer"): "J[i, j]",
    ("l2_normalize_jacobian", "requires_ndarray"): "J[i, j]",
    ("l2_normalize_vjp", "forms_full_jacobian"): "O(n) memory",
    ("l2_normalize_vjp", "forgets_one_over_norm"): "for one row",
    ("l2_normalize_vjp", "sum_without_keepdims"): "every row of a batch",
    ("l2_normalize_vjp", "sums_over_whole_batch"): "every row of a batch",
    ("l2_normalize_vjp", "one_norm_for_the_whole_batch"): "every row of a batch",
    ("l2_normalize_vjp", "sign_error"): "for one row",
    ("l2_normalize_vjp", "modifies_gradient_in_place"): "inputs untouched",
    ("l2_normalize_jacobian_symbolic", "symbols_one_based"): "for n = 1 and 2",
    ("l2_normalize_jacobian_symbolic", "returns_normalized_vector"): "for n = 3",
    ("l2_normalize_jacobian_symbolic", "divides_by_squared_norm"): "for n = 1 and 2",
    ("l2_normalize_jacobian_symbolic", "forgets_identity"): "for n = 1 and 2",
    ("l2_normalize_jacobian_symbolic", "l1_norm"): "for n = 1 and 2",
    ("l2_normalize_jacobian_symbolic", "matrix_norm_of_complex_symbols"): "for n = 1 and 2",
    ("l2_normalize_jacobian_symbolic", "nested_list_not_matrix"): "for n = 1 and 2",
}

#: (name, mistake, words of the failed part, words its message must contain)
ACTIONABLE_MESSAGES = [
    ("jacobian_fd", "perturbs_z_in_place_and_restores", "not even while f runs", "z was modified while f was running"),
    ("jacobian_fd", "integer_z_not_converted", "a list of integers", "for z = [1, 2, 0] (a list of integers)"),
    ("jacobian_fd", "transposed", "R^3 -> R^2", "has shape (3, 2), expected (2, 3)"),
    ("jacobian_fd", "keeps_a_view_that_changes", "a view of its own argument", "for f(x) = x[::-1], the Jacobian"),
    ("jacobian_fd", "assumes_f_returns_a_sized_array", "a single number", "has no len()"),
    ("jacobian_fd", "ignores_eps", "at the step it is given", "with eps=1e-2 the result"),
    ("l2_normalize", "no_zero_check", "naming its index", "did not raise (it must raise ValueError)"),
    ("l2_normalize", "error_without_index", "naming its index", "does not name its index"),
    ("l2_normalize", "assertion_instead_of_value_error", "naming its index", "raised AssertionError"),
    ("l2_normalize", "modifies_input", "leaves its input alone", "modified the caller's array in place"),
    ("l2_normalize_vjp", "forms_full_jacobian", "O(n) memory", "MemoryError"),
    ("l2_normalize_vjp", "sum_without_keepdims", "every row of a batch", "could not be broadcast"),
    ("l2_normalize_jacobian_symbolic", "symbols_one_based", "for n = 1 and 2", "use sympy.symbols('z0:"),
    ("l2_normalize_jacobian_symbolic", "nested_list_not_matrix", "for n = 1 and 2", "expected a sympy.Matrix"),
    ("l2_normalize_jacobian_symbolic", "returns_normalized_vector", "for n = 3", "shape (3, 1), expected (3, 3)"),
]

#: Mistakes that must fail only the parts about them: every failed part names one of the words.
FAILS_ONLY = {
    ("jacobian_fd", "perturbs_z_in_place_and_restores"): ("not even while f runs",),
    ("jacobian_fd", "keeps_a_view_that_changes"): ("a view of its own argument",),
    ("jacobian_fd", "integer_z_not_converted"): ("a list of integers",),
    ("jacobian_fd", "assumes_f_returns_a_sized_array"): ("a single number",),
    ("jacobian_fd", "ignores_eps"): ("at the step it is given",),
    ("l2_normalize", "no_zero_check"): ("raises ValueError naming its index",),
    ("l2_normalize", "error_without_index"): ("raises ValueError naming its index",),
    ("l2_normalize", "assertion_instead_of_value_error"): ("raises ValueError naming its index",),
    ("l2_normalize", "modifies_input"): ("leaves its input alone",),
    ("l2_normalize_vjp", "forms_full_jacobian"): ("O(n) memory",),
    ("l2_normalize_vjp", "modifies_gradient_in_place"): ("inputs untouched",),
}
