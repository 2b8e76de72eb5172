from django.contrib.sitemaps.views import sitemap
from django.urls import path

from midas.web import contact, views
from midas.web.page_cache import cache_for_anonymous
from midas.web.sitemaps import SITEMAPS

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("collection/", views.collection, name="collection"),
    path("collection/<slug:slug>/", views.collection, name="category"),
    path("assets/<slug:slug>/", views.asset, name="asset"),
    path("currency/", views.display_currency, name="display_currency"),
    path("about/", views.page, {"name": "about"}, name="about"),
    path("contact/", contact.contact, name="contact"),
    path("faq/", views.page, {"name": "faq"}, name="faq"),
    path("terms/", views.page, {"name": "terms"}, name="terms"),
    path("sitemap.xml", cache_for_anonymous(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots, name="robots"),
]
