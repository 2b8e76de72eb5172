"""The customer-facing pages. Thin: read the request, call selectors, render."""

from __future__ import annotations

from dataclasses import replace

from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from midas.bookings.pricing import offered_addons
from midas.bookings.quoting import QuoteRequest, QuoteResult, addon_options, quote_for_page
from midas.bookings.search import AssetSearch, search_assets
from midas.catalog import display_prices, selectors
from midas.core.meta import PageMeta
from midas.core.site import SITE_NAME
from midas.core.urls import absolute_url as absolute
from midas.errors import AppError
from midas.web.calendar import month_view_for
from midas.web.forms import CollectionFilterForm
from midas.web.page_cache import cache_for_anonymous
from midas.web.reviews import asset_reviews

PAGE_SIZE = 12
CURRENCY_COOKIE_SECONDS = 365 * 24 * 3600
COLLECTION_DESCRIPTION = (
    "Exotic cars, superyachts, private jets and villas to rent in Dubai, Washington DC, "
    "Houston, Atlanta, Maryland and Northern Virginia."
)


def has_dates(request: HttpRequest) -> bool:
    """A listing filtered by dates checks availability: always rendered afresh."""
    return bool(request.GET.get("start") or request.GET.get("end"))


def asks_for_quote(request: HttpRequest) -> bool:
    """An asset page that prices and checks the dates asked: always rendered afresh."""
    return QuoteRequest.from_query(request.GET).submitted


@require_GET
@cache_for_anonymous
def home(request: HttpRequest) -> HttpResponse:
    featured = selectors.featured_assets(limit=6)
    categories = selectors.categories_with_covers()
    locations = selectors.locations_with_counts()
    meta = PageMeta(
        title=f"{SITE_NAME} — exotic cars, superyachts, private jets and villas",
        description=(
            "Rent exotic cars, superyachts, private jets and luxury villas in Dubai, "
            "Washington DC, Houston, Atlanta, Maryland and Northern Virginia, with exact "
            "prices up front and a concierge at every step."
        ),
        path=reverse("web:home"),
        image=featured[0].gallery[0].url if featured and featured[0].gallery else "",
    )
    return render(
        request,
        "web/home.html",
        {
            "meta": meta,
            "categories": categories,
            "featured": featured,
            "locations": locations,
            # already loaded: the header and footer need not ask again
            "nav_categories": categories,
            "nav_locations": locations,
        },
    )


@require_GET
@cache_for_anonymous(unless=has_dates)
def collection(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    # read once, before the rows: the catalogue half is kept per version in this process
    version = selectors.request_catalog_version(request)
    listing = selectors.listing_for(version)  # with their makes and the rates
    categories = listing.categories
    locations = selectors.nav_locations_for(version)
    currency = display_prices.choose(request.COOKIES.get(display_prices.COOKIE), listing.rates)
    category = None
    if slug is not None:
        category = next((c for c in categories if c.slug == slug), None)
        if category is None:
            raise Http404("No such category")
    chosen = request.GET.get("category", "")
    if category is None and any(c.slug == chosen for c in categories):
        # /collection/?category=cars&... lives at /collection/cars/?...
        query = request.GET.copy()
        del query["category"]
        target = reverse("web:category", kwargs={"slug": chosen})
        return redirect(f"{target}?{query.urlencode()}" if query else target)
    form = CollectionFilterForm(
        request.GET or None,
        categories=categories,
        locations=locations,
        today=timezone.localdate(),
        category=category,
        currency=currency,
        makes=listing.makes,
    )
    form.is_valid()
    filters = form.filters(category)
    try:
        found = search_assets(filters, version=version)
    except AppError as exc:  # dates the form let through but the calendar cannot read
        form.add_error(None, exc.message)
        filters = replace(filters, start=None, end=None)
        found = search_assets(filters, version=version)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    category = filters.category
    where = f" in {filters.location.city}" if filters.location else ""
    meta = PageMeta(
        title=f"{category.name if category else 'The collection'}{where}",
        description=(category and (category.tagline or category.description[:150]))
        or COLLECTION_DESCRIPTION,
        path=request.path,
    )
    return render(
        request,
        "web/collection.html",
        {
            "meta": meta,
            "category": category,
            "form": form,
            "filters": filters,
            "page": page,
            "card_query": card_query(filters),
            "nav_categories": categories,
            "nav_locations": locations,
            "currency": currency,
            "currencies": sorted(listing.rates),
            "catalog_version": version,  # the cards' fragments are kept per version
            "listing_key": listing_key(request, currency, form, page),
        },
    )


def listing_key(
    request: HttpRequest, currency: str, form: CollectionFilterForm, page: Page
) -> tuple[object, ...]:
    """Everything the listing's body shows besides the catalogue (whose version keys the
    rest): the address asked (path, filters, page), the display currency, the form's
    fields and errors (its ``render_key``: today's earliest day too), and what the search
    found, read live on this request: the ids shown, how many in all. Two requests with the
    same key under one version write the same body (``{% kept "listing" %}``)."""
    shown = tuple(asset.pk for asset in page.object_list)
    return (request.get_full_path(), currency, form.render_key, shown, page.paginator.count)


@require_GET
def display_currency(request: HttpRequest) -> HttpResponse:
    """Remember the display currency chosen (a cookie; prices only: charges stay in the
    location's currency) and go back to the page it was chosen on."""
    back = request.GET.get("next") or reverse("web:collection")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("web:collection")
    response = redirect(back)
    rates = display_prices.display_rates()
    chosen = (request.GET.get("currency") or "").strip().upper()
    if chosen in rates:
        response.set_cookie(
            display_prices.COOKIE,
            chosen,
            max_age=CURRENCY_COOKIE_SECONDS,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def card_query(filters: AssetSearch) -> str:
    """The query string a card links with, so the asset page quotes the chosen dates."""
    query = QueryDict(mutable=True)
    if filters.has_dates:
        query["start"] = f"{filters.start:%Y-%m-%d}"
        query["end"] = f"{filters.end:%Y-%m-%d}"
    if filters.location:
        query["location"] = filters.location.slug
    return f"?{query.urlencode()}#quote" if query else ""


@require_GET
@cache_for_anonymous(unless=asks_for_quote)
def asset(request: HttpRequest, slug: str) -> HttpResponse:
    # staff may preview an asset that is not live (from its admin page); customers get 404
    # both versions, read before the rows they key (the page cache may have read them)
    versions = selectors.request_page_versions(request)
    version = versions[0]
    currency = display_prices.chosen(request.COOKIES.get(display_prices.COOKIE))
    if request.user.is_staff:
        item = selectors.asset_for_page(slug, include_inactive=True, currency=currency)
    else:
        item = selectors.asset_for_page_for(version, slug, currency=currency)
    if item is None:
        raise Http404("No such asset")
    now = timezone.now()
    served = selectors.served_locations(item)
    addons = addon_options(item, offered_addons(item))
    result = quote_for_page(item, QuoteRequest.from_query(request.GET), served, now)
    images = item.gallery  # the photos, cover first, or else the drawings
    meta = PageMeta(
        title=f"{item.name} · {item.category.singular} in {item.home_location.city}",
        description=(item.summary or item.description[:150] or item.name),
        path=item.get_absolute_url(),
        image=images[0].url if images else "",
        image_alt=images[0].alt if images else "",
        kind="product",
    )
    response = render(
        request,
        "web/asset.html",
        {
            "meta": meta,
            "asset": item,
            "images": images,
            "served": served,
            "addons": addons,
            "result": result,
            "month": month_view_for(
                versions, item, request.GET.get("month") or quoted_month(result), now
            ),
            "related": selectors.related_for(version, item),
            "catalog_version": version,  # the related cards are kept per version
            **asset_reviews(request, item, absolute(images[0].url) if images else ""),
        },
    )
    if not item.is_active:  # a staff preview: never stored, never indexed
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex"
    return response


def quoted_month(result: QuoteResult) -> str | None:
    """The calendar opens on the month of a quoted start."""
    if result.quote is None:
        return None
    return f"{result.quote.start.astimezone(result.quote.asset.home_location.tz):%Y-%m}"


PAGES = {
    "about": (
        "About Midas",
        "Midas The Lifestyle keeps a private collection of exotic cars, superyachts, jets "
        "and villas, delivered with a concierge's care in six cities.",
    ),
    "contact": (
        "Contact the concierge",
        "Reach the Midas concierge by phone, email or WhatsApp, any hour of any day, in "
        "Dubai and across the Washington DC region, Houston and Atlanta.",
    ),
    "faq": (
        "Questions and answers",
        "How booking, prices, deposits, delivery, insurance and cancellations work at "
        "Midas The Lifestyle.",
    ),
    "terms": (
        "Rental terms",
        "The terms that apply to every Midas rental: eligibility, deposits, payment, "
        "cancellation, use and care.",
    ),
}


@require_GET
@cache_for_anonymous
def page(request: HttpRequest, name: str) -> HttpResponse:
    title, description = PAGES[name]
    meta = PageMeta(title=title, description=description, path=request.path)
    return render(request, f"web/{name}.html", {"meta": meta})


@require_GET
def robots(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        "",
        f"Sitemap: {absolute(reverse('web:sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
