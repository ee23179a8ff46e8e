"""Price-preference arithmetic for civilian supplies (FAR 25.106), DOMAIN.md.

E = L × (1 + f), where L is the lowest foreign offer including duty and f the
evaluation factor: 0.20 when the lowest domestic offer is from a large
business, 0.30 from a small business, 0.50 for DoD (DFARS). The domestic
price D is reasonable when D ≤ E; above E it is an unreasonable cost.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

LARGE_BUSINESS_FACTOR = Decimal("0.20")
SMALL_BUSINESS_FACTOR = Decimal("0.30")
DOD_FACTOR = Decimal("0.50")
CENT = Decimal("0.01")


def evaluation_factor(*, small_business: bool, dod: bool = False) -> Decimal:
    if dod:
        return DOD_FACTOR
    return SMALL_BUSINESS_FACTOR if small_business else LARGE_BUSINESS_FACTOR


@dataclass(frozen=True)
class PriceEvaluation:
    lowest_foreign_offer: Decimal
    lowest_domestic_offer: Decimal
    factor: Decimal
    evaluated_foreign_price: Decimal
    domestic_is_reasonable: bool

    @property
    def difference(self) -> Decimal:
        """How far the domestic offer is below (negative) or above E."""
        return self.lowest_domestic_offer - self.evaluated_foreign_price


def evaluate_price(
    *, lowest_foreign_offer: Decimal, lowest_domestic_offer: Decimal, factor: Decimal
) -> PriceEvaluation:
    """Evaluate the domestic offer against the foreign offer plus the preference."""
    if lowest_foreign_offer < 0 or lowest_domestic_offer < 0:
        raise ValueError("Offers cannot be negative.")
    if factor < 0:
        raise ValueError("The evaluation factor cannot be negative.")
    evaluated = (lowest_foreign_offer * (1 + factor)).quantize(CENT, rounding=ROUND_HALF_UP)
    return PriceEvaluation(
        lowest_foreign_offer=lowest_foreign_offer,
        lowest_domestic_offer=lowest_domestic_offer,
        factor=factor,
        evaluated_foreign_price=evaluated,
        domestic_is_reasonable=lowest_domestic_offer <= evaluated,
    )
