"""The fit result and the optimizer shared by the BG/NBD and Gamma-Gamma fits.

Both models are fitted on log-parameters (so every parameter stays positive) by minimizing

    objective(theta) = -sum_i w_i loglik_i(exp(theta)) / sum_i w_i + penalizer * sum_k theta_k**2

where theta are the log-parameters and w_i the customer weights (1 unless given),

i.e. the mean negative log-likelihood per customer plus an L2 penalty on the log-parameters (it
shrinks every parameter towards 1 and does not depend on the number of customers). Each log
parameter is bounded to [-ln 1e8, ln 1e8].

L-BFGS-B (with the analytic gradient) runs first; if it does not end at a point where the gradient
is below GRADIENT_TOLERANCE, Nelder-Mead continues from the better of its end point and the start.
Whatever the optimizers' own stopping messages say (they are all in ``message``), the fit is
reported as converged only if the log-likelihood is finite, the gradient of the objective is below
GRADIENT_TOLERANCE and no parameter sits on its bound (a parameter on its bound means the
likelihood keeps increasing as it goes to 0 or infinity: the maximum-likelihood estimate does not
exist for these data, and a penalizer > 0 is the usual cure).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize

from audience.clv.errors import ClvInputError

LOG_BOUND = float(np.log(1e8))
# Largest |d objective / d log_param| accepted at the optimum. The objective is a mean per
# customer, so this does not depend on the number of customers.
GRADIENT_TOLERANCE = 1e-5
DEFAULT_MAXITER = 1000


@dataclass(frozen=True)
class FitResult:
    """A fitted model.

    params: the estimates (BgNbdParams or GammaGammaParams).
    log_likelihood: total log-likelihood of the customers used, at ``params``, without the
        penalty (sum over customers, weighted when weights were given).
    converged: True only if the log-likelihood is finite, the gradient of the objective is below
        GRADIENT_TOLERANCE and no parameter is on its bound; ``message`` says what happened
        (starting with "converged" or "NOT converged", then each optimizer's stopping reason).
    iterations: optimizer iterations (L-BFGS-B plus Nelder-Mead when it ran).
    customers: customers the likelihood was computed on (for Gamma-Gamma: the repeat buyers).
    penalizer: the L2 penalizer on the log-parameters that was used.
    """

    params: Any
    log_likelihood: float
    converged: bool
    message: str
    iterations: int
    customers: int
    penalizer: float


Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]


def _safe(objective: Objective) -> Objective:
    def wrapped(theta: np.ndarray) -> tuple[float, np.ndarray]:
        with np.errstate(all="ignore"):
            value, gradient = objective(theta)
        if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
            return np.inf, np.zeros_like(theta)
        return float(value), gradient

    return wrapped


def dot(left: np.ndarray, right: np.ndarray) -> float:
    """Inner product without BLAS: on a busy machine BLAS threads stall (100x slower here)."""
    return float(np.einsum("i,i->", left, right))


def minimize_log_params(
    objective: Objective, start: np.ndarray, names: Sequence[str], maxiter: int
) -> tuple[np.ndarray, bool, str, int]:
    """Minimize ``objective`` (value and gradient) over log-parameters.

    Returns the log-parameters, whether the fit converged, a message and the iteration count.
    """
    if int(maxiter) < 1:
        raise ClvInputError(f"maxiter must be at least 1, got {maxiter!r}")
    objective = _safe(objective)
    start = np.clip(np.asarray(start, dtype=float), -LOG_BOUND, LOG_BOUND)
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    first = _lbfgsb(objective, start, bounds, maxiter)
    best, best_value, iterations = first.x, first.fun, first.nit
    notes = [f"L-BFGS-B: {_text(first.message)} after {first.nit} iteration(s)"]
    # L-BFGS-B's line search often gives up at the optimum when the objective can no longer be
    # improved in floating point; a small gradient then means the job is done.
    if not (np.isfinite(best_value) and _largest_gradient(objective, best) <= GRADIENT_TOLERANCE):
        best, best_value, nit, note = _continue_with_nelder_mead(
            objective, start, best, best_value, bounds, maxiter
        )
        notes.append(note)
        iterations += nit
    converged, checks = _convergence_checks(objective, best, best_value, names)
    notes += checks
    verdict = "converged" if converged else "NOT converged"
    return best, converged, f"{verdict}: " + "; ".join(notes), int(iterations)


def _largest_gradient(objective: Objective, theta: np.ndarray) -> float:
    """Largest |gradient| over the parameters not on their bound."""
    free = np.abs(theta) < LOG_BOUND - 1e-6
    return float(np.max(np.abs(objective(theta)[1][free]), initial=0.0))


def _lbfgsb(objective: Objective, start: np.ndarray, bounds: list, maxiter: int):
    return minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": int(maxiter), "ftol": 1e-14, "gtol": 1e-9},
    )


def _continue_with_nelder_mead(
    objective: Objective,
    start: np.ndarray,
    best: np.ndarray,
    best_value: float,
    bounds: list,
    maxiter: int,
) -> tuple[np.ndarray, float, int, str]:
    """Nelder-Mead from the better of L-BFGS-B's end point and the start; returns the best
    point and value so far, Nelder-Mead's iterations and its note."""
    if not np.isfinite(best_value) or objective(start)[0] < best_value:
        best = start
    second = minimize(
        lambda theta: objective(theta)[0],
        best,
        method="Nelder-Mead",
        bounds=bounds,
        options={"maxiter": int(maxiter), "xatol": 1e-9, "fatol": 1e-14, "adaptive": True},
    )
    note = f"Nelder-Mead: {_text(second.message)} after {second.nit} iteration(s)"
    if second.fun <= best_value or not np.isfinite(best_value):
        best, best_value = second.x, second.fun
    return best, best_value, second.nit, note


def _convergence_checks(
    objective: Objective, best: np.ndarray, best_value: float, names: Sequence[str]
) -> tuple[bool, list[str]]:
    """Converged only with a finite log-likelihood, no parameter on its bound and a gradient
    below GRADIENT_TOLERANCE; the notes say which check failed (or the final gradient)."""
    notes = []
    converged = bool(np.isfinite(best_value))
    if not converged:
        notes.append("the log-likelihood is not finite")
    on_bound = np.abs(best) >= LOG_BOUND - 1e-6
    if on_bound.any():
        converged = False
        listed = ", ".join(
            f"{name}={np.exp(value):.3g}"
            for name, value, hit in zip(names, best, on_bound, strict=True)
            if hit
        )
        notes.append(
            f"parameter(s) on the bound [1e-8, 1e8]: {listed} (the likelihood keeps improving "
            "towards 0 or infinity; try a penalizer > 0)"
        )
    if converged:
        largest = _largest_gradient(objective, best)
        if largest > GRADIENT_TOLERANCE:
            converged = False
            notes.append(f"gradient still {largest:.2g} (tolerance {GRADIENT_TOLERANCE:g})")
        else:
            notes.append(f"max |gradient| {largest:.2g}")
    return converged, notes


def _text(message: Any) -> str:
    return message.decode() if isinstance(message, bytes) else str(message)
