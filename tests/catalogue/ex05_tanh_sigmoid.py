"""Student implementations for ``ex05_tanh_sigmoid``,
right and wrong, as source strings (the conventions: :mod:`tests.catalogue`).

The correct conversions include networks whose parameters differ from the reference's
but that compute the same function.
"""
from __future__ import annotations

from tests.catalogue import changed, source


CORRECT: dict[str, dict[str, str]] = {
    "sigmoid": {
        "scipy_expit": source('''
            import numpy as np
            from scipy.special import expit

            def sigmoid(x):
                return expit(np.asarray(x, dtype=np.float64))
        '''),
        "via_logaddexp": source('''
            import numpy as np

            def sigmoid(x):
                # log sigma(x) = -log(1 + exp(-x)) = -logaddexp(0, -x)
                return np.exp(-np.logaddexp(0.0, -np.asarray(x, dtype=np.float64)))
        '''),
        "boolean_masks": source('''
            import numpy as np

            def sigmoid(x):
                x = np.asarray(x, dtype=np.float64)
                out = np.empty_like(x)
                pos = x >= 0
                out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
                e = np.exp(x[~pos])
                out[~pos] = e / (1.0 + e)
                return out
        '''),
        "one_division": source('''
            import numpy as np

            def sigmoid(x):
                x = np.asarray(x, dtype=np.float64)
                e = np.exp(-np.abs(x))
                return np.where(x >= 0, 1.0, e) / (1.0 + e)
        '''),
    },
    "mlp_forward": {
        "hidden_layers_then_last": source('''
            import numpy as np

            def mlp_forward(As, bs, x, activation):
                if activation not in ("sigmoid", "tanh"):
                    raise ValueError(f"unknown activation {activation!r}")

                def phi(z):
                    if activation == "tanh":
                        return np.tanh(z)
                    e = np.exp(-np.abs(z))
                    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))

                y = np.asarray(x, dtype=np.float64)
                for A, b in zip(As[:-1], bs[:-1]):
                    y = phi(y @ np.transpose(A) + b)
                return y @ np.transpose(As[-1]) + bs[-1]
        '''),
        "column_vectors": source('''
            import numpy as np
            from scipy.special import expit

            def mlp_forward(As, bs, x, activation):
                functions = {"sigmoid": expit, "tanh": np.tanh}
                if not isinstance(activation, str) or activation not in functions:
                    raise ValueError(f"activation must be 'sigmoid' or 'tanh', got {activation!r}")
                y = np.asarray(x, dtype=np.float64).T          # one input per column
                for i, (A, b) in enumerate(zip(As, bs)):
                    y = np.asarray(A) @ y + np.asarray(b, dtype=np.float64)[:, None]
                    if i < len(As) - 1:
                        y = functions[activation](y)
                return np.ascontiguousarray(y.T)
        '''),
        "einsum_and_tanh_identity": source('''
            import numpy as np

            def mlp_forward(As, bs, x, activation):
                if activation == "sigmoid":
                    phi = lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))   # exact in value, no overflow
                elif activation == "tanh":
                    phi = np.tanh
                else:
                    raise ValueError(activation)
                y = np.array(x, dtype=np.float64)
                L = len(As)
                for i in range(L):
                    y = np.einsum("ij,nj->ni", np.asarray(As[i], dtype=np.float64), y) + bs[i]
                    if i != L - 1:
                        y = phi(y)
                return y
        '''),
        "row_by_row": source('''
            import numpy as np

            def mlp_forward(As, bs, x, activation):
                if activation != "sigmoid" and activation != "tanh":
                    raise ValueError("activation must be 'sigmoid' or 'tanh'")
                rows = []
                for row in np.asarray(x, dtype=np.float64):
                    y = row
                    for k, (A, b) in enumerate(zip(As, bs)):
                        y = np.asarray(A, dtype=np.float64) @ y + b
                        if k < len(As) - 1:
                            if activation == "tanh":
                                y = np.tanh(y)
                            else:
                                e = np.exp(-np.abs(y))
                                y = np.where(y >= 0, 1, e) / (1 + e)
                    rows.append(y)
                return np.array(rows, dtype=np.float64)
        '''),
    },
    "sigmoid_net_to_tanh_net": {
        "ones_vector_and_factors": source('''
            import numpy as np

            def sigmoid_net_to_tanh_net(As, bs):
                L = len(As)
                Cs, ds = [], []
                for i, (A, b) in enumerate(zip(As, bs)):
                    A = np.asarray(A, dtype=np.float64)
                    b = np.asarray(b, dtype=np.float64)
                    ones = np.ones(A.shape[1])
                    if L == 1:
                        Cs.append(A.copy()); ds.append(b.copy())
                    elif i == 0:
                        Cs.append(0.5 * A); ds.append(0.5 * b)
                    elif i < L - 1:
                        Cs.append(0.25 * A); ds.append(0.5 * b + 0.25 * (A @ ones))
                    else:
                        Cs.append(0.5 * A); ds.append(b + 0.5 * (A @ ones))
                return Cs, ds
        '''),
        "flipped_hidden_units": source('''
            import numpy as np

            def sigmoid_net_to_tanh_net(As, bs):
                # tanh is odd: negating a hidden unit's incoming weights and bias, and its
                # outgoing weights, gives the same function with different parameters
                As = [np.array(A, dtype=np.float64) for A in As]
                bs = [np.array(b, dtype=np.float64) for b in bs]
                L = len(As)
                if L == 1:
                    return As, bs
                Cs = [As[0] / 2] + [A / 4 for A in As[1:-1]] + [As[-1] / 2]
                ds = [bs[0] / 2] + [b / 2 + A.sum(axis=1) / 4 for A, b in zip(As[1:-1], bs[1:-1])]
                ds.append(bs[-1] + As[-1].sum(axis=1) / 2)
                for i in range(L - 1):
                    Cs[i][0] *= -1
                    ds[i][0] *= -1
                    Cs[i + 1][:, 0] *= -1
                return Cs, ds
        '''),
        "permuted_hidden_units": source('''
            import numpy as np

            def sigmoid_net_to_tanh_net(As, bs):
                # Reverse the order of the units of every hidden layer: the same function.
                L = len(As)
                As = [np.asarray(A, dtype=np.float64) for A in As]
                bs = [np.asarray(b, dtype=np.float64) for b in bs]
                if L == 1:
                    return [As[0] + 0.0], [bs[0] + 0.0]
                Cs, ds = [], []
                for i in range(L):
                    A, b = As[i], bs[i]
                    scale = 0.5 if i in (0, L - 1) else 0.25
                    C = scale * A
                    d = 0.5 * b if i == 0 else (b / 2 + np.einsum("jk->j", A) / 4 if i < L - 1 else b + np.einsum("jk->j", A) / 2)
                    if i > 0:
                        C = C[:, ::-1]
                    if i < L - 1:
                        C, d = C[::-1], d[::-1]
                    Cs.append(np.ascontiguousarray(C))
                    ds.append(np.ascontiguousarray(d))
                return Cs, ds
        '''),
        "tuples_from_a_helper": source('''
            import numpy as np

            def sigmoid_net_to_tanh_net(As, bs):
                def layer(A, b, first, last):
                    A, b = np.asarray(A, dtype=np.float64), np.asarray(b, dtype=np.float64)
                    # input rescaling (y = (y' + 1) / 2) unless first, output rescaling unless last
                    a_in = 1.0 if first else 0.5
                    a_out = 1.0 if last else 0.5
                    shift = 0.0 if first else 0.5 * A.sum(axis=1)
                    return a_out * a_in * A, a_out * (b + shift)

                L = len(As)
                pairs = [layer(As[i], bs[i], i == 0, i == L - 1) for i in range(L)]
                return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)
        '''),
    },
    "tanh_net_to_sigmoid_net": {
        "ones_vector": source('''
            import numpy as np

            def tanh_net_to_sigmoid_net(Cs, ds):
                L = len(Cs)
                As, bs = [], []
                for i in range(L):
                    C = np.asarray(Cs[i], dtype=np.float64)
                    d = np.asarray(ds[i], dtype=np.float64)
                    row_sums = C @ np.ones(C.shape[1])
                    if L == 1:
                        As.append(C.copy()); bs.append(d.copy())
                    elif i == 0:
                        As.append(2 * C); bs.append(2 * d)
                    elif i < L - 1:
                        As.append(4 * C); bs.append(2 * d - 2 * row_sums)
                    else:
                        As.append(2 * C); bs.append(d - row_sums)
                return As, bs
        '''),
        "input_and_output_scaling": source('''
            import numpy as np

            def tanh_net_to_sigmoid_net(Cs, ds):
                # a tanh layer sees y' = 2y - 1 and must produce 2 sigma(2 z) - 1
                L = len(Cs)
                As, bs = [], []
                for i, (C, d) in enumerate(zip(Cs, ds)):
                    C, d = np.array(C, dtype=np.float64), np.array(d, dtype=np.float64)
                    if i > 0:                       # substitute y' = 2y - 1
                        d = d - C.sum(axis=1)
                        C = 2 * C
                    if i < L - 1:                   # tanh(u) = 2 sigma(2u) - 1
                        C, d = 2 * C, 2 * d
                    As.append(C)
                    bs.append(d)
                return As, bs
        '''),
        "flipped_hidden_units": source('''
            import numpy as np

            def tanh_net_to_sigmoid_net(Cs, ds):
                Cs = [np.array(C, dtype=np.float64) for C in Cs]
                ds = [np.array(d, dtype=np.float64) for d in ds]
                L = len(Cs)
                if L == 1:
                    return Cs, ds
                # flip the sign of unit 0 of every tanh layer first (tanh is odd): same function
                for i in range(L - 1):
                    Cs[i][0] *= -1
                    ds[i][0] *= -1
                    Cs[i + 1][:, 0] *= -1
                As = [2 * Cs[0]] + [4 * C for C in Cs[1:-1]] + [2 * Cs[-1]]
                bs = [2 * ds[0]] + [2 * d - 2 * C.sum(axis=1) for C, d in zip(Cs[1:-1], ds[1:-1])]
                bs.append(ds[-1] - Cs[-1].sum(axis=1))
                return As, bs
        '''),
    },
    "sigmoid_derivative_polynomial": {
        "factored_recursion": source('''
            import sympy as sp

            def sigmoid_derivative_polynomial(n):
                s = sp.Symbol("s")
                p = s * (1 - s)
                for _ in range(n - 1):
                    p = sp.factor(sp.diff(p, s) * s * (1 - s))
                return p
        '''),
        "through_x_and_cancel": source('''
            import sympy as sp

            def sigmoid_derivative_polynomial(n):
                x = sp.Symbol("x")
                s = sp.Symbol("s", positive=True)
                u = sp.Symbol("u", positive=True)           # u = exp(-x) = (1 - s) / s
                derivative = sp.diff(1 / (1 + sp.exp(-x)), x, n).subs(sp.exp(-x), u)
                return sp.expand(sp.cancel(derivative.subs(u, (1 - s) / s)))
        '''),
        "stirling_numbers": source('''
            import sympy as sp
            from sympy.functions.combinatorial.numbers import stirling

            def sigmoid_derivative_polynomial(n):
                s = sp.Symbol("s", real=True)
                return sum((-1) ** (k - 1) * sp.factorial(k - 1) * stirling(n + 1, k) * s**k
                           for k in range(1, n + 2))
        '''),
        "coefficient_lists": source('''
            import sympy as sp

            def sigmoid_derivative_polynomial(n):
                coefficients = [0, 1, -1]                   # s - s^2, lowest degree first
                for _ in range(n - 1):
                    derivative = [k * c for k, c in enumerate(coefficients)][1:]
                    times_s = [0] + derivative              # P'(s) * s
                    times_s2 = [0, 0] + derivative          # P'(s) * s^2
                    size = len(times_s2)
                    coefficients = [(times_s + [0])[k] - times_s2[k] for k in range(size)]
                s = sp.Symbol("s")
                return sp.Add(*[sp.Integer(c) * s**k for k, c in enumerate(coefficients)])
        '''),
    },
}

MISTAKES: dict[str, dict[str, str]] = {
    "sigmoid": {
        "naive_overflows": source('''
            import numpy as np

            def sigmoid(x):
                return 1 / (1 + np.exp(-np.asarray(x, dtype=np.float64)))
        '''),
        "exp_over_one_plus_exp": source('''
            import numpy as np

            def sigmoid(x):
                e = np.exp(np.asarray(x, dtype=np.float64))
                return e / (1 + e)
        '''),
        "where_evaluates_both_branches": source('''
            import numpy as np

            def sigmoid(x):
                x = np.asarray(x, dtype=np.float64)
                return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))
        '''),
        "clips_input": source('''
            import numpy as np

            def sigmoid(x):
                x = np.clip(np.asarray(x, dtype=np.float64), -500, 500)
                return 1 / (1 + np.exp(-x))
        '''),
        "one_minus_for_negative": source('''
            import numpy as np

            def sigmoid(x):
                x = np.asarray(x, dtype=np.float64)
                positive = 1 / (1 + np.exp(-np.abs(x)))
                return np.where(x >= 0, positive, 1 - positive)   # 1 - sigma(|x|) cancels
        '''),
        "via_tanh_identity": source('''
            import numpy as np

            def sigmoid(x):
                return 0.5 * (1 + np.tanh(np.asarray(x, dtype=np.float64) / 2))
        '''),
        "float32": source('''
            import numpy as np

            def sigmoid(x):
                x = np.asarray(x, dtype=np.float32)
                e = np.exp(-np.abs(x))
                return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        '''),
        "abs_in_place": source('''
            import numpy as np

            def sigmoid(x):
                x = np.asarray(x, dtype=np.float64)
                negative = x < 0
                np.abs(x, out=x)                    # overwrites the caller's array
                e = np.exp(-x)
                return np.where(negative, e, 1) / (1 + e)
        '''),
    },
    "mlp_forward": {
        "activation_on_last_layer": source('''
            import numpy as np

            def mlp_forward(As, bs, x, activation):
                if activation not in ("sigmoid", "tanh"):
                    raise ValueError(activation)
                y = np.asarray(x, dtype=np.float64)
                for A, b in zip(As, bs):
                    z = y @ np.asarray(A).T + b
                    y = np.tanh(z) if activation == "tanh" else 0.5 * (1 + np.tanh(z / 2))
                return y
        '''),
        "dict_lookup_raises_keyerror": source('''
            import numpy as np
            from scipy.special import expit

            def mlp_forward(As, bs, x, activation):
                phi = {"sigmoid": expit, "tanh": np.tanh}[activation]
                y = np.asarray(x, dtype=np.float64)
                for i, (A, b) in enumerate(zip(As, bs)):
                    y = y @ np.asarray(A).T + b
                    if i < len(As) - 1:
                        y = phi(y)
                return y
        '''),
        "checks_only_where_used": source('''
            import numpy as np
            from scipy.special import expit

            def mlp_forward(As, bs, x, activation):
                y = np.asarray(x, dtype=np.float64)
                for i, (A, b) in enumerate(zip(As, bs)):
                    y = y @ np.asarray(A).T + b
                    if i < len(As) - 1:
                        if activation == "sigmoid":
                            y = expit(y)
                        elif activation == "tanh":
                            y = np.tanh(y)
                        else:
                            raise ValueError(activation)
                return y
        '''),
        "case_insensitive": source('''
            import numpy as np
            from scipy.special import expit

            def mlp_forward(As, bs, x, activation):
                activation = str(activation).strip().lower()
                if activation not in ("sigmoid", "tanh"):
                    raise ValueError(activation)
                phi = expit if activation == "sigmoid" else np.tanh
                y = np.asarray(x, dtype=np.float64)
                for i, (A, b) in enumerate(zip(As, bs)):
                    y = y @ np.asarray(A).T + b
                    if i < len(As) - 1:
                        y = phi(y)
                return y
        '''),
        "weights_not_transposed": source('''
            import numpy as np
            from scipy.special import expit

            def mlp_forward(As, bs, x, activation):
                if activation not in ("sigmoid", "tanh"):
                    raise ValueError(activation)
                phi = expit if activation == "sigmoid" else np.tanh
                y = np.asarray(x, dtype=np.float64)
                for i, (A, b) in enumerate(zip(As, bs)):
                    y = y @ np.asarray(A) + b
                    if i < len(As) - 1:
                        y = phi(y)
                return y
        '''),
        "naive_sigmoid_warns": source('''
            import numpy as np

            def mlp_forward(As, bs, x, activation):
                if activation not in ("sigmoid", "tanh"):
                    raise ValueError(activation)
                y = np.asarray(x, dtype=np.float64)
                for i, (A, b) in enumerate(zip(As, bs)):
                    y = y @ np.asarray(A).T + b
                    if i < len(As) - 1:
                        y = np.tanh(y) if activation == "tanh" else 1 / (1 + np.exp(-y))
                return y
        '''),
        "clips_x_in_place": source('''
            import numpy as np

            def mlp_forward(As, bs, x, activation):
                if activation not in ("sigmoid", "tanh"):
                    raise ValueError(activation)
                y = np.asarray(x, dtype=np.float64)
                np.clip(y, -500, 500, out=y)            # "avoids overflow", on the caller's x
                for i, (A, b) in enumerate(zip(As, bs)):
                    z = y @ np.asarray(A).T + b
                    if i == len(As) - 1:
                        y = z
                    elif activation == "tanh":
                        y = np.tanh(z)
                    else:
                        e = np.exp(-np.abs(z))
                        y = np.where(z >= 0, 1, e) / (1 + e)
                return y
        '''),
    },
    "sigmoid_net_to_tanh_net": {
        "seed_missing_ones_vector": source('''
            import numpy as np

            def sigmoid_net_to_tanh_net(As, bs):
                # the seed's d_i = b_i/2 + A_i/4 and d_L = b_L + A_L/2, without the ones vector
                L = len(As)
                if L == 1:
                    return [np.array(As[0], dtype=float)], [np.array(bs[0], dtype=float)]
                Cs = [As[0] / 2] + [A / 4 for A in As[1:-1]] + [As[-1] / 2]
                ds = [bs[0] / 2] + [b / 2 + A / 4 for A, b in zip(As[1:-1], bs[1:-1])] + [bs[-1] + As[-1] / 2]
                return Cs, ds
        '''),
        "no_bias_correction": source('''
            import numpy as np

            def sigmoid_net_to_tanh_net(As, bs):
                L = len(As)
                if L == 1:
                    return [np.array(As[0], dtype=float)], [np.array(bs[0], dtype=float)]
                Cs = [As[0] / 2] + [A / 4 for A in As[1:-1]] + [As[-1] / 2]
                ds = [bs[0] / 2] + [b / 2 for b in bs[1:-1]] + [np.array(bs[-1], dtype=float)]
                return Cs, ds
        '''),
        "column_sums": source('''
            import numpy as np

            def sigmoid_net_to_tanh_net(As, bs):
                L = len(As)
                if L == 1:
                    return [np.array(As[0], dtype=float)], [np.array(bs[0], dtype=float)]
                Cs = [As[0] / 2] + [A / 4 for A in As[1:-1]] + [As[-1] / 2]
                ds = [bs[0] / 2] + [b / 2 + A.sum(axis=0) / 4 for A, b in zip(As[1:-1], bs[1:-1])]
                ds.append(bs[-1] + As[-1].sum(axis=0) / 2)
                return Cs, ds
        '''),
        "last_layer_like_a_middle_one": source('''
            import numpy as np

            def sigmoid_net_to_tanh_net(As, bs):
                L = len(As)
                if L == 1:
                    return [np.array(As[0], dtype=float)], [np.array(bs[0], dtype=float)]
                Cs, ds = [As[0] / 2], [bs[0] / 2]
                for A, b in zip(As[1:], bs[1:]):
                    Cs.append(A / 4)
                    ds.append(b / 2 + A.sum(axis=1) / 4)
                return Cs, ds
        '''),
        "first_layer_rule_for_L1": source('''
            import numpy as np

            def sigmoid_net_to_tanh_net(As, bs):
                L = len(As)
                Cs, ds = [As[0] / 2], [bs[0] / 2]
                for A, b in zip(As[1:-1], bs[1:-1]):
                    Cs.append(A / 4)
                    ds.append(b / 2 + A.sum(axis=1) / 4)
                if L > 1:
                    Cs.append(As[-1] / 2)
                    ds.append(bs[-1] + As[-1].sum(axis=1) / 2)
                return Cs, ds
        '''),
        "total_sum_not_row_sums": source('''
            import numpy as np

            def sigmoid_net_to_tanh_net(As, bs):
                L = len(As)
                if L == 1:
                    return [np.array(As[0], dtype=float)], [np.array(bs[0], dtype=float)]
                Cs = [As[0] / 2] + [A / 4 for A in As[1:-1]] + [As[-1] / 2]
                ds = [bs[0] / 2] + [b / 2 + np.sum(A) / 4 for A, b in zip(As[1:-1], bs[1:-1])]
                ds.append(bs[-1] + np.sum(As[-1]) / 2)
                return Cs, ds
        '''),
        "halves_every_layer": source('''
            import numpy as np

            def sigmoid_net_to_tanh_net(As, bs):
                L = len(As)
                if L == 1:
                    return [np.array(As[0], dtype=float)], [np.array(bs[0], dtype=float)]
                Cs = [np.asarray(A) / 2 for A in As]
                ds = [bs[0] / 2] + [b / 2 + A.sum(axis=1) / 4 for A, b in zip(As[1:-1], bs[1:-1])]
                ds.append(bs[-1] + As[-1].sum(axis=1) / 2)
                return Cs, ds
        '''),
        "scales_inputs_in_place": source('''
            import numpy as np

            def sigmoid_net_to_tanh_net(As, bs):
                L = len(As)
                if L == 1:
                    return [np.array(As[0], dtype=float)], [np.array(bs[0], dtype=float)]
                Cs = [np.asarray(A, dtype=np.float64) for A in As]   # no copy for float arrays
                ds = [bs[0] / 2] + [b / 2 + A.sum(axis=1) / 4 for A, b in zip(Cs[1:-1], bs[1:-1])]
                ds.append(bs[-1] + Cs[-1].sum(axis=1) / 2)
                for i, C in enumerate(Cs):
                    C /= 4 if 0 < i < L - 1 else 2       # so the caller's arrays are changed
                return Cs, ds
        '''),
    },
    "tanh_net_to_sigmoid_net": {
        "sign_of_the_correction": source('''
            import numpy as np

            def tanh_net_to_sigmoid_net(Cs, ds):
                L = len(Cs)
                if L == 1:
                    return [np.array(Cs[0], dtype=float)], [np.array(ds[0], dtype=float)]
                As = [2 * Cs[0]] + [4 * C for C in Cs[1:-1]] + [2 * Cs[-1]]
                bs = [2 * ds[0]] + [2 * d + 2 * C.sum(axis=1) for C, d in zip(Cs[1:-1], ds[1:-1])]
                bs.append(ds[-1] + Cs[-1].sum(axis=1))
                return As, bs
        '''),
        "forward_formulas_reused": source('''
            import numpy as np

            def tanh_net_to_sigmoid_net(Cs, ds):
                # the sigmoid -> tanh formulas applied the other way round
                L = len(Cs)
                if L == 1:
                    return [np.array(Cs[0], dtype=float)], [np.array(ds[0], dtype=float)]
                As = [Cs[0] / 2] + [C / 4 for C in Cs[1:-1]] + [Cs[-1] / 2]
                bs = [ds[0] / 2] + [d / 2 + C.sum(axis=1) / 4 for C, d in zip(Cs[1:-1], ds[1:-1])]
                bs.append(ds[-1] + Cs[-1].sum(axis=1) / 2)
                return As, bs
        '''),
        "doubles_every_layer": source('''
            import numpy as np

            def tanh_net_to_sigmoid_net(Cs, ds):
                L = len(Cs)
                if L == 1:
                    return [np.array(Cs[0], dtype=float)], [np.array(ds[0], dtype=float)]
                As = [2 * np.asarray(C, dtype=float) for C in Cs]
                bs = [2 * ds[0]] + [2 * d - 2 * C.sum(axis=1) for C, d in zip(Cs[1:-1], ds[1:-1])]
                bs.append(ds[-1] - Cs[-1].sum(axis=1))
                return As, bs
        '''),
        "last_layer_like_a_middle_one": source('''
            import numpy as np

            def tanh_net_to_sigmoid_net(Cs, ds):
                L = len(Cs)
                if L == 1:
                    return [np.array(Cs[0], dtype=float)], [np.array(ds[0], dtype=float)]
                As, bs = [2 * Cs[0]], [2 * ds[0]]
                for C, d in zip(Cs[1:], ds[1:]):
                    As.append(4 * C)
                    bs.append(2 * d - 2 * C.sum(axis=1))
                return As, bs
        '''),
        "first_layer_rule_for_L1": source('''
            import numpy as np

            def tanh_net_to_sigmoid_net(Cs, ds):
                L = len(Cs)
                As, bs = [2 * np.asarray(Cs[0], dtype=float)], [2 * np.asarray(ds[0], dtype=float)]
                for C, d in zip(Cs[1:-1], ds[1:-1]):
                    As.append(4 * C)
                    bs.append(2 * d - 2 * C.sum(axis=1))
                if L > 1:
                    As.append(2 * Cs[-1])
                    bs.append(ds[-1] - Cs[-1].sum(axis=1))
                return As, bs
        '''),
        "doubles_inputs_in_place": source('''
            import numpy as np

            def tanh_net_to_sigmoid_net(Cs, ds):
                L = len(Cs)
                if L == 1:
                    return [np.array(Cs[0], dtype=float)], [np.array(ds[0], dtype=float)]
                bs = [2 * ds[0]] + [2 * d - 2 * C.sum(axis=1) for C, d in zip(Cs[1:-1], ds[1:-1])]
                bs.append(ds[-1] - Cs[-1].sum(axis=1))
                As = [np.asarray(C, dtype=np.float64) for C in Cs]   # no copy for float arrays
                for i, A in enumerate(As):
                    A *= 4 if 0 < i < L - 1 else 2       # so the caller's arrays are changed
                return As, bs
        '''),
    },
    "sigmoid_derivative_polynomial": {
        "no_chain_rule_factor": changed(CORRECT["sigmoid_derivative_polynomial"]["factored_recursion"],
                                        ("p = sp.factor(sp.diff(p, s) * s * (1 - s))", "p = sp.diff(p, s)")),
        "off_by_one": source('''
            import sympy as sp

            def sigmoid_derivative_polynomial(n):
                s = sp.Symbol("s")
                p = s * (1 - s)
                for _ in range(n):
                    p = sp.expand(sp.diff(p, s) * s * (1 - s))
                return p
        '''),
        "left_in_terms_of_x": source('''
            import sympy as sp

            def sigmoid_derivative_polynomial(n):
                x = sp.Symbol("x")
                return sp.diff(1 / (1 + sp.exp(-x)), x, n)
        '''),
        "sign_slip": source('''
            import sympy as sp

            def sigmoid_derivative_polynomial(n):
                s = sp.Symbol("s")
                p = s * (s - 1)
                for _ in range(n - 1):
                    p = sp.expand(sp.diff(p, s) * s * (s - 1))
                return p
        '''),
        "symbol_named_sigma": source('''
            import sympy as sp

            def sigmoid_derivative_polynomial(n):
                s = sp.Symbol("sigma")
                p = s * (1 - s)
                for _ in range(n - 1):
                    p = sp.expand(sp.diff(p, s) * s * (1 - s))
                return p
        '''),
        "table_up_to_three": source('''
            import sympy as sp

            def sigmoid_derivative_polynomial(n):
                s = sp.Symbol("s")
                table = {1: s * (1 - s), 2: s * (1 - s) * (1 - 2 * s), 3: s * (1 - s) * (1 - 6 * s + 6 * s**2)}
                return table.get(n, table[3])
        '''),
        "returns_a_string": source('''
            import sympy as sp

            def sigmoid_derivative_polynomial(n):
                s = sp.Symbol("s")
                p = s * (1 - s)
                for _ in range(n - 1):
                    p = sp.expand(sp.diff(p, s) * s * (1 - s))
                return str(p)
        '''),
    },
}

# --- what the contract test (tests/test_checks_contract.py) expects of the mistakes, as data ---

#: For each mistake, a few words of the part it must fail (the part's description).
EXPECTED_FAILED_PART = {
    ("sigmoid", "naive_overflows"): "no warning",
    ("sigmoid", "exp_over_one_plus_exp"): "relative error",
    ("sigmoid", "where_evaluates_both_branches"): "no warning",
    ("sigmoid", "clips_input"): "relative error",
    ("sigmoid", "one_minus_for_negative"): "relative error",
    ("sigmoid", "via_tanh_identity"): "relative error",
    ("sigmoid", "float32"): "new float64 array",
    ("sigmoid", "abs_in_place"): "leaves its input alone",
    ("mlp_forward", "activation_on_last_layer"): "sigmoid networks",
    ("mlp_forward", "dict_lookup_raises_keyerror"): "raises ValueError",
    ("mlp_forward", "checks_only_where_used"): "raises ValueError",
    ("mlp_forward", "case_insensitive"): "raises ValueError",
    ("mlp_forward", "weights_not_transposed"): "sigmoid networks",
    ("mlp_forward", "naive_sigmoid_warns"): "no warning",
    ("mlp_forward", "clips_x_in_place"): "leaves As, bs and x alone",
    ("sigmoid_net_to_tanh_net", "seed_missing_ones_vector"): "middle layers",
    ("sigmoid_net_to_tanh_net", "no_bias_correction"): "L = 2",
    ("sigmoid_net_to_tanh_net", "column_sums"): "middle layers",
    ("sigmoid_net_to_tanh_net", "last_layer_like_a_middle_one"): "L = 2",
    ("sigmoid_net_to_tanh_net", "first_layer_rule_for_L1"): "L = 1",
    ("sigmoid_net_to_tanh_net", "total_sum_not_row_sums"): "middle layers",
    ("sigmoid_net_to_tanh_net", "halves_every_layer"): "middle layers",
    ("sigmoid_net_to_tanh_net", "scales_inputs_in_place"): "leaves As and bs alone",
    ("tanh_net_to_sigmoid_net", "sign_of_the_correction"): "first, middle and last",
    ("tanh_net_to_sigmoid_net", "forward_formulas_reused"): "first, middle and last",
    ("tanh_net_to_sigmoid_net", "doubles_every_layer"): "first, middle and last",
    ("tanh_net_to_sigmoid_net", "last_layer_like_a_middle_one"): "first, middle and last",
    ("tanh_net_to_sigmoid_net", "first_layer_rule_for_L1"): "L = 1",
    ("tanh_net_to_sigmoid_net", "doubles_inputs_in_place"): "leaves Cs and ds alone",
    ("sigmoid_derivative_polynomial", "no_chain_rule_factor"): "order 1, 2",
    ("sigmoid_derivative_polynomial", "off_by_one"): "order 1, 2",
    ("sigmoid_derivative_polynomial", "left_in_terms_of_x"): "order 1, 2",
    ("sigmoid_derivative_polynomial", "sign_slip"): "order 1, 2",
    ("sigmoid_derivative_polynomial", "symbol_named_sigma"): "order 1, 2",
    ("sigmoid_derivative_polynomial", "table_up_to_three"): "order 3, 4, 5",
    ("sigmoid_derivative_polynomial", "returns_a_string"): "order 1, 2",
}

#: (name, mistake, words of the failed part, words its message must contain)
ACTIONABLE_MESSAGES = [
    ("sigmoid", "naive_overflows", "no warning", "RuntimeWarning: overflow"),
    ("sigmoid", "exp_over_one_plus_exp", "relative error", "not finite"),
    ("sigmoid", "abs_in_place", "leaves its input alone", "modified the caller's array"),
    ("mlp_forward", "dict_lookup_raises_keyerror", "raises ValueError", "raised KeyError"),
    ("mlp_forward", "checks_only_where_used", "raises ValueError", "with L = 1 returned a result"),
    ("mlp_forward", "case_insensitive", "raises ValueError", "activation='Sigmoid'"),
    ("sigmoid_net_to_tanh_net", "seed_missing_ones_vector", "L = 2", "could not be broadcast"),
    ("sigmoid_net_to_tanh_net", "no_bias_correction", "L = 2", "the tanh network you returned for L = 2"),
    ("sigmoid_net_to_tanh_net", "first_layer_rule_for_L1", "L = 1", "for L = 1"),
    ("sigmoid_net_to_tanh_net", "scales_inputs_in_place", "leaves As and bs alone", "modified the arrays"),
    ("tanh_net_to_sigmoid_net", "doubles_inputs_in_place", "leaves Cs and ds alone", "modified the arrays"),
    ("sigmoid_derivative_polynomial", "left_in_terms_of_x", "order 1, 2", "uses the symbols ['x']"),
    ("sigmoid_derivative_polynomial", "symbol_named_sigma", "order 1, 2", "sympy.Symbol('s')"),
    ("sigmoid_derivative_polynomial", "returns_a_string", "order 1, 2", "expected a SymPy expression"),
]

#: Mistakes that must keep the points of some part: partial credit is per property.
KEEPS_PART = {
    ("sigmoid", "naive_overflows"): "relative error <= 1e-12",
    ("mlp_forward", "dict_lookup_raises_keyerror"): "sigmoid networks with L = 1, 2, 3, 4",
    ("mlp_forward", "checks_only_where_used"): "tanh networks with L = 1, 2, 3, 4, 5",
    ("sigmoid_net_to_tanh_net", "first_layer_rule_for_L1"): "L = 2: the first and the last layer",
    ("sigmoid_net_to_tanh_net", "scales_inputs_in_place"): "L = 3, 4, 5: middle layers",
    ("tanh_net_to_sigmoid_net", "doubles_inputs_in_place"): "L = 2, 3, 4, 5",
    ("sigmoid_derivative_polynomial", "table_up_to_three"): "order 1, 2",
}
