"""Price-preference arithmetic (FAR 25.106) against the examples in DOMAIN.md."""

from decimal import Decimal

import pytest

from tests.factories import WaiverFactory
from waivers.models import PricePreference, Waiver
from waivers.pricing import (
    DOD_FACTOR,
    LARGE_BUSINESS_FACTOR,
    SMALL_BUSINESS_FACTOR,
    evaluate_price,
    evaluation_factor,
)

L = Decimal("100000")
D = Decimal("125000")


def test_factors():
    assert evaluation_factor(small_business=False) == LARGE_BUSINESS_FACTOR == Decimal("0.20")
    assert evaluation_factor(small_business=True) == SMALL_BUSINESS_FACTOR == Decimal("0.30")
    assert evaluation_factor(small_business=False, dod=True) == DOD_FACTOR == Decimal("0.50")
    assert evaluation_factor(small_business=True, dod=True) == Decimal("0.50")


def test_small_business_domestic_offer_is_reasonable():
    result = evaluate_price(
        lowest_foreign_offer=L,
        lowest_domestic_offer=D,
        factor=evaluation_factor(small_business=True),
    )
    assert result.evaluated_foreign_price == Decimal("130000.00")
    assert result.domestic_is_reasonable is True
    assert result.difference == Decimal("-5000.00")


def test_large_business_domestic_offer_is_unreasonable():
    result = evaluate_price(
        lowest_foreign_offer=L,
        lowest_domestic_offer=D,
        factor=evaluation_factor(small_business=False),
    )
    assert result.evaluated_foreign_price == Decimal("120000.00")
    assert result.domestic_is_reasonable is False
    assert result.difference == Decimal("5000.00")


def test_dod_factor():
    result = evaluate_price(
        lowest_foreign_offer=L,
        lowest_domestic_offer=Decimal("150000.01"),
        factor=evaluation_factor(small_business=False, dod=True),
    )
    assert result.evaluated_foreign_price == Decimal("150000.00")
    assert result.domestic_is_reasonable is False


def test_domestic_offer_equal_to_evaluated_price_is_reasonable():
    result = evaluate_price(
        lowest_foreign_offer=L,
        lowest_domestic_offer=Decimal("120000"),
        factor=LARGE_BUSINESS_FACTOR,
    )
    assert result.domestic_is_reasonable is True
    assert result.difference == 0


def test_evaluated_price_is_rounded_to_cents():
    result = evaluate_price(
        lowest_foreign_offer=Decimal("333.33"),
        lowest_domestic_offer=Decimal("400"),
        factor=LARGE_BUSINESS_FACTOR,
    )
    assert result.evaluated_foreign_price == Decimal("400.00")  # 399.996
    assert result.domestic_is_reasonable is True


@pytest.mark.parametrize(
    ("foreign", "domestic", "factor"),
    [
        (Decimal("-1"), D, LARGE_BUSINESS_FACTOR),
        (L, Decimal("-0.01"), LARGE_BUSINESS_FACTOR),
        (L, D, Decimal("-0.2")),
    ],
)
def test_negative_input_raises(foreign, domestic, factor):
    with pytest.raises(ValueError, match="negative"):
        evaluate_price(lowest_foreign_offer=foreign, lowest_domestic_offer=domestic, factor=factor)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("size", "dod", "evaluated", "reasonable"),
    [
        ("small", False, "130000.00", True),
        ("large", False, "120000.00", False),
        ("large", True, "150000.00", True),
    ],
)
def test_price_preference_row_uses_the_same_function(size, dod, evaluated, reasonable):
    waiver = WaiverFactory(waiver_type=Waiver.Type.UNREASONABLE_COST)
    row = PricePreference.objects.create(
        waiver=waiver,
        lowest_foreign_offer=L,
        lowest_domestic_offer=D,
        domestic_business_size=size,
        is_dod=dod,
    )
    row.refresh_from_db()
    assert row.evaluation.evaluated_foreign_price == Decimal(evaluated)
    assert row.evaluation.domestic_is_reasonable is reasonable
