"""The list of a partnership's agreements and medborgarlöften, under /samverkan/<slug>/loften/ (namespace loften),
and what the pages of the agreement (lofte.promises.agreement.views) and of the löften (lofte.promises.lofte.views)
share: the form page's template, the way back to the list, and stored files served to members only.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from lofte.partnerships.access import PartnershipAccess, get_partnership_for_user
from lofte.promises.models import Agreement, Medborgarlofte

# The page of one form (lofte.lib.views.form_page) with its title, intro, breadcrumbs and submit button.
FORM = "promises/form.html"
Crumbs = list[tuple[str, str]]


@login_required
def index(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug)
    agreements = list(
        Agreement.objects.filter(partnership=access.partnership).annotate(signatory_count=Count("signatories"))
    )
    loften = Medborgarlofte.objects.filter(agreement__partnership=access.partnership).select_related("agreement")
    context = {
        "access": access,
        "partnership": access.partnership,
        "agreements": [(agreement, agreement.completeness()) for agreement in agreements],
        "loften": list(loften.order_by("-year_from", "-id")),
    }
    return render(request, "promises/index.html", context)


def index_crumbs(access: PartnershipAccess) -> Crumbs:
    """The way back to the list, first in every page's breadcrumbs."""
    return [(reverse("loften:index", args=[access.partnership.slug]), _("Medborgarlöften"))]


def stored_file(field: Any, name: str, content_type: str | None = None) -> FileResponse:
    """A stored file for a member to download; 404 when it is missing from the storage."""
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404("The file is missing") from missing
    response = FileResponse(handle, as_attachment=True, filename=name)
    if content_type:
        response["Content-Type"] = content_type
    return response
