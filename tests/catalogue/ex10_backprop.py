"""Student implementations for ``ex10_backprop``,
right and wrong, as source strings (the conventions: :mod:`tests.catalogue`).
"""
from __future__ import annotations

from tests.catalogue import changed, source


# The activations, as a block of code each template puts inside its function.
_ACTIVATE = '''
        def activate(act, z):
            if act == "identity":
                return z.copy()
            if act == "relu":
                return np.maximum(z, 0.0)
            if act == "sigmoid":
                e = np.exp(-np.abs(z))
                return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
            if act == "tanh":
                return np.tanh(z)
            if act == "softmax":
                e = np.exp(z - z.max(axis=-1, keepdims=True))
                return e / e.sum(axis=-1, keepdims=True)
            if act == "log_softmax":
                shifted = z - z.max(axis=-1, keepdims=True)
                return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
            raise ValueError(f"unknown activation {act!r}")
'''

_FORWARD = '''
    import numpy as np

    def forward(Ws, bs, acts, X):
''' + _ACTIVATE + '''
        if len(acts) != len(Ws):
            raise ValueError("one activation per layer")
        for act in acts:
            if act not in ("identity", "relu", "sigmoid", "tanh", "softmax", "log_softmax"):
                raise ValueError(f"unknown activation {act!r}")
        A = np.array(X, dtype=np.float64)
        zs, as_ = [], [A]
        for W, b, act in zip(Ws, bs, acts):
            Z = A @ np.asarray(W, dtype=np.float64).T + np.asarray(b, dtype=np.float64)
            A = activate(act, Z)
            zs.append(Z)
            as_.append(A)
        return zs, as_
'''

_VJP = '''
    import numpy as np

    def activation_vjp(act, z, g):
''' + _ACTIVATE + '''
        z, g = np.asarray(z, dtype=np.float64), np.asarray(g, dtype=np.float64)
        if act == "identity":
            return g.copy()
        if act == "relu":
            return np.where(z > 0, g, 0.0)
        if act == "sigmoid":
            s = activate("sigmoid", z)
            return s * (1.0 - s) * g
        if act == "tanh":
            t = np.tanh(z)
            return (1.0 - t * t) * g
        if act == "softmax":
            s = activate("softmax", z)
            return s * (g - (g * s).sum(axis=-1, keepdims=True))
        if act == "log_softmax":
            s = np.exp(activate("log_softmax", z))
            return g - s * g.sum(axis=-1, keepdims=True)
        raise ValueError(f"unknown activation {act!r}")
'''

# backward, with its own forward pass and VJPs inside.
_BACKWARD = '''
    import numpy as np

    def backward(Ws, bs, acts, X, Y):
''' + _ACTIVATE + '''
        def vjp(act, z, g):
            if act == "identity":
                return g
            if act == "relu":
                return np.where(z > 0, g, 0.0)
            if act == "sigmoid":
                s = activate("sigmoid", z)
                return s * (1.0 - s) * g
            if act == "tanh":
                return (1.0 - np.tanh(z) ** 2) * g
            if act == "softmax":
                s = activate("softmax", z)
                return s * (g - (g * s).sum(axis=-1, keepdims=True))
            s = np.exp(activate("log_softmax", z))
            return g - s * g.sum(axis=-1, keepdims=True)

        Ws = [np.asarray(W, dtype=np.float64) for W in Ws]
        bs = [np.asarray(b, dtype=np.float64) for b in bs]
        A = np.asarray(X, dtype=np.float64)
        zs, as_ = [], [A]
        for W, b, act in zip(Ws, bs, acts):
            zs.append(A @ W.T + b)
            A = activate(act, zs[-1])
            as_.append(A)
        N = A.shape[0]
        G = (A - np.asarray(Y, dtype=np.float64)) / N
        dWs, dbs = [None] * len(Ws), [None] * len(Ws)
        for l in range(len(Ws) - 1, -1, -1):
            D = vjp(acts[l], zs[l], G)
            dWs[l] = D.T @ as_[l]
            dbs[l] = D.sum(axis=0)
            G = D @ Ws[l]
        return dWs, dbs
'''

# numerical_gradient, with its own loss inside.
_FD = '''
    import numpy as np

    def numerical_gradient(Ws, bs, acts, X, Y, eps=1e-5):
''' + _ACTIVATE + '''
        X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)

        def loss(Ws, bs):
            A = X
            for W, b, act in zip(Ws, bs, acts):
                A = activate(act, A @ W.T + b)
            return 0.5 * np.sum((A - Y) ** 2) / len(X)

        Ws = [np.array(W, dtype=np.float64) for W in Ws]
        bs = [np.array(b, dtype=np.float64) for b in bs]
        out = []
        for P in Ws + bs:
            G = np.empty_like(P)
            for k in np.ndindex(P.shape):
                old = P[k]
                P[k] = old + eps
                up = loss(Ws, bs)
                P[k] = old - eps
                down = loss(Ws, bs)
                P[k] = old
                G[k] = (up - down) / (2 * eps)
            out.append(G)
        return out[:len(Ws)], out[len(Ws):]
'''

# gradient_descent, with its own forward and backward passes inside.
_GD = '''
    import numpy as np

    def gradient_descent(Ws, bs, acts, X, Y, lr, steps):
''' + _ACTIVATE + '''
        def vjp(act, z, g):
            if act == "identity":
                return g
            if act == "relu":
                return np.where(z > 0, g, 0.0)
            if act in ("sigmoid", "tanh"):
                y = activate(act, z)
                return (y * (1 - y) if act == "sigmoid" else 1 - y * y) * g
            s = activate("softmax", z)
            if act == "softmax":
                return s * (g - (g * s).sum(axis=-1, keepdims=True))
            return g - s * g.sum(axis=-1, keepdims=True)

        X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
        Ws = [np.array(W, dtype=np.float64) for W in Ws]
        bs = [np.array(b, dtype=np.float64) for b in bs]

        def passes(Ws, bs):
            A, zs, as_ = X, [], [X]
            for W, b, act in zip(Ws, bs, acts):
                zs.append(A @ W.T + b)
                A = activate(act, zs[-1])
                as_.append(A)
            return zs, as_

        def loss(Ws, bs):
            return 0.5 * np.sum((passes(Ws, bs)[1][-1] - Y) ** 2) / len(X)

        def grads(Ws, bs):
            zs, as_ = passes(Ws, bs)
            G = (as_[-1] - Y) / len(X)
            dWs, dbs = [None] * len(Ws), [None] * len(Ws)
            for l in reversed(range(len(Ws))):
                D = vjp(acts[l], zs[l], G)
                dWs[l], dbs[l] = D.T @ as_[l], D.sum(axis=0)
                G = D @ Ws[l]
            return dWs, dbs

        losses = [loss(Ws, bs)]
        for _ in range(steps):
            dWs, dbs = grads(Ws, bs)
            Ws = [W - lr * d for W, d in zip(Ws, dWs)]
            bs = [b - lr * d for b, d in zip(bs, dbs)]
            losses.append(loss(Ws, bs))
        return Ws, bs, np.array(losses)
'''

CORRECT: dict[str, dict[str, str]] = {
    "forward": {
        "template": source(_FORWARD),
        "einsum_and_scipy": source('''
            import numpy as np
            from scipy import special

            def forward(Ws, bs, acts, X):
                table = {"identity": lambda z: z + 0.0, "relu": lambda z: np.where(z > 0, z, 0.0),
                         "sigmoid": special.expit, "tanh": np.tanh,
                         "softmax": lambda z: special.softmax(z, axis=-1),
                         "log_softmax": lambda z: special.log_softmax(z, axis=-1)}
                if len(acts) != len(Ws) or any(a not in table for a in acts):
                    raise ValueError("bad activations")
                as_ = [np.asarray(X, dtype=float).astype(np.float64)]
                zs = []
                for W, b, a in zip(Ws, bs, acts):
                    zs.append(np.einsum("nj,ij->ni", as_[-1], np.asarray(W, float)) + np.asarray(b, float))
                    as_.append(table[a](zs[-1]))
                return zs, as_
        '''),
        "logsumexp_and_tanh_sigmoid": source('''
            import numpy as np

            def forward(Ws, bs, acts, X):
                def lse(z):
                    m = np.max(z, axis=1, keepdims=True)
                    return m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))

                def f(a, z):
                    if a == "identity": return 1.0 * z
                    if a == "relu": return z * (z > 0)
                    if a == "sigmoid": return 0.5 * (1.0 + np.tanh(z / 2))
                    if a == "tanh": return np.tanh(z)
                    if a == "softmax": return np.exp(z - lse(z))
                    if a == "log_softmax": return z - lse(z)
                    raise ValueError(a)

                if len(acts) != len(Ws):
                    raise ValueError("len(acts) != len(Ws)")
                for a in acts:
                    f(a, np.zeros((1, 1)))
                A = np.asarray(X, dtype=np.float64).copy()
                zs, as_ = [], [A]
                for l in range(len(Ws)):
                    W = np.asarray(Ws[l], dtype=np.float64)
                    Z = np.dot(A, W.T) + np.asarray(bs[l], dtype=np.float64)[None, :]
                    A = f(acts[l], Z)
                    zs.append(Z)
                    as_.append(A)
                return zs, as_
        '''),
    },
    "activation_vjp": {
        "template": source(_VJP),
        "explicit_jacobian_when_small": source('''
            import numpy as np

            def activation_vjp(act, z, g):
                z, g = np.asarray(z, dtype=np.float64), np.asarray(g, dtype=np.float64)
                if act not in ("identity", "relu", "sigmoid", "tanh", "softmax", "log_softmax"):
                    raise ValueError(act)
                if act in ("identity", "relu", "sigmoid", "tanh"):
                    if act == "identity":
                        d = np.ones_like(z)
                    elif act == "relu":
                        d = (z > 0).astype(np.float64)
                    elif act == "sigmoid":
                        s = 0.5 * (1 + np.tanh(z / 2))
                        d = s * (1 - s)
                    else:
                        d = 1 / np.cosh(np.clip(z, -300, 300)) ** 2
                    return d * g
                m = z.max(axis=-1, keepdims=True)
                s = np.exp(z - m)
                s = s / s.sum(axis=-1, keepdims=True)
                n = z.shape[-1]
                if n > 100:   # too big for the Jacobian: the product formula
                    if act == "softmax":
                        return s * g - s * np.sum(s * g, axis=-1, keepdims=True)
                    return g - s * np.sum(g, axis=-1, keepdims=True)
                eye = np.eye(n)
                if act == "softmax":
                    J = s[..., :, None] * eye - s[..., :, None] * s[..., None, :]
                else:
                    J = eye - np.ones((n, 1)) * s[..., None, :]
                return np.einsum("...ij,...i->...j", J, g)
        '''),
        "scipy_special": source('''
            import numpy as np
            from scipy.special import expit, softmax

            def activation_vjp(act, z, g):
                z = np.asarray(z, dtype=np.float64)
                g = np.asarray(g, dtype=np.float64)
                rules = {
                    "identity": lambda: g * 1.0,
                    "relu": lambda: g * np.heaviside(z, 0.0),
                    "sigmoid": lambda: g * expit(z) * expit(-z),
                    "tanh": lambda: g - g * np.tanh(z) ** 2,
                    "softmax": lambda: softmax(z, axis=-1) * (g - np.einsum("...i,...i->...", g, softmax(z, axis=-1))[..., None]),
                    "log_softmax": lambda: g - softmax(z, axis=-1) * np.einsum("...i->...", g)[..., None],
                }
                if act not in rules:
                    raise ValueError(f"unknown activation {act}")
                return rules[act]()
        '''),
    },
    "backward": {
        "template": source(_BACKWARD),
        "batched_jacobians_einsum": source('''
            import numpy as np

            def backward(Ws, bs, acts, X, Y):
                def act(a, z):
                    if a == "identity": return z
                    if a == "relu": return np.maximum(z, 0)
                    if a == "sigmoid": return 0.5 * (1 + np.tanh(z / 2))
                    if a == "tanh": return np.tanh(z)
                    s = np.exp(z - z.max(-1, keepdims=True))
                    s /= s.sum(-1, keepdims=True)
                    return s if a == "softmax" else z - z.max(-1, keepdims=True) - np.log(np.exp(z - z.max(-1, keepdims=True)).sum(-1, keepdims=True))

                def jac(a, z):   # (N, n, n): J[k, i, j] = dF_i / dz_j at row k
                    n = z.shape[1]
                    eye = np.eye(n)
                    if a == "identity": return np.broadcast_to(eye, (len(z), n, n))
                    if a == "relu": return (z > 0)[:, :, None] * eye
                    if a == "sigmoid":
                        s = act(a, z)
                        return (s * (1 - s))[:, :, None] * eye
                    if a == "tanh": return (1 - np.tanh(z) ** 2)[:, :, None] * eye
                    s = act("softmax", z)
                    if a == "softmax": return s[:, :, None] * eye - np.einsum("ki,kj->kij", s, s)
                    return eye - s[:, None, :]

                Ws = [np.asarray(W, float) for W in Ws]
                A = [np.asarray(X, float)]
                Z = []
                for W, b, a in zip(Ws, bs, acts):
                    Z.append(np.einsum("kj,ij->ki", A[-1], W) + np.asarray(b, float))
                    A.append(act(a, Z[-1]))
                g = (A[-1] - np.asarray(Y, float)) / len(A[0])
                dWs, dbs = [], []
                for l in reversed(range(len(Ws))):
                    delta = np.einsum("kij,ki->kj", jac(acts[l], Z[l]), g)
                    dWs.insert(0, np.einsum("ki,kj->ij", delta, A[l]))
                    dbs.insert(0, np.einsum("ki->i", delta))
                    g = np.einsum("ki,ij->kj", delta, Ws[l])
                return dWs, dbs
        '''),
        "tape_of_closures": source('''
            import numpy as np

            def backward(Ws, bs, acts, X, Y):
                def layer(a, z):
                    """The activation and a function that pulls a gradient back through it."""
                    if a == "identity":
                        return z, lambda g: g
                    if a == "relu":
                        return np.maximum(z, 0), lambda g: g * (z > 0)
                    if a == "sigmoid":
                        s = np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))
                        return s, lambda g: g * s * (1 - s)
                    if a == "tanh":
                        t = np.tanh(z)
                        return t, lambda g: g * (1 - t) * (1 + t)
                    log_s = z - z.max(axis=1, keepdims=True)
                    log_s = log_s - np.log(np.exp(log_s).sum(axis=1, keepdims=True))
                    s = np.exp(log_s)
                    if a == "softmax":
                        return s, lambda g: s * g - s * (s * g).sum(axis=1, keepdims=True)
                    return log_s, lambda g: g - s * g.sum(axis=1, keepdims=True)

                A = np.asarray(X, dtype=np.float64)
                tape = []
                for W, b, a in zip(Ws, bs, acts):
                    W = np.asarray(W, dtype=np.float64)
                    out, pull = layer(a, A @ W.T + np.asarray(b, dtype=np.float64))
                    tape.append((A, W, pull))
                    A = out
                g = (A - np.asarray(Y, dtype=np.float64)) / A.shape[0]
                dWs, dbs = [], []
                for A_in, W, pull in reversed(tape):
                    d = pull(g)
                    dWs.append(d.T @ A_in)
                    dbs.append(d.sum(axis=0))
                    g = d @ W
                return dWs[::-1], dbs[::-1]
        '''),
    },
    "numerical_gradient": {
        "template": source(_FD),
        "fresh_copies_each_time": source('''
            import numpy as np
            from scipy.special import expit, log_softmax, softmax

            def numerical_gradient(Ws, bs, acts, X, Y, eps=1e-5):
                F = {"identity": lambda z: z, "relu": lambda z: np.maximum(z, 0), "sigmoid": expit,
                     "tanh": np.tanh, "softmax": lambda z: softmax(z, axis=1),
                     "log_softmax": lambda z: log_softmax(z, axis=1)}
                X, Y = np.asarray(X, float), np.asarray(Y, float)
                params = [np.asarray(p, dtype=np.float64) for p in list(Ws) + list(bs)]
                L = len(Ws)

                def loss(ps):
                    A = X
                    for l in range(L):
                        A = F[acts[l]](A @ ps[l].T + ps[L + l])
                    return ((A - Y) ** 2).sum() / (2 * X.shape[0])

                grads = []
                for k, p in enumerate(params):
                    g = np.zeros(p.shape)
                    for idx in np.ndindex(*p.shape):
                        hi, lo = [q.copy() for q in params], [q.copy() for q in params]
                        hi[k][idx] += eps
                        lo[k][idx] -= eps
                        g[idx] = (loss(hi) - loss(lo)) / (2 * eps)
                    grads.append(g)
                return grads[:L], grads[L:]
        '''),
        "flat_vector": source('''
            import numpy as np

            def numerical_gradient(Ws, bs, acts, X, Y, eps=1e-5):
                def F(a, z):
                    if a == "identity": return z
                    if a == "relu": return np.maximum(z, 0)
                    if a == "sigmoid": return 0.5 + 0.5 * np.tanh(z / 2)
                    if a == "tanh": return np.tanh(z)
                    m = z - z.max(axis=1, keepdims=True)
                    ls = m - np.log(np.exp(m).sum(axis=1, keepdims=True))
                    return np.exp(ls) if a == "softmax" else ls

                shapes = [np.shape(p) for p in list(Ws) + list(bs)]
                theta = np.concatenate([np.asarray(p, dtype=np.float64).ravel() for p in list(Ws) + list(bs)])
                X, Y = np.asarray(X, float), np.asarray(Y, float)

                def unflatten(t):
                    out, k = [], 0
                    for s in shapes:
                        size = int(np.prod(s))
                        out.append(t[k:k + size].reshape(s))
                        k += size
                    return out

                def loss(t):
                    ps = unflatten(t)
                    A = X
                    for l, a in enumerate(acts):
                        A = F(a, A @ ps[l].T + ps[len(acts) + l])
                    return 0.5 * np.mean(np.sum((A - Y) ** 2, axis=1))

                grad = np.zeros_like(theta)
                for k in range(theta.size):
                    e = np.zeros_like(theta)
                    e[k] = eps
                    grad[k] = (loss(theta + e) - loss(theta - e)) / (2 * eps)
                parts = unflatten(grad)
                return [p.copy() for p in parts[:len(Ws)]], [p.copy() for p in parts[len(Ws):]]
        '''),
    },
    "gradient_descent": {
        "template": source(_GD),
        "flat_parameters": source('''
            import numpy as np
            from scipy.special import expit

            def gradient_descent(Ws, bs, acts, X, Y, lr, steps):
                X, Y = np.asarray(X, float), np.asarray(Y, float)
                Ws = [np.asarray(W, float) for W in Ws]
                bs = [np.asarray(b, float) for b in bs]
                shapes = [W.shape for W in Ws] + [b.shape for b in bs]
                theta = np.concatenate([p.ravel() for p in Ws + bs])
                L = len(Ws)

                def split(t):
                    out, k = [], 0
                    for s in shapes:
                        n = int(np.prod(s))
                        out.append(t[k:k + n].reshape(s))
                        k += n
                    return out[:L], out[L:]

                def F(a, z):
                    if a == "softmax" or a == "log_softmax":
                        m = z - z.max(axis=1, keepdims=True)
                        ls = m - np.log(np.exp(m).sum(axis=1, keepdims=True))
                        return np.exp(ls) if a == "softmax" else ls
                    return {"identity": z, "relu": np.maximum(z, 0), "tanh": np.tanh(z)}.get(a, expit(z))

                def loss_and_grad(t):
                    W_, b_ = split(t)
                    zs, as_ = [], [X]
                    for l in range(L):
                        zs.append(as_[-1] @ W_[l].T + b_[l])
                        as_.append(F(acts[l], zs[-1]))
                    r = as_[-1] - Y
                    g = r / len(X)
                    gW, gb = [None] * L, [None] * L
                    for l in range(L - 1, -1, -1):
                        a, z = acts[l], zs[l]
                        if a == "identity": d = g
                        elif a == "relu": d = g * (z > 0)
                        elif a == "sigmoid": d = g * expit(z) * expit(-z)
                        elif a == "tanh": d = g * (1 - np.tanh(z) ** 2)
                        elif a == "softmax":
                            s = F("softmax", z)
                            d = s * (g - np.sum(g * s, axis=1, keepdims=True))
                        else:
                            d = g - F("softmax", z) * np.sum(g, axis=1, keepdims=True)
                        gW[l], gb[l] = d.T @ as_[l], d.sum(axis=0)
                        g = d @ W_[l]
                    return 0.5 * np.sum(r ** 2) / len(X), np.concatenate([p.ravel() for p in gW + gb])

                losses = []
                for _ in range(steps):
                    value, grad = loss_and_grad(theta)
                    losses.append(value)
                    theta = theta - lr * grad
                losses.append(loss_and_grad(theta)[0])
                W_, b_ = split(theta)
                return [w.copy() for w in W_], [b.copy() for b in b_], np.asarray(losses, dtype=np.float64)
        '''),
        "deep_copies_then_updates_in_place": changed(
            _GD,
            ("    import numpy as np\n", "    import copy\n\n    import numpy as np\n"),
            ("        Ws = [np.array(W, dtype=np.float64) for W in Ws]\n        bs = [np.array(b, dtype=np.float64) for b in bs]\n",
             "        Ws, bs = copy.deepcopy(Ws), copy.deepcopy(bs)\n"
             "        Ws = [np.asarray(W, dtype=np.float64) for W in Ws]\n        bs = [np.asarray(b, dtype=np.float64) for b in bs]\n"),
            ("            Ws = [W - lr * d for W, d in zip(Ws, dWs)]\n            bs = [b - lr * d for b, d in zip(bs, dbs)]",
             "            for l in range(len(Ws)):\n                Ws[l] = Ws[l] - lr * dWs[l]\n                bs[l] = bs[l] - lr * dbs[l]"),
        ),
        "einsum_updates_in_copies": changed(
            _GD,
            ("dWs[l], dbs[l] = D.T @ as_[l], D.sum(axis=0)",
             "dWs[l], dbs[l] = np.einsum('ni,nj->ij', D, as_[l]), np.einsum('ni->i', D)"),
            ("            Ws = [W - lr * d for W, d in zip(Ws, dWs)]\n            bs = [b - lr * d for b, d in zip(bs, dbs)]",
             "            for W, d in zip(Ws, dWs):\n                W -= lr * d\n            for b, d in zip(bs, dbs):\n                b -= lr * d"),
        ),
    },
}

MISTAKES: dict[str, dict[str, str]] = {
    "forward": {
        "bias_after_activation": changed(_FORWARD, (
            "Z = A @ np.asarray(W, dtype=np.float64).T + np.asarray(b, dtype=np.float64)\n            A = activate(act, Z)",
            "Z = A @ np.asarray(W, dtype=np.float64).T\n            A = activate(act, Z) + np.asarray(b, dtype=np.float64)")),
        "bias_only_in_the_first_layer": changed(_FORWARD, (
            "Z = A @ np.asarray(W, dtype=np.float64).T + np.asarray(b, dtype=np.float64)",
            "Z = A @ np.asarray(W, dtype=np.float64).T + (np.asarray(b, dtype=np.float64) if not zs else 0.0)")),
        "last_layer_left_linear": changed(_FORWARD, (
            "A = activate(act, Z)", "A = activate(act, Z) if len(zs) < len(Ws) - 1 else Z")),
        "softmax_over_the_batch": changed(_FORWARD, (
            "e = np.exp(z - z.max(axis=-1, keepdims=True))\n                return e / e.sum(axis=-1, keepdims=True)",
            "e = np.exp(z - z.max(axis=0, keepdims=True))\n                return e / e.sum(axis=0, keepdims=True)")),
        "naive_sigmoid_and_log_of_softmax": changed(_FORWARD, (
            "e = np.exp(-np.abs(z))\n                return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
            "return 1.0 / (1.0 + np.exp(-z))"), (
            "shifted = z - z.max(axis=-1, keepdims=True)\n                return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))",
            "return np.log(np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True))")),
        "names_case_insensitive_no_length_check": changed(_FORWARD, (
            "        if len(acts) != len(Ws):\n            raise ValueError(\"one activation per layer\")\n"
            "        for act in acts:\n            if act not in (\"identity\", \"relu\", \"sigmoid\", \"tanh\", \"softmax\", \"log_softmax\"):\n"
            "                raise ValueError(f\"unknown activation {act!r}\")\n",
            "        acts = [act.lower() for act in acts]\n")),
        "as_without_the_input": changed(_FORWARD, ("zs, as_ = [], [A]", "zs, as_ = [], []")),
        "requires_ndarrays": changed(_FORWARD, (
            "Z = A @ np.asarray(W, dtype=np.float64).T + np.asarray(b, dtype=np.float64)", "Z = A @ W.T + b")),
    },
    "activation_vjp": {
        "log_softmax_J_not_JT": changed(_VJP, (
            "return g - s * g.sum(axis=-1, keepdims=True)", "return g - (s * g).sum(axis=-1, keepdims=True)")),
        "softmax_treated_elementwise": changed(_VJP, (
            "return s * (g - (g * s).sum(axis=-1, keepdims=True))", "return s * (1.0 - s) * g"), (
            "return g - s * g.sum(axis=-1, keepdims=True)", "return (1.0 - s) * g")),
        "relu_slope_one_at_zero": changed(_VJP, ("return np.where(z > 0, g, 0.0)", "return np.where(z >= 0, g, 0.0)")),
        "forms_full_jacobian": changed(_VJP, (
            "        if act == \"softmax\":\n            s = activate(\"softmax\", z)",
            "        if act in (\"softmax\", \"log_softmax\"):\n"
            "            s = activate(\"softmax\", z)\n"
            "            n = z.shape[-1]\n"
            "            eye = np.eye(n)\n"
            "            J = s[..., :, None] * eye - s[..., :, None] * s[..., None, :] if act == \"softmax\" else eye - np.ones((n, 1)) * s[..., None, :]\n"
            "            return np.einsum(\"...ij,...i->...j\", J, g)\n"
            "        if act == \"softmax\":\n            s = activate(\"softmax\", z)")),
        "tanh_slope_from_the_input": changed(_VJP, ("t = np.tanh(z)\n            return (1.0 - t * t) * g", "return (1.0 - z * z) * g")),
        "naive_softmax_overflows": changed(_VJP, (
            "e = np.exp(z - z.max(axis=-1, keepdims=True))", "e = np.exp(z)"), (
            "shifted = z - z.max(axis=-1, keepdims=True)", "shifted = z")),
        "softmax_sums_over_the_batch": changed(_VJP, (
            "return s * (g - (g * s).sum(axis=-1, keepdims=True))", "return s * (g - (g * s).sum())")),
        "unknown_name_gives_identity": changed(_VJP, (
            "        if act == \"identity\":\n            return g.copy()",
            "        if act not in (\"relu\", \"sigmoid\", \"tanh\", \"softmax\", \"log_softmax\"):\n            return g.copy()")),
    },
    "backward": {
        "softmax_as_diag_fprime": changed(_BACKWARD, (
            "return s * (g - (g * s).sum(axis=-1, keepdims=True))", "return s * (1.0 - s) * g"), (
            "s = np.exp(activate(\"log_softmax\", z))\n            return g - s * g.sum(axis=-1, keepdims=True)",
            "s = np.exp(activate(\"log_softmax\", z))\n            return (1.0 - s) * g")),
        "log_softmax_J_not_JT": changed(_BACKWARD, (
            "return g - s * g.sum(axis=-1, keepdims=True)", "return g - (s * g).sum(axis=-1, keepdims=True)")),
        "relu_slope_one_at_zero": changed(_BACKWARD, ("return np.where(z > 0, g, 0.0)", "return np.where(z >= 0, g, 0.0)")),
        "forgets_one_over_N": changed(_BACKWARD, ("N = A.shape[0]", "N = 1")),
        "output_activation_skipped": changed(_BACKWARD, ("D = vjp(acts[l], zs[l], G)",
                                                       "D = G if l == len(Ws) - 1 else vjp(acts[l], zs[l], G)")),
        "bias_gradient_averaged_again": changed(_BACKWARD, ("dbs[l] = D.sum(axis=0)", "dbs[l] = D.mean(axis=0)")),
        "weights_of_the_wrong_layer": changed(_BACKWARD, ("G = D @ Ws[l]", "G = D @ Ws[min(l + 1, len(Ws) - 1)]")),
        "python_loop_over_samples": source('''
            import numpy as np

            def backward(Ws, bs, acts, X, Y):
                def act(a, z):
                    if a == "identity": return z
                    if a == "relu": return np.maximum(z, 0)
                    if a == "sigmoid": return 0.5 * (1 + np.tanh(z / 2))
                    if a == "tanh": return np.tanh(z)
                    s = np.exp(z - z.max()); s = s / s.sum()
                    return s if a == "softmax" else np.log(s)

                def jac(a, z):
                    if a == "identity": return np.eye(len(z))
                    if a == "relu": return np.diag((z > 0) * 1.0)
                    if a == "sigmoid": return np.diag(act(a, z) * (1 - act(a, z)))
                    if a == "tanh": return np.diag(1 - np.tanh(z) ** 2)
                    s = act("softmax", z)
                    return np.diag(s) - np.outer(s, s) if a == "softmax" else np.eye(len(z)) - np.outer(np.ones(len(z)), s)

                Ws = [np.asarray(W, float) for W in Ws]
                X, Y = np.asarray(X, float), np.asarray(Y, float)
                dWs = [np.zeros_like(W) for W in Ws]
                dbs = [np.zeros(W.shape[0]) for W in Ws]
                for x, y in zip(X, Y):          # one sample at a time
                    zs, as_ = [], [x]
                    for W, b, a in zip(Ws, bs, acts):
                        zs.append(W @ as_[-1] + np.asarray(b, float))
                        as_.append(act(a, zs[-1]))
                    g = (as_[-1] - y) / len(X)
                    for l in reversed(range(len(Ws))):
                        d = jac(acts[l], zs[l]).T @ g
                        dWs[l] += np.outer(d, as_[l])
                        dbs[l] += d
                        g = Ws[l].T @ d
                return dWs, dbs
        '''),
        "transposed_weight_gradients": changed(_BACKWARD, ("dWs[l] = D.T @ as_[l]", "dWs[l] = as_[l].T @ D")),
    },
    "numerical_gradient": {
        "forward_differences": changed(_FD, (
            "P[k] = old - eps\n                down = loss(Ws, bs)", "P[k] = old\n                down = loss(Ws, bs)"), (
            "G[k] = (up - down) / (2 * eps)", "G[k] = (up - down) / eps")),
        "analytic_gradient": changed(_BACKWARD, ("def backward(Ws, bs, acts, X, Y):",
                                               "def numerical_gradient(Ws, bs, acts, X, Y, eps=1e-5):")),
        "step_relative_to_the_parameter": changed(_FD, (
            "P[k] = old + eps\n", "h = eps * max(1.0, abs(old))\n                P[k] = old + h\n"), (
            "P[k] = old - eps\n", "P[k] = old - h\n"), ("G[k] = (up - down) / (2 * eps)", "G[k] = (up - down) / (2 * h)")),
        "fixed_step": changed(_FD, ("def numerical_gradient(Ws, bs, acts, X, Y, eps=1e-5):",
                                  "def numerical_gradient(Ws, bs, acts, X, Y, eps=1e-5):\n        eps = 1e-6")),
        "perturbs_in_place_and_undoes_by_arithmetic": changed(_FD, (
            "        Ws = [np.array(W, dtype=np.float64) for W in Ws]\n        bs = [np.array(b, dtype=np.float64) for b in bs]\n", ""), (
            "P[k] = old + eps", "P[k] += eps"), ("P[k] = old - eps", "P[k] -= 2 * eps"), ("P[k] = old\n", "P[k] += eps\n")),
        "divides_by_eps_not_two_eps": changed(_FD, ("G[k] = (up - down) / (2 * eps)", "G[k] = (up - down) / eps")),
        "loss_without_the_half": changed(_FD, ("return 0.5 * np.sum((A - Y) ** 2) / len(X)", "return np.sum((A - Y) ** 2) / len(X)")),
    },
    "gradient_descent": {
        "sequential_layer_updates": changed(_GD, (
            "            dWs, dbs = grads(Ws, bs)\n"
            "            Ws = [W - lr * d for W, d in zip(Ws, dWs)]\n            bs = [b - lr * d for b, d in zip(bs, dbs)]",
            "            for l in reversed(range(len(Ws))):   # top layer first, each with the newest parameters\n"
            "                dWs, dbs = grads(Ws, bs)\n"
            "                Ws[l] = Ws[l] - lr * dWs[l]\n                bs[l] = bs[l] - lr * dbs[l]")),
        "losses_missing_the_last": changed(_GD, ("            losses.append(loss(Ws, bs))\n        return", "        return"), (
            "            dWs, dbs = grads(Ws, bs)", "            dWs, dbs = grads(Ws, bs)\n            losses.append(loss(Ws, bs))"), (
            "losses = [loss(Ws, bs)]", "losses = []")),
        "losses_after_each_step_only": changed(_GD, ("losses = [loss(Ws, bs)]", "losses = []")),
        "updates_the_callers_arrays": changed(_GD, (
            "        Ws = [np.array(W, dtype=np.float64) for W in Ws]\n        bs = [np.array(b, dtype=np.float64) for b in bs]\n",
            "        Ws = [np.asarray(W, dtype=np.float64) for W in Ws]\n        bs = [np.asarray(b, dtype=np.float64) for b in bs]\n"), (
            "            Ws = [W - lr * d for W, d in zip(Ws, dWs)]\n            bs = [b - lr * d for b, d in zip(bs, dbs)]",
            "            for W, d in zip(Ws, dWs):\n                W -= lr * d\n            for b, d in zip(bs, dbs):\n                b -= lr * d")),
        "replaces_entries_of_the_callers_lists": changed(_GD, (
            "        Ws = [np.array(W, dtype=np.float64) for W in Ws]\n        bs = [np.array(b, dtype=np.float64) for b in bs]\n",
            "        for l in range(len(Ws)):\n            Ws[l], bs[l] = np.array(Ws[l], dtype=np.float64), np.array(bs[l], dtype=np.float64)\n"), (
            "            Ws = [W - lr * d for W, d in zip(Ws, dWs)]\n            bs = [b - lr * d for b, d in zip(bs, dbs)]",
            "            for l in range(len(Ws)):\n                Ws[l] = Ws[l] - lr * dWs[l]\n                bs[l] = bs[l] - lr * dbs[l]")),
        "symmetry_broken_with_noise": changed(_GD, (
            "        losses = [loss(Ws, bs)]",
            "        rng = np.random.default_rng(0)\n"
            "        Ws = [W + 1e-8 * rng.standard_normal(W.shape) for W in Ws]   # break ties between units\n"
            "        losses = [loss(Ws, bs)]")),
        "loss_without_the_half": changed(_GD, ("return 0.5 * np.sum((passes(Ws, bs)[1][-1] - Y) ** 2) / len(X)",
                                             "return np.sum((passes(Ws, bs)[1][-1] - Y) ** 2) / len(X)")),
        "softmax_as_diag_fprime": changed(_GD, (
            "if act == \"softmax\":\n                return s * (g - (g * s).sum(axis=-1, keepdims=True))\n            return g - s * g.sum(axis=-1, keepdims=True)",
            "return s * (1 - s) * g if act == \"softmax\" else (1 - s) * g")),
    },
}


# --- what the contract test (tests/test_checks_contract.py) checks of each entry -----------------

#: For each mistake, a few words of the part it must fail (the part's description).
EXPECTED_FAILED_PART = {
    ("forward", "bias_after_activation"): "elementwise layers",
    ("forward", "bias_only_in_the_first_layer"): "elementwise layers",
    ("forward", "last_layer_left_linear"): "the last layer applies its activation too",
    ("forward", "softmax_over_the_batch"): "softmax along each row",
    ("forward", "naive_sigmoid_and_log_of_softmax"): "up to 1e3",
    ("forward", "names_case_insensitive_no_length_check"): "raises ValueError",
    ("forward", "as_without_the_input"): "elementwise layers",
    ("forward", "requires_ndarrays"): "accepts lists",
    ("activation_vjp", "log_softmax_J_not_JT"): "not J g",
    ("activation_vjp", "softmax_treated_elementwise"): "J^T g for every row",
    ("activation_vjp", "relu_slope_one_at_zero"): "relu'(0) = 0",
    ("activation_vjp", "forms_full_jacobian"): "O(n) memory",
    ("activation_vjp", "tanh_slope_from_the_input"): "elementwise activations",
    ("activation_vjp", "naive_softmax_overflows"): "up to 1e3",
    ("activation_vjp", "softmax_sums_over_the_batch"): "J^T g for every row",
    ("activation_vjp", "unknown_name_gives_identity"): "raises ValueError",
    ("backward", "softmax_as_diag_fprime"): "hidden softmax layer",
    ("backward", "log_softmax_J_not_JT"): "J^T, not J",
    ("backward", "relu_slope_one_at_zero"): "relu'(0) = 0",
    ("backward", "forgets_one_over_N"): "elementwise layers",
    ("backward", "output_activation_skipped"): "elementwise layers",
    ("backward", "bias_gradient_averaged_again"): "elementwise layers",
    ("backward", "weights_of_the_wrong_layer"): "elementwise layers",
    ("backward", "python_loop_over_samples"): "batched over samples",
    ("backward", "transposed_weight_gradients"): "elementwise layers",
    ("numerical_gradient", "forward_differences"): "default step",
    ("numerical_gradient", "analytic_gradient"): "not the gradient",
    ("numerical_gradient", "step_relative_to_the_parameter"): "not the gradient",
    ("numerical_gradient", "fixed_step"): "not the gradient",
    ("numerical_gradient", "perturbs_in_place_and_undoes_by_arithmetic"): "rounding error",
    ("numerical_gradient", "divides_by_eps_not_two_eps"): "default step",
    ("numerical_gradient", "loss_without_the_half"): "default step",
    ("gradient_descent", "sequential_layer_updates"): "elementwise network",
    ("gradient_descent", "losses_missing_the_last"): "steps + 1 losses",
    ("gradient_descent", "losses_after_each_step_only"): "steps + 1 losses",
    ("gradient_descent", "updates_the_callers_arrays"): "never modifies its inputs",
    ("gradient_descent", "replaces_entries_of_the_callers_lists"): "never modifies its inputs",
    ("gradient_descent", "symmetry_broken_with_noise"): "softmax and log_softmax hidden layers",
    ("gradient_descent", "loss_without_the_half"): "elementwise network",
    ("gradient_descent", "softmax_as_diag_fprime"): "softmax and log_softmax layers",
}

#: Mistakes that must keep the points of some part: partial credit is per property.
KEEPS_PART = {
    ("forward", "softmax_over_the_batch"): "elementwise layers",
    ("activation_vjp", "log_softmax_J_not_JT"): "J^T g for every row",
    ("activation_vjp", "forms_full_jacobian"): "not J g",
    ("backward", "softmax_as_diag_fprime"): "elementwise layers",
    ("backward", "log_softmax_J_not_JT"): "hidden softmax layer",
    ("backward", "relu_slope_one_at_zero"): "batched over samples",
    ("backward", "python_loop_over_samples"): "J^T, not J",
    ("numerical_gradient", "analytic_gradient"): "default step",
    ("numerical_gradient", "perturbs_in_place_and_undoes_by_arithmetic"): "not the gradient",
    ("gradient_descent", "updates_the_callers_arrays"): "elementwise network",
    ("gradient_descent", "softmax_as_diag_fprime"): "tanh hidden layer",
}

#: (name, mistake, words of the failed part, words its message must contain)
ACTIONABLE_MESSAGES = [
    ("forward", "as_without_the_input", "elementwise layers", "as_ has 3 entries, expected 4"),
    ("forward", "names_case_insensitive_no_length_check", "raises ValueError", "must raise ValueError"),
    ("forward", "naive_sigmoid_and_log_of_softmax", "up to 1e3", "overflow"),
    ("activation_vjp", "forms_full_jacobian", "O(n) memory", "MemoryError"),
    ("activation_vjp", "log_softmax_J_not_JT", "not J g", "log_softmax: the result"),
    ("backward", "python_loop_over_samples", "batched over samples", "Python code ran for each sample"),
    ("backward", "transposed_weight_gradients", "elementwise layers", "dWs[0] has shape"),
    ("numerical_gradient", "perturbs_in_place_and_undoes_by_arithmetic", "rounding error", "modified the caller's"),
    ("gradient_descent", "losses_missing_the_last", "steps + 1 losses", "steps + 1 values"),
    ("gradient_descent", "symmetry_broken_with_noise", "tanh hidden layer", "must stay identical"),
    ("gradient_descent", "replaces_entries_of_the_callers_lists", "never modifies", "arrays or lists in place"),
]

#: (name, mistake, words of the AssertionError the released notebook's visible test raises on it)
VISIBLE_TESTS_CATCH = [
    ("forward", "bias_after_activation", "the bias is added after multiplying by W"),
    ("forward", "names_case_insensitive_no_length_check", "must raise ValueError"),
    ("activation_vjp", "log_softmax_J_not_JT", "J^T g, not J g"),
    ("activation_vjp", "softmax_treated_elementwise", "softmax: got"),
    ("activation_vjp", "relu_slope_one_at_zero", "relu'(0) = 0"),
    ("backward", "softmax_as_diag_fprime", "central differences give"),
    ("backward", "log_softmax_J_not_JT", "central differences give"),
    ("numerical_gradient", "analytic_gradient", "not the gradient"),
    ("numerical_gradient", "forward_differences", "not the gradient"),
    ("numerical_gradient", "perturbs_in_place_and_undoes_by_arithmetic", "changed Ws or bs"),
    ("gradient_descent", "losses_missing_the_last", "steps + 1 = 51"),
    ("gradient_descent", "updates_the_callers_arrays", "modified the caller's arrays"),
    ("gradient_descent", "replaces_entries_of_the_callers_lists", "replaced entries of the caller's lists"),
    ("gradient_descent", "symmetry_broken_with_noise", "must stay identical"),
]
