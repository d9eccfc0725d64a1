"""Customer lifetime value: BG/NBD purchases x Gamma-Gamma spend, discounted (no dbt imports).

Pipeline: orders -> repeat_purchase_summary (frequency, recency, T, monetary_value per customer)
-> fit_bgnbd + fit_gamma_gamma (maximum likelihood; FitResult says whether it converged)
-> probability_alive, expected_purchases, expected_average_value, customer_lifetime_value.

Sources: Fader, Hardie & Lee (2005), '"Counting Your Customers" the Easy Way: An Alternative to
the Pareto/NBD Model', Marketing Science 24(2) (BG/NBD); Fader, Hardie & Lee (2005), "RFM and
CLV: Using Iso-Value Curves for Customer Base Analysis", JMR 42(4), and Fader & Hardie (2013),
"The Gamma-Gamma Model of Monetary Value" (Gamma-Gamma). Each module's docstring has its formulas.
"""

from audience.clv.bgnbd import (
    BgNbdParams,
    FitResult,
    expected_purchases,
    fit_bgnbd,
    probability_alive,
    simulate_bgnbd,
)
from audience.clv.errors import ClvInputError
from audience.clv.gamma_gamma import (
    GammaGammaParams,
    expected_average_value,
    fit_gamma_gamma,
    simulate_gamma_gamma,
)
from audience.clv.summary import repeat_purchase_summary
from audience.clv.value import customer_lifetime_value

__all__ = [
    "BgNbdParams",
    "ClvInputError",
    "FitResult",
    "GammaGammaParams",
    "customer_lifetime_value",
    "expected_average_value",
    "expected_purchases",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "probability_alive",
    "repeat_purchase_summary",
    "simulate_bgnbd",
    "simulate_gamma_gamma",
]
