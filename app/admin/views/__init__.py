"""Admin pages: categories (with their questions), departments, routing rules (with the
"test this rule" box), users and response templates – one module each, on the one ``admin``
blueprint (``app.admin.blueprint``).

Thin views: the form checks the shape of what was entered → one service of the feature that
owns the data → commit once → redirect; a refused change shows the form again with a message
next to each field (422, or 409 for conflicts).
"""

from app.admin.blueprint import bp
from app.admin.views import (  # noqa: F401 - importing a module registers its pages
    categories,
    departments,
    overview,
    response_templates,
    rule_test,
    rules,
    users,
)

__all__ = ["bp"]
