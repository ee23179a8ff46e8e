"""A speed measure kept on purpose: a model's check constraints validated in
one query (decision 0020).

Django validates each CheckConstraint with its own query inside its own
savepoint: three round trips per constraint, so validating a waiver (eleven
checks) takes 33. The importer and every service validate a waiver before
saving it, and the benchmark measured the import at about half the time per
record with this measure (docs/performance.md, "Removed speed measures").

It reaches into Django's internals (Model._get_field_expression_map,
Query(None), the SQL compiler), so it is used only where it pays (the Waiver
model, named in its bases), and its tests
(tests/miao_site/test_check_constraints_in_one_query.py) compare its errors
with Django's own validate_constraints and stop at a Django upgrade until
both are checked again. It reports failures exactly as Django
does (same messages, codes and order); every other kind of constraint is
still validated by Django itself.
"""

import logging
from contextlib import nullcontext

from django.core.exceptions import FieldError, ValidationError
from django.db import DatabaseError, connections, models, router, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, Value
from django.db.models.functions import Coalesce
from django.db.models.sql import Query
from django.db.models.sql.constants import SINGLE

logger = logging.getLogger(__name__)


def check_results(instance, model, constraints, exclude, using) -> dict[int, bool]:
    """{id(constraint): passes} for the check constraints of `model` that can be
    judged with the fields not excluded (as in Django, a condition on an
    excluded field is not checked). A NULL result passes, as in SQL."""
    against = instance._get_field_expression_map(meta=model._meta, exclude=exclude)
    query = Query(None)
    for name, value in against.items():
        if not hasattr(value, "resolve_expression"):
            value = Value(value)
        query.add_annotation(value, name, select=False)
    judged = {}
    for index, constraint in enumerate(constraints):
        condition = Coalesce(
            ExpressionWrapper(Q(constraint.condition), output_field=BooleanField()),
            True,
            output_field=BooleanField(),
        )
        try:
            query.add_annotation(condition, f"_check_{index}")
        except FieldError:  # refers to an excluded field
            continue
        judged[f"_check_{index}"] = id(constraint)
    if not judged:
        return {}
    connection = connections[using]
    savepoint = transaction.atomic(using=using) if connection.in_atomic_block else nullcontext()
    try:
        with savepoint:
            row = query.get_compiler(using=using).execute_sql(SINGLE)
    except DatabaseError as exc:  # Django's own check() lets such a row pass too
        logger.warning("Got a database error checking constraints of %r: %s", instance, exc)
        return dict.fromkeys(judged.values(), True)
    return {
        judged[alias]: bool(passes)
        for alias, passes in zip(query.annotation_select, row, strict=True)
    }


class CheckConstraintsInOneQuery(models.Model):
    """Abstract base: validate_constraints() with one query for all check
    constraints (decision 0020)."""

    class Meta:
        abstract = True

    def validate_constraints(self, exclude=None):
        using = router.db_for_write(self.__class__, instance=self)
        errors = {}
        for model, constraints in self.get_constraints():
            # Exactly CheckConstraint: a subclass may validate differently.
            checks = [c for c in constraints if type(c) is models.CheckConstraint]
            results = check_results(self, model, checks, exclude, using) if checks else {}
            for constraint in constraints:
                try:
                    if id(constraint) in results:
                        if not results[id(constraint)]:
                            raise ValidationError(
                                constraint.get_violation_error_message(),
                                code=constraint.violation_error_code,
                            )
                    elif type(constraint) is not models.CheckConstraint:
                        constraint.validate(model, self, exclude=exclude, using=using)
                except ValidationError as e:
                    # As Model.validate_constraints files its errors.
                    if getattr(e, "code", None) == "unique" and len(constraint.fields) == 1:
                        errors.setdefault(constraint.fields[0], []).append(e)
                    else:
                        errors = e.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
