"""A speed measure kept on purpose (decision 0020): a FilterSet's form class
built once per FilterSet class instead of once per request.

django-filter builds a new form class, with new fields, every time a
FilterSet is created; `FilterSet.get_form_class()` is its documented place
to change that. The waiver FilterSets' forms depend only on their declared
filters, so each class keeps the first form class it builds. Every form is
still a new instance with its own copies of the fields (Django copies a
form's fields for each instance, an agency field getting a fresh queryset),
so nothing of one request reaches the next.

Measured in docs/performance.md, "Removed speed measures: before and after":
without it, the API's filtered list paid more than 10 % of its p95.
"""


class FormClassBuiltOnce:
    """FilterSet mixin: get_form_class() builds the form class once per class."""

    def get_form_class(self):
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            type(self)._form_class = form_class  # per class: subclasses build their own
        return form_class
