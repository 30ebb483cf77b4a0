"""Student implementations for ``ex11_convolution_adjoint``,
right and wrong, as source strings (the conventions: :mod:`tests.catalogue`).

The correct variants use SciPy, FFT, sliding windows, sparse and dense matrices, other closed forms.
"""
from __future__ import annotations

from tests.catalogue import changed, source


# --- templates: correct code that the mistakes change in one place ---------------------------

#: conv1d by NumPy's convolve, one row at a time, with the contract's checks.
_NUMPY_CONV = '''
    import numpy as np

    def conv1d(x, k, mode="full"):
        x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
        if mode not in ("full", "valid", "same"):
            raise ValueError("unknown mode")
        if k.ndim != 1 or k.size == 0:
            raise ValueError("k must be a non-empty 1-D array")
        if x.ndim == 0 or x.shape[-1] == 0:
            raise ValueError("x is empty")
        n, m = x.shape[-1], k.size
        if mode == "valid" and m > n:
            raise ValueError("valid needs m <= n")
        if m > n and mode == "same":
            full = np.array([np.convolve(row, k, "full") for row in x.reshape(-1, n)])
            s = (m - 1) // 2
            return full[:, s:s + n].reshape(x.shape[:-1] + (n,))
        rows = [np.convolve(row, k, mode) for row in x.reshape(-1, n)]
        return np.array(rows).reshape(x.shape[:-1] + (-1,))
'''

#: conv1d by a Python loop over the taps of the kernel, sliced per mode.
_TAPS_CONV = '''
    import numpy as np

    def conv1d(x, k, mode="full"):
        x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
        if mode not in ("full", "valid", "same"):
            raise ValueError("unknown mode")
        if k.ndim != 1 or k.size == 0:
            raise ValueError("k must be a non-empty 1-D array")
        if x.ndim == 0 or x.shape[-1] == 0:
            raise ValueError("x is empty")
        n, m = x.shape[-1], k.size
        if mode == "valid" and m > n:
            raise ValueError("valid needs m <= n")
        out = np.zeros(x.shape[:-1] + (n + m - 1,))
        for j in range(m):
            out[..., j:j + n] = out[..., j:j + n] + k[j] * x
        if mode == "full":
            return out
        if mode == "valid":
            return out[..., m - 1:n]
        s = (m - 1) // 2
        return out[..., s:s + n]
'''

#: corr1d by a loop over taps, c[i] = sum_j k[j] x[i + j - (m - 1)].
_TAPS_CORR = '''
    import numpy as np

    def corr1d(x, k, mode="full"):
        x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
        if mode not in ("full", "valid", "same"):
            raise ValueError("unknown mode")
        if k.ndim != 1 or k.size == 0:
            raise ValueError("k must be a non-empty 1-D array")
        if x.ndim == 0 or x.shape[-1] == 0:
            raise ValueError("x is empty")
        n, m = x.shape[-1], k.size
        if mode == "valid" and m > n:
            raise ValueError("valid needs m <= n")
        c = np.zeros(x.shape[:-1] + (n + m - 1,))
        for j in range(m):
            c[..., m - 1 - j:m - 1 - j + n] += k[j] * x
        if mode == "full":
            return c
        if mode == "valid":
            return c[..., m - 1:n]
        s = (m - 1) // 2
        return c[..., s:s + n]
'''

#: conv1d_adjoint by the matrix of the convolution, built column by column.
_MATRIX_ADJOINT = '''
    import numpy as np

    def conv1d_adjoint(y, k, mode="full"):
        y, k = np.asarray(y, dtype=np.float64), np.asarray(k, dtype=np.float64)
        m, out = k.size, y.shape[-1]
        if mode == "full":
            n = out - m + 1
            if n < 1:
                raise ValueError("full needs len(y) >= m")
            rows = slice(0, out)
        elif mode == "valid":
            n = out + m - 1
            rows = slice(m - 1, n)
        elif mode == "same":
            n = out
            rows = slice((m - 1) // 2, (m - 1) // 2 + n)
        else:
            raise ValueError("unknown mode")
        K = np.zeros((n + m - 1, n))
        for l in range(n):
            K[l:l + m, l] = k
        return y @ K[rows]
'''

#: conv1d_adjoint by SciPy's correlate in "full" mode, sliced.
_SCIPY_ADJOINT = '''
    import numpy as np
    from scipy import signal

    def conv1d_adjoint(y, k, mode="full"):
        y, k = np.asarray(y, dtype=np.float64), np.asarray(k, dtype=np.float64)
        m, out = k.size, y.shape[-1]
        if mode not in ("full", "valid", "same"):
            raise ValueError("unknown mode")
        if mode == "full" and out < m:
            raise ValueError("full needs len(y) >= m")
        c = signal.correlate(y, k.reshape((1,) * (y.ndim - 1) + (m,)), mode="full")
        if mode == "full":
            return c[..., m - 1:out]
        if mode == "valid":
            return c
        start = m - 1 - (m - 1) // 2
        return c[..., start:start + out]
'''

#: conv_matrix entry by entry, K[i, l] = k[i - l], then the mode's rows.
_LOOP_MATRIX = '''
    import numpy as np

    def conv_matrix(k, n, mode="full"):
        k = np.asarray(k, dtype=np.float64)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError("n must be a positive integer")
        m = k.size
        if mode == "valid" and m > n:
            raise ValueError("valid needs m <= n")
        K = np.zeros((n + m - 1, n))
        for i in range(n + m - 1):
            for l in range(n):
                if 0 <= i - l < m:
                    K[i, l] = k[i - l]
        if mode == "full":
            return K
        if mode == "valid":
            return K[m - 1:n]
        if mode == "same":
            s = (m - 1) // 2
            return K[s:s + n]
        raise ValueError("unknown mode")
'''

#: conv2d by a loop over the kernel's taps.
_TAPS_CONV2D = '''
    import numpy as np

    def conv2d(x, k, mode="full"):
        x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
        if mode not in ("full", "valid", "same"):
            raise ValueError("unknown mode")
        if k.ndim != 2 or k.size == 0:
            raise ValueError("k must be a non-empty 2-D array")
        (H, W), (p, q) = x.shape[-2:], k.shape
        if mode == "valid" and (p > H or q > W):
            raise ValueError("valid needs p <= H and q <= W")
        f = np.zeros(x.shape[:-2] + (H + p - 1, W + q - 1))
        for a in range(p):
            for b in range(q):
                f[..., a:a + H, b:b + W] += k[a, b] * x
        if mode == "full":
            return f
        if mode == "valid":
            return f[..., p - 1:H, q - 1:W]
        r, c = (p - 1) // 2, (q - 1) // 2
        return f[..., r:r + H, c:c + W]
'''

#: conv2d by SciPy's convolve2d, image by image, with the contract's checks.
_SCIPY_CONV2D = '''
    import numpy as np
    from scipy import signal

    def conv2d(x, k, mode="full"):
        x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
        if mode not in ("full", "valid", "same"):
            raise ValueError("unknown mode")
        if k.ndim != 2 or k.size == 0:
            raise ValueError("k must be a non-empty 2-D array")
        (H, W), (p, q) = x.shape[-2:], k.shape
        if mode == "valid" and (p > H or q > W):
            raise ValueError("valid needs p <= H and q <= W")
        images = [signal.convolve2d(image, k, mode) for image in x.reshape(-1, H, W)]
        return np.array(images).reshape(x.shape[:-2] + images[0].shape)
'''

#: Completes the square by hand: integral s exp(-P (s + S0)^2) ds in fresh symbols.
_SYMBOLIC_SQUARE = '''
    import sympy as sp

    def cross_correlation_symbolic():
        t, c, s, S0 = sp.symbols("t c s S0", real=True)
        a, b, P = sp.symbols("a b P", positive=True)
        u = t - c
        shift = b * u / (a + b)
        moment = sp.integrate(s * sp.exp(-P * (s + S0) ** 2), (s, -sp.oo, sp.oo))
        return moment.subs({P: a + b, S0: shift}) * sp.exp(-a * b * u**2 / (a + b))
'''

_SYMBOLIC_CLOSED = '''
    import sympy as sp

    def cross_correlation_symbolic():
        t, a, b, c = sp.symbols("t a b c")
        u = t - c
        return -(b * u / (a + b)) * sp.sqrt(sp.pi / (a + b)) * sp.exp(-a * b * u**2 / (a + b))
'''


CORRECT: dict[str, dict[str, str]] = {
    "conv1d": {
        "scipy_convolve": source('''
            import numpy as np
            from scipy import signal

            def conv1d(x, k, mode="full"):
                x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
                if mode not in ("full", "valid", "same"):
                    raise ValueError(f"unknown mode {mode!r}")
                if k.ndim != 1 or k.size == 0:
                    raise ValueError("k must be a non-empty 1-D array")
                if x.ndim == 0 or x.shape[-1] == 0:
                    raise ValueError("x has no entries along its last axis")
                if mode == "valid" and k.size > x.shape[-1]:
                    raise ValueError("valid mode needs len(k) <= len(x)")
                return signal.convolve(x, k.reshape((1,) * (x.ndim - 1) + (-1,)), mode=mode, method="direct")
        '''),
        "fft": source('''
            import numpy as np

            def conv1d(x, k, mode="full"):
                x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
                if mode not in ("full", "valid", "same") or k.ndim != 1 or k.size == 0:
                    raise ValueError("bad mode or kernel")
                if x.ndim == 0 or x.shape[-1] == 0:
                    raise ValueError("x is empty")
                n, m = x.shape[-1], k.size
                if mode == "valid" and m > n:
                    raise ValueError("valid needs m <= n")
                size = n + m - 1
                f = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(k, size), size)
                start, stop = {"full": (0, size), "valid": (m - 1, n), "same": ((m - 1) // 2, (m - 1) // 2 + n)}[mode]
                return f[..., start:stop]
        '''),
        "sliding_windows": source('''
            import numpy as np
            from numpy.lib.stride_tricks import sliding_window_view

            def conv1d(x, k, mode="full"):
                x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
                if mode not in ("full", "valid", "same"):
                    raise ValueError("unknown mode")
                if k.ndim != 1 or len(k) == 0:
                    raise ValueError("bad kernel")
                if x.ndim == 0 or x.shape[-1] == 0:
                    raise ValueError("empty x")
                n, m = x.shape[-1], len(k)
                if mode == "valid" and m > n:
                    raise ValueError("valid needs m <= n")
                padded = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(m - 1, m - 1)])
                full = sliding_window_view(padded, m, axis=-1) @ k[::-1]
                if mode == "full":
                    return full
                if mode == "valid":
                    return full[..., m - 1:n]
                return full[..., (m - 1) // 2:(m - 1) // 2 + n]
        '''),
        "sparse_matrix": source('''
            import numpy as np
            from scipy import sparse

            def conv1d(x, k, mode="full"):
                x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
                if mode not in ("full", "valid", "same"):
                    raise ValueError("unknown mode")
                if k.ndim != 1 or k.size == 0:
                    raise ValueError("bad kernel")
                if x.ndim == 0 or x.shape[-1] == 0:
                    raise ValueError("empty x")
                n, m = x.shape[-1], k.size
                if mode == "valid" and m > n:
                    raise ValueError("valid needs m <= n")
                K = sparse.diags(list(k), [-j for j in range(m)], shape=(n + m - 1, n), format="csr")
                s = {"full": 0, "valid": m - 1, "same": (m - 1) // 2}[mode]
                length = {"full": n + m - 1, "valid": n - m + 1, "same": n}[mode]
                rows = x.reshape(-1, n)
                return np.asarray((K[s:s + length] @ rows.T).T).reshape(x.shape[:-1] + (length,))
        '''),
        "numpy_convolve_per_row": source(_NUMPY_CONV),
    },
    "corr1d": {
        "scipy_correlate": source('''
            import numpy as np
            from scipy import signal

            def corr1d(x, k, mode="full"):
                x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
                if mode not in ("full", "valid", "same") or k.ndim != 1 or k.size == 0:
                    raise ValueError("bad mode or kernel")
                if x.ndim == 0 or x.shape[-1] == 0:
                    raise ValueError("x is empty")
                if mode == "valid" and k.size > x.shape[-1]:
                    raise ValueError("valid needs m <= n")
                return signal.correlate(x, k.reshape((1,) * (x.ndim - 1) + (-1,)), mode=mode, method="direct")
        '''),
        "taps": source(_TAPS_CORR),
        "conv_of_flipped_kernel": source(_TAPS_CONV) + "\n\n" + source('''
            def corr1d(x, k, mode="full"):
                return conv1d(x, np.asarray(k, dtype=np.float64)[::-1], mode)
        '''),
        "fft_with_conjugate": source('''
            import numpy as np

            def corr1d(x, k, mode="full"):
                x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
                if mode not in ("full", "valid", "same") or k.ndim != 1 or k.size == 0:
                    raise ValueError("bad mode or kernel")
                if x.ndim == 0 or x.shape[-1] == 0:
                    raise ValueError("x is empty")
                n, m = x.shape[-1], k.size
                if mode == "valid" and m > n:
                    raise ValueError("valid needs m <= n")
                size = n + m - 1
                # c[i] = sum_j k[j] x[i + j - (m - 1)]: x shifted by m - 1, times conj(K)
                shifted = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(m - 1, 0)])
                c = np.fft.irfft(np.fft.rfft(shifted, size) * np.conj(np.fft.rfft(k, size)), size)
                s = {"full": 0, "valid": m - 1, "same": (m - 1) // 2}[mode]
                length = {"full": size, "valid": n - m + 1, "same": n}[mode]
                return c[..., s:s + length]
        '''),
    },
    "conv1d_adjoint": {
        "matrix": source(_MATRIX_ADJOINT),
        "scipy_correlate": source(_SCIPY_ADJOINT),
        "start_m_over_2": changed(_SCIPY_ADJOINT, ("start = m - 1 - (m - 1) // 2", "start = m // 2")),
        "scatter_then_full_transpose": source('''
            import numpy as np
            from numpy.lib.stride_tricks import sliding_window_view

            def conv1d_adjoint(y, k, mode="full"):
                """Put y back in the rows of the full output it came from, then apply K_full^T."""
                y, k = np.asarray(y, dtype=np.float64), np.asarray(k, dtype=np.float64)
                m, out = len(k), y.shape[-1]
                n = {"full": out - m + 1, "valid": out + m - 1, "same": out}.get(mode)
                if n is None:
                    raise ValueError("unknown mode")
                if n < 1:
                    raise ValueError("full needs len(y) >= m")
                start = {"full": 0, "valid": m - 1, "same": (m - 1) // 2}[mode]
                z = np.zeros(y.shape[:-1] + (n + m - 1,))
                z[..., start:start + out] = y
                return sliding_window_view(z, m, axis=-1) @ k
        '''),
    },
    "conv_matrix": {
        "loops": source(_LOOP_MATRIX),
        "scipy_toeplitz": source('''
            import numpy as np
            from scipy.linalg import toeplitz

            def conv_matrix(k, n, mode="full"):
                k = np.asarray(k, dtype=np.float64)
                if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n <= 0:
                    raise ValueError("n must be a positive integer")
                if mode not in ("full", "valid", "same"):
                    raise ValueError("unknown mode")
                m = len(k)
                if mode == "valid" and m > n:
                    raise ValueError("valid needs m <= n")
                column = np.concatenate([k, np.zeros(n - 1)])
                row = np.zeros(n)
                row[0] = k[0]
                K = toeplitz(column, row)
                start = {"full": 0, "valid": m - 1, "same": (m - 1) // 2}[mode]
                length = {"full": n + m - 1, "valid": n - m + 1, "same": n}[mode]
                return K[start:start + length]
        '''),
        "shifted_identities": source('''
            import numpy as np

            def conv_matrix(k, n, mode="full"):
                if type(n) is bool or not isinstance(n, (int, np.integer)) or n < 1:
                    raise ValueError("n must be a positive integer")
                k = np.asarray(k, dtype=np.float64)
                m = k.size
                if mode == "valid" and m > n:
                    raise ValueError("valid needs m <= n")
                K = sum(k[j] * np.eye(n + m - 1, n, -j) for j in range(m))
                if mode == "full":
                    return K
                if mode == "valid":
                    return K[m - 1:n]
                if mode == "same":
                    return K[(m - 1) // 2:(m - 1) // 2 + n]
                raise ValueError("unknown mode")
        '''),
    },
    "conv2d": {
        "taps": source(_TAPS_CONV2D),
        "scipy_convolve2d": source(_SCIPY_CONV2D),
        "fft2": source('''
            import numpy as np

            def conv2d(x, k, mode="full"):
                x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
                if mode not in ("full", "valid", "same") or k.ndim != 2 or k.size == 0:
                    raise ValueError("bad mode or kernel")
                (H, W), (p, q) = x.shape[-2:], k.shape
                if mode == "valid" and (p > H or q > W):
                    raise ValueError("valid needs the kernel to fit in the image")
                size = (H + p - 1, W + q - 1)
                f = np.fft.irfft2(np.fft.rfft2(x, size) * np.fft.rfft2(k, size), size)
                if mode == "full":
                    return f
                if mode == "valid":
                    return f[..., p - 1:H, q - 1:W]
                return f[..., (p - 1) // 2:(p - 1) // 2 + H, (q - 1) // 2:(q - 1) // 2 + W]
        '''),
        "rows_of_1d_convolutions": source('''
            import numpy as np
            from scipy import signal

            def conv2d(x, k, mode="full"):
                """Kernel row j1 convolves every image row (SciPy, 1-D); the rows are then shifted by j1."""
                x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
                if mode not in ("full", "valid", "same"):
                    raise ValueError("unknown mode")
                if k.ndim != 2 or 0 in k.shape:
                    raise ValueError("k must be a non-empty 2-D array")
                (H, W), (p, q) = x.shape[-2:], k.shape
                if mode == "valid" and (p > H or q > W):
                    raise ValueError("valid needs p <= H and q <= W")
                f = np.zeros(x.shape[:-2] + (H + p - 1, W + q - 1))
                for j1 in range(p):
                    along_rows = signal.convolve(x, k[j1].reshape((1,) * (x.ndim - 1) + (q,)), mode="full")
                    f[..., j1:j1 + H, :] += along_rows
                r = {"full": (0, H + p - 1), "valid": (p - 1, H), "same": ((p - 1) // 2, (p - 1) // 2 + H)}[mode]
                c = {"full": (0, W + q - 1), "valid": (q - 1, W), "same": ((q - 1) // 2, (q - 1) // 2 + W)}[mode]
                return f[..., r[0]:r[1], c[0]:c[1]]
        '''),
    },
    "cross_correlation_symbolic": {
        "closed_form_plain_symbols": source(_SYMBOLIC_CLOSED),
        "derivative_of_gaussian_correlation": source('''
            import sympy as sp

            def cross_correlation_symbolic():
                """f(s) = -(1/(2a)) d/ds exp(-a s^2); integrate by parts onto g, then d/dt."""
                t, c = sp.symbols("t c", real=True)
                a, b = sp.symbols("a b", positive=True)
                gaussians = sp.sqrt(sp.pi / (a + b)) * sp.exp(-a * b * (t - c) ** 2 / (a + b))
                return sp.diff(gaussians, t) / (2 * a)
        '''),
        "completed_square_fresh_symbols": source(_SYMBOLIC_SQUARE),
    },
}

MISTAKES: dict[str, dict[str, str]] = {
    "conv1d": {
        # correlation: the kernel is not flipped (NumPy's correlate)
        "kernel_not_flipped": changed(_NUMPY_CONV, ('np.convolve(row, k, "full")', 'np.correlate(row, k, "full")'),
                                    ("np.convolve(row, k, mode)", "np.correlate(row, k, mode)")),
        # NumPy's "same" for m > n returns max(n, m) entries
        "numpy_same_with_longer_kernel": changed(_NUMPY_CONV, ('if m > n and mode == "same":', 'if False:')),
        # NumPy's "valid" swaps the operands for m > n instead of raising
        "numpy_valid_with_longer_kernel": changed(_NUMPY_CONV, ('if mode == "valid" and m > n:\n            raise',
                                                              'if False:\n            raise')),
        # "same" starts at m // 2: right for odd m, one off for even m
        "same_starts_at_m_over_2": changed(_TAPS_CONV, ("s = (m - 1) // 2", "s = m // 2")),
        "valid_off_by_one": changed(_TAPS_CONV, ("out[..., m - 1:n]", "out[..., m:n + 1]")),
        "full_one_entry_short": changed(_TAPS_CONV, ("if mode == \"full\":\n            return out",
                                                   "if mode == \"full\":\n            return out[..., :-1]")),
        "unknown_mode_is_full": changed(_TAPS_CONV, ('raise ValueError("unknown mode")', 'mode = "full"')),
        "one_row_only": source('''
            import numpy as np

            def conv1d(x, k, mode="full"):
                x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
                if mode not in ("full", "valid", "same") or k.ndim != 1 or k.size == 0:
                    raise ValueError("bad mode or kernel")
                if x.ndim != 1 or x.size == 0:
                    raise ValueError("x must be a non-empty 1-D array")
                n, m = x.size, k.size
                if mode == "valid" and m > n:
                    raise ValueError("valid needs m <= n")
                full = np.convolve(x, k)
                s = {"full": 0, "valid": m - 1, "same": (m - 1) // 2}[mode]
                length = {"full": n + m - 1, "valid": n - m + 1, "same": n}[mode]
                return full[s:s + length]
        '''),
        # "same" by an FFT of length n: a circular convolution, wrapped at the ends
        "circular_same": changed(_TAPS_CONV, ("        s = (m - 1) // 2\n        return out[..., s:s + n]",
                                            "        s = (m - 1) // 2\n"
                                            "        wrapped = np.fft.irfft(np.fft.rfft(x, n) * np.fft.rfft(k, n), n)\n"
                                            "        return np.roll(wrapped, -s, axis=-1)")),
        "float32": changed(_TAPS_CONV, ("out = np.zeros(x.shape[:-1] + (n + m - 1,))",
                                      "out = np.zeros(x.shape[:-1] + (n + m - 1,), dtype=np.float32)")),
    },
    "corr1d": {
        "convolution_not_correlation": changed(_TAPS_CORR, ("c[..., m - 1 - j:m - 1 - j + n]", "c[..., j:j + n]")),
        # np.correlate(k, x): the operands in the other order give the correlation reversed
        "operands_swapped": source('''
            import numpy as np

            def corr1d(x, k, mode="full"):
                x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
                if mode not in ("full", "valid", "same") or k.ndim != 1 or k.size == 0:
                    raise ValueError("bad mode or kernel")
                if x.ndim == 0 or x.shape[-1] == 0:
                    raise ValueError("x is empty")
                n, m = x.shape[-1], k.size
                if mode == "valid" and m > n:
                    raise ValueError("valid needs m <= n")
                rows = [np.convolve(k, row[::-1], "full") for row in x.reshape(-1, n)]
                c = np.array(rows).reshape(x.shape[:-1] + (n + m - 1,))
                s = {"full": 0, "valid": m - 1, "same": (m - 1) // 2}[mode]
                length = {"full": n + m - 1, "valid": n - m + 1, "same": n}[mode]
                return c[..., s:s + length]
        '''),
        # NumPy's correlate row by row: "same" with m > n has max(n, m) entries
        "numpy_correlate_with_longer_kernel": source('''
            import numpy as np

            def corr1d(x, k, mode="full"):
                x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
                if mode not in ("full", "valid", "same") or k.ndim != 1 or k.size == 0:
                    raise ValueError("bad mode or kernel")
                if x.ndim == 0 or x.shape[-1] == 0:
                    raise ValueError("x is empty")
                if mode == "valid" and k.size > x.shape[-1]:
                    raise ValueError("valid needs m <= n")
                rows = [np.correlate(row, k, mode) for row in x.reshape(-1, x.shape[-1])]
                return np.array(rows).reshape(x.shape[:-1] + (-1,))
        '''),
        # reverses the signal instead of the kernel: right in "full" and "valid", not in "same" for even m
        "flips_the_signal_not_the_kernel": source(_TAPS_CONV) + "\n\n" + source('''
            def corr1d(x, k, mode="full"):
                x = np.asarray(x, dtype=np.float64)
                return conv1d(x[..., ::-1], k, mode)[..., ::-1]
        '''),
        "same_starts_at_m_over_2": changed(_TAPS_CORR, ("s = (m - 1) // 2", "s = m // 2")),
        "scipy_valid_swaps": source('''
            import numpy as np
            from scipy import signal

            def corr1d(x, k, mode="full"):
                x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
                if mode not in ("full", "valid", "same") or k.ndim != 1 or k.size == 0:
                    raise ValueError("bad mode or kernel")
                if x.ndim == 0 or x.shape[-1] == 0:
                    raise ValueError("x is empty")
                return signal.correlate(x, k.reshape((1,) * (x.ndim - 1) + (-1,)), mode=mode)
        '''),
    },
    "conv1d_adjoint": {
        # "same" is self-paired: right for odd m only
        "same_adjoint_is_same_correlation": changed(_SCIPY_ADJOINT, ("start = m - 1 - (m - 1) // 2", "start = (m - 1) // 2")),
        # the adjoint of "full" taken as the "full" correlation, of "valid" as the "valid" one
        "mode_not_swapped": changed(_SCIPY_ADJOINT, ("return c[..., m - 1:out]\n        if mode == \"valid\":\n            return c",
                                                   "return c\n        if mode == \"valid\":\n            return c[..., m - 1:out]")),
        # convolution with the kernel, not correlation: the kernel is not flipped
        "kernel_not_flipped": changed(_SCIPY_ADJOINT, ("signal.correlate(", "signal.convolve(")),
        # the pseudo-inverse is not the transpose
        "inverse_not_transpose": changed(_MATRIX_ADJOINT, ("return y @ K[rows]", "return y @ np.linalg.pinv(K[rows]).T")),
        # K[l - j] instead of K[l + j]: the rows of the matrix taken for its columns
        "transposed_matrix_pattern": changed(_MATRIX_ADJOINT, ("K[l:l + m, l] = k", "K[l:l + m, l] = k[::-1]")),
        "full_with_short_y_does_not_raise": changed(_SCIPY_ADJOINT, ('if mode == "full" and out < m:', 'if False:')),
        # K^T @ y, right for one signal; a batch needs y @ K
        "one_row_only": changed(_MATRIX_ADJOINT, ("return y @ K[rows]", "return K[rows].T @ y")),
    },
    "conv_matrix": {
        "transposed": changed(_LOOP_MATRIX, ("return K\n", "return K.T\n"), ("return K[m - 1:n]", "return K[m - 1:n].T"),
                            ("return K[s:s + n]", "return K[s:s + n].T")),
        "flipped_kernel": changed(_LOOP_MATRIX, ("K[i, l] = k[i - l]", "K[i, l] = k[m - 1 - (i - l)]")),
        "same_starts_at_m_over_2": changed(_LOOP_MATRIX, ("s = (m - 1) // 2", "s = m // 2")),
        # periodic boundaries in "same": the entries that fall off one end come back at the other
        "circulant_same": changed(_LOOP_MATRIX, ("            s = (m - 1) // 2\n            return K[s:s + n]",
                                               "            s = (m - 1) // 2\n"
                                               "            C = np.zeros((n, n))\n"
                                               "            for i in range(n):\n"
                                               "                for l in range(n):\n"
                                               "                    if (i + s - l) % n < m:\n"
                                               "                        C[i, l] = k[(i + s - l) % n]\n"
                                               "            return C")),
        "float_n_accepted": changed(_LOOP_MATRIX, ("if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:",
                                                 "n = int(n)\n        if n < 1:")),
        "numpy_int_rejected": changed(_LOOP_MATRIX, ("not isinstance(n, (int, np.integer))", "not isinstance(n, int)")),
        "range_raises_type_error": changed(_LOOP_MATRIX, ("if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:",
                                                        "if n < 1:")),
    },
    "conv2d": {
        "correlation_not_convolution": changed(_SCIPY_CONV2D, ("signal.convolve2d(", "signal.correlate2d(")),
        "flips_one_axis_only": changed(_TAPS_CONV2D, ("f[..., a:a + H, b:b + W] += k[a, b] * x",
                                                    "f[..., a:a + H, b:b + W] += k[a, q - 1 - b] * x")),
        "transposed_kernel": changed(_TAPS_CONV2D, ("(H, W), (p, q) = x.shape[-2:], k.shape",
                                                  "k = k.T\n        (H, W), (p, q) = x.shape[-2:], k.shape")),
        "same_starts_at_half": changed(_TAPS_CONV2D, ("r, c = (p - 1) // 2, (q - 1) // 2", "r, c = p // 2, q // 2")),
        # SciPy's "valid" raises only when the kernel is larger in one axis, and swaps when in both
        "scipy_valid_swaps": changed(_SCIPY_CONV2D, ('if mode == "valid" and (p > H or q > W):', "if False:")),
        "one_image_only": source('''
            import numpy as np
            from scipy import signal

            def conv2d(x, k, mode="full"):
                x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
                if mode not in ("full", "valid", "same") or k.ndim != 2 or k.size == 0:
                    raise ValueError("bad mode or kernel")
                if mode == "valid" and (k.shape[0] > x.shape[-2] or k.shape[1] > x.shape[-1]):
                    raise ValueError("valid needs the kernel to fit in the image")
                return signal.convolve2d(x, k, mode)
        '''),
    },
    "cross_correlation_symbolic": {
        # the convolution integral f(s) g(t - s): the opposite sign
        "convolution_not_correlation": changed(_SYMBOLIC_SQUARE, ("shift = b * u / (a + b)", "shift = -b * u / (a + b)")),
        # integral f(t + s) g(s) ds: the roles of f and g exchanged
        # integral f(t + s) g(s) ds (r = t + s gives the shift -t - c): the roles of f and g exchanged
        "roles_exchanged": changed(_SYMBOLIC_SQUARE, ("u = t - c", "u = -t - c")),
        "shift_sign_of_c": changed(_SYMBOLIC_CLOSED, ("u = t - c", "u = t + c")),
        "missing_normalisation": changed(_SYMBOLIC_CLOSED, (" * sp.sqrt(sp.pi / (a + b))", "")),
        "exponent_over_a_plus_b_squared": changed(_SYMBOLIC_CLOSED, ("u**2 / (a + b))", "u**2 / (a + b) ** 2)")),
        "symbol_named_x": changed(_SYMBOLIC_CLOSED, ('t, a, b, c = sp.symbols("t a b c")', 't, a, b, c = sp.symbols("x a b c")')),
    },
}


# --- what the contract test (tests/test_checks_contract.py) checks of each entry -----------------

#: For each mistake, a few words of the part it must fail (the part's description).
EXPECTED_FAILED_PART = {
    ("conv1d", "kernel_not_flipped"): '"full" mode',
    ("conv1d", "numpy_same_with_longer_kernel"): "kernels longer than the signal",
    ("conv1d", "numpy_valid_with_longer_kernel"): "raises ValueError",
    ("conv1d", "same_starts_at_m_over_2"): "even m",
    ("conv1d", "valid_off_by_one"): '"valid" mode',
    ("conv1d", "full_one_entry_short"): '"full" mode',
    ("conv1d", "unknown_mode_is_full"): "raises ValueError",
    ("conv1d", "one_row_only"): "batched",
    ("conv1d", "circular_same"): "odd m",
    ("conv1d", "float32"): "float64",
    ("corr1d", "convolution_not_correlation"): '"full" mode',
    ("corr1d", "operands_swapped"): '"full" mode',
    ("corr1d", "numpy_correlate_with_longer_kernel"): "kernels longer than the signal",
    ("corr1d", "flips_the_signal_not_the_kernel"): "even m",
    ("corr1d", "same_starts_at_m_over_2"): "even m",
    ("corr1d", "scipy_valid_swaps"): "raises ValueError",
    ("conv1d_adjoint", "same_adjoint_is_same_correlation"): '"same" with even m',
    ("conv1d_adjoint", "mode_not_swapped"): '"full": C^T y',
    ("conv1d_adjoint", "kernel_not_flipped"): '"full": C^T y',
    ("conv1d_adjoint", "inverse_not_transpose"): '"full": C^T y',
    ("conv1d_adjoint", "transposed_matrix_pattern"): '"valid": C^T y',
    ("conv1d_adjoint", "full_with_short_y_does_not_raise"): "raises ValueError",
    ("conv1d_adjoint", "one_row_only"): "batched",
    ("conv_matrix", "transposed"): '"full": the (n + m - 1, n) matrix',
    ("conv_matrix", "flipped_kernel"): '"full": the (n + m - 1, n) matrix',
    ("conv_matrix", "same_starts_at_m_over_2"): '"same": the (n, n) matrix',
    ("conv_matrix", "circulant_same"): '"same": the (n, n) matrix',
    ("conv_matrix", "float_n_accepted"): "raises ValueError",
    ("conv_matrix", "numpy_int_rejected"): "NumPy integer",
    ("conv_matrix", "range_raises_type_error"): "raises ValueError",
    ("conv2d", "correlation_not_convolution"): '"full" with non-symmetric kernels',
    ("conv2d", "flips_one_axis_only"): '"full" with non-symmetric kernels',
    ("conv2d", "transposed_kernel"): '"full" with non-symmetric kernels',
    ("conv2d", "same_starts_at_half"): '"same" with odd and even kernel sides',
    ("conv2d", "scipy_valid_swaps"): "raises ValueError",
    ("conv2d", "one_image_only"): "batched",
    ("cross_correlation_symbolic", "convolution_not_correlation"): "a != b",
    ("cross_correlation_symbolic", "roles_exchanged"): "a != b",
    ("cross_correlation_symbolic", "shift_sign_of_c"): "a != b",
    ("cross_correlation_symbolic", "missing_normalisation"): "equal widths",
    ("cross_correlation_symbolic", "exponent_over_a_plus_b_squared"): "a != b",
    ("cross_correlation_symbolic", "symbol_named_x"): "equal widths",
}

#: Mistakes that must keep the points of some part: partial credit is per property.
KEEPS_PART = {
    ("conv1d", "numpy_same_with_longer_kernel"): '"same" mode with even m',
    ("conv1d", "same_starts_at_m_over_2"): '"same" mode with odd m',
    ("conv1d", "numpy_valid_with_longer_kernel"): "kernels longer than the signal",
    ("corr1d", "flips_the_signal_not_the_kernel"): '"full" mode',
    ("conv1d_adjoint", "same_adjoint_is_same_correlation"): '"same" with odd m',
    ("conv1d_adjoint", "full_with_short_y_does_not_raise"): '"same" with even m',
    ("conv_matrix", "same_starts_at_m_over_2"): '"full": the (n + m - 1, n) matrix',
    ("conv2d", "scipy_valid_swaps"): "kernels larger than the image",
}

#: (name, mistake, words of the failed part, words its message must contain)
ACTIONABLE_MESSAGES = [
    ("conv1d", "numpy_same_with_longer_kernel", "kernels longer", "the result has shape (9,), expected (5,)"),
    ("conv1d", "numpy_valid_with_longer_kernel", "raises ValueError", '"valid" with n = 5, m = 8: returned a result'),
    ("conv1d", "same_starts_at_m_over_2", "even m", 'm = 4, mode "same": wrong at index'),
    ("conv1d", "float32", "float64", "dtype float32, expected float64"),
    ("conv1d_adjoint", "mode_not_swapped", '"full": C^T y', "expected (12,)"),
    ("conv_matrix", "range_raises_type_error", "raises ValueError", "raised TypeError"),
    ("conv2d", "scipy_valid_swaps", "raises ValueError", "p > H and q > W"),
    ("cross_correlation_symbolic", "symbol_named_x", "equal widths", "use only symbols named t, a, b, c"),
]

#: (name, mistake, words of the AssertionError the released notebook's visible test raises on it)
VISIBLE_TESTS_CATCH = [
    ("conv1d", "kernel_not_flipped", "did you flip the kernel"),
    ("conv1d", "numpy_same_with_longer_kernel", '"same" always has n entries'),
    ("conv1d", "same_starts_at_m_over_2", "for even m = 4"),
    ("corr1d", "convolution_not_correlation", "c[i] = sum_j"),
    ("conv1d_adjoint", "mode_not_swapped", "C^T y must have n = 8 entries"),
    ("conv_matrix", "float_n_accepted", "n = 2.5"),
    ("conv2d", "correlation_not_convolution", "flip the kernel in both axes"),
    ("cross_correlation_symbolic", "convolution_not_correlation", "numerical integration gives"),
]
