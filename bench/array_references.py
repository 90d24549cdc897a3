"""The same computations as scalesweep's kernels, written the way a user would write them in an
afternoon with an array library (numpy, CuPy or jax.numpy): vectorised, double precision,
Newton iterations until every cell has converged, every output the kernel writes.

These are the baselines of bench/run_benchmarks.py, not part of scalesweep. The math follows the
README: the loss-target condition in s = ln w as a log-sum-exp, the budget condition in z.
"""
import math


def law_logs(xp, law):
    E, A, B, a, b = law
    return dict(E=E, A=A, B=B, a=a, b=b, k=1 + 1 / b, ln_a=math.log(a), ln_b=math.log(b),
                ln_ab=math.log(a + b), ln_A=math.log(A), ln_B=math.log(B),
                s0=-math.log1p(b / a), ln_1ms0=-math.log1p(a / b))


def loss_target(xp, law, loss, T, tol=1e-9, max_iter=50):
    """Cheapest (N, D) at each loss target and demand T (FLOP objective), and the Chinchilla model."""
    L = law_logs(xp, law)
    R = loss - L["E"]
    ln_R = xp.log(R)
    Tpos = xp.where(T > 0, T, 1.0)
    ln_btau = L["ln_b"] + xp.log(Tpos / 3) + (ln_R - L["ln_B"]) / L["b"]
    s = xp.minimum(L["s0"], (L["ln_a"] - ln_btau) / L["k"])
    for _ in range(max_iter):
        x1, x2 = L["ln_ab"] + s, ln_btau + L["k"] * s
        e = xp.exp(-xp.abs(x2 - x1))
        p = xp.where(x2 >= x1, 1 / (1 + e), e / (1 + e))
        step = (xp.maximum(x1, x2) + xp.log1p(e) - L["ln_a"]) / (1 + (L["k"] - 1) * p)
        s = s - step
        if float(xp.max(xp.abs(step))) <= tol:
            break
    s = xp.where(T > 0, s, L["s0"])
    ln_N = (L["ln_A"] - ln_R - xp.log1p(-xp.exp(s))) / L["a"]
    ln_D = (L["ln_B"] - ln_R - s) / L["b"]
    N, D = xp.exp(ln_N), xp.exp(ln_D)
    Nc = xp.exp((L["ln_A"] - ln_R - L["ln_1ms0"]) / L["a"])
    Dc = xp.exp((L["ln_B"] - ln_R - L["s0"]) / L["b"])
    return dict(N=N, D=D, cost=6 * N * D + 2 * N * T, chinchilla_N=Nc, chinchilla_D=Dc,
                chinchilla_cost=6 * Nc * Dc + 2 * Nc * T)


def _softplus(xp, z):
    return xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))


def budget(xp, law, C, T, tol=1e-9, max_iter=50):
    """Lowest-loss (N, D) within a lifetime budget C (FLOPs), demand T > 0, and the Chinchilla model."""
    L = law_logs(xp, law)
    a, b = L["a"], L["b"]
    ln_C2T, ln_T3 = xp.log(C / (2 * T)), xp.log(T / 3)
    c = math.log(a * L["A"] / (b * L["B"])) - a * ln_C2T + b * ln_T3
    z = xp.maximum(-c / (1 + b), -c / (a + b))
    for _ in range(max_iter):
        sp = _softplus(xp, z)
        sig = 1 / (1 + xp.exp(-z))
        step = (c + (a + b) * sp - (1 + b) * (sp - z)) / ((a + b) * sig + (1 + b) * (1 - sig))
        z = z - step
        if float(xp.max(xp.abs(step))) <= tol:
            break
    ln_N, ln_D = ln_C2T - _softplus(xp, z), ln_T3 + z
    N, D = xp.exp(ln_N), xp.exp(ln_D)
    G = (a * L["A"] / (b * L["B"])) ** (1 / (a + b))
    Nc, Dc = G * (C / 6) ** (b / (a + b)), (C / 6) ** (a / (a + b)) / G
    loss = lambda n, d: L["E"] + L["A"] * n ** -a + L["B"] * d ** -b
    return dict(N=N, D=D, loss=loss(N, D), chinchilla_N=Nc, chinchilla_D=Dc,
                chinchilla_loss=loss(Nc, Dc))


def dense_loss(xp, law, N, D):
    E, A, B, a, b = law
    return E + A * N[:, None] ** -a + B * D[None, :] ** -b


def dense_cost(xp, N, D, T):
    return 6 * N[None, :, None] * D[None, None, :] + 2 * N[None, :, None] * T[:, None, None]


def jax_loss_target(law):
    """jit-compiled JAX version: the same Newton iteration under lax.while_loop."""
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    L = law_logs(jnp, law)

    @jax.jit
    def solve(loss, T):
        R = loss - L["E"]
        ln_R = jnp.log(R)
        ln_btau = L["ln_b"] + jnp.log(jnp.where(T > 0, T, 1.0) / 3) + (ln_R - L["ln_B"]) / L["b"]
        s0 = jnp.minimum(L["s0"], (L["ln_a"] - ln_btau) / L["k"])

        def body(state):
            s, _, i = state
            x1, x2 = L["ln_ab"] + s, ln_btau + L["k"] * s
            e = jnp.exp(-jnp.abs(x2 - x1))
            p = jnp.where(x2 >= x1, 1 / (1 + e), e / (1 + e))
            step = (jnp.maximum(x1, x2) + jnp.log1p(e) - L["ln_a"]) / (1 + (L["k"] - 1) * p)
            return s - step, jnp.max(jnp.abs(step)), i + 1

        s, _, _ = jax.lax.while_loop(lambda st: (st[1] > 1e-9) & (st[2] < 50), body,
                                     (s0, jnp.inf, 0))
        s = jnp.where(T > 0, s, L["s0"])
        N = jnp.exp((L["ln_A"] - ln_R - jnp.log1p(-jnp.exp(s))) / L["a"])
        D = jnp.exp((L["ln_B"] - ln_R - s) / L["b"])
        Nc = jnp.exp((L["ln_A"] - ln_R - L["ln_1ms0"]) / L["a"])
        Dc = jnp.exp((L["ln_B"] - ln_R - L["s0"]) / L["b"])
        return N, D, 6 * N * D + 2 * N * T, Nc, Dc, 6 * Nc * Dc + 2 * Nc * T

    return solve
