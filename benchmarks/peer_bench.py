"""A peer to compare Midas with: a plain Django shop, generated in a temporary folder, serving
a product listing of the same size as Midas's demo collection (49 products), on the same
machine, the same server (gunicorn gthread) and the same load generator.

    .venv/bin/python benchmarks/peer_bench.py                  # 1, 16 connections, 10 s each
    .venv/bin/python benchmarks/peer_bench.py --quick          # 3 s each

The peer is what a Django developer writes first: one model, ``Product.objects.filter(...)``
in a view, a base template with header, nav and footer, one card per product with
``{% url %}`` links and ``floatformat`` prices, SQLite, ``DEBUG=False``. It prints requests/s
and p50/p95/p99 of its listing and of its own bare view (the ceiling, as in
``http_bench.py``); compare the listing's share of the ceiling with Midas's category listing
from ``http_bench.py`` run just before or after, at a similar load. Any other Django shop
can be measured the same way: ``--url`` drives an already running site instead.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.http_bench import (  # noqa: E402
    HOST,
    Measure,
    free_port,
    print_table,
    run_python,
    run_wrk,
    stop,
    wait_until_up,
)

PRODUCTS = 49  # the size of Midas's demo collection

FILES = {
    "peershop/__init__.py": "",
    "peershop/settings.py": """
from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "peer-bench-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth",
                  "django.contrib.sessions", "django.contrib.messages", "shop"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peershop.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates",
              "DIRS": [], "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                          "django.contrib.auth.context_processors.auth",
                          "django.contrib.messages.context_processors.messages"]}}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": BASE_DIR / "db.sqlite3", "CONN_MAX_AGE": 600}}
USE_TZ = True
STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
""",
    "peershop/urls.py": """
from django.http import HttpResponse
from django.urls import path
from shop import views
urlpatterns = [
    path("", views.listing, name="home"),
    path("products/<slug:slug>/", views.detail, name="detail"),
    path("bench/ceiling/", lambda request: HttpResponse(b"ok\\n"), name="ceiling"),
]
""",
    "peershop/wsgi.py": """
import os
from django.core.wsgi import get_wsgi_application
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peershop.settings")
application = get_wsgi_application()
""",
    "shop/__init__.py": "",
    "shop/models.py": """
from django.db import models
class Product(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(unique=True)
    category = models.CharField(max_length=40, db_index=True)
    city = models.CharField(max_length=40)
    summary = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    image_url = models.CharField(max_length=200)
    class Meta:
        ordering = ["name"]
""",
    "shop/views.py": """
from django.shortcuts import get_object_or_404, render
from shop.models import Product
def listing(request):
    products = Product.objects.all()
    if request.GET.get("category"):
        products = products.filter(category=request.GET["category"])
    return render(request, "shop/listing.html", {"products": products})
def detail(request, slug):
    return render(request, "shop/detail.html", {"product": get_object_or_404(Product, slug=slug)})
""",
    "shop/templates/shop/base.html": """<!doctype html><html lang="en"><head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}Peer shop{% endblock %}</title></head><body>
<header><a href="{% url 'home' %}">Peer shop</a><nav>
<a href="{% url 'home' %}?category=cars">Cars</a>
<a href="{% url 'home' %}?category=yachts">Yachts</a>
<a href="{% url 'home' %}?category=jets">Jets</a>
<a href="{% url 'home' %}?category=villas">Villas</a>
</nav></header><main>{% block content %}{% endblock %}</main>
<footer><p>&copy; Peer shop</p><a href="{% url 'home' %}">Home</a></footer></body></html>
""",
    "shop/templates/shop/listing.html": """{% extends "shop/base.html" %}{% block content %}
<h1>Our collection</h1><form method="get"><label>Category
<select name="category"><option value="">All</option><option>cars</option>
<option>yachts</option><option>jets</option><option>villas</option></select></label>
<button>Search</button></form><ul class="cards">
{% for p in products %}<li class="card"><a href="{% url 'detail' p.slug %}">
<img src="{{ p.image_url }}" alt="{{ p.name }}" width="400" height="300" loading="lazy">
<h2>{{ p.name }}</h2></a><p>{{ p.summary }}</p><p>{{ p.city|title }} &middot;
from {{ p.price|floatformat:"0g" }} per day</p></li>
{% empty %}<li>Nothing matches.</li>{% endfor %}</ul>{% endblock %}
""",
    "shop/templates/shop/detail.html": """{% extends "shop/base.html" %}{% block content %}
<h1>{{ product.name }}</h1><p>{{ product.summary }}</p>{% endblock %}
""",
}

SEED = """
import django, random
django.setup()
from django.core.management import call_command
from shop.models import Product
call_command("makemigrations", "shop", verbosity=0)
call_command("migrate", verbosity=0)
rng = random.Random(7)
cats = ["cars", "yachts", "jets", "villas"]
cities = ["dubai", "miami", "monaco", "london", "new-york", "ibiza"]
Product.objects.bulk_create(
    Product(name=f"Product {i:02d}", slug=f"product-{i}", category=cats[i % 4],
            city=cities[i % 6], summary="A fine thing to rent for a day or a week. " * 2,
            price=rng.randint(500, 90000), image_url=f"/static/p{i}.jpg")
    for i in range({n}))
"""


def build(folder: Path) -> dict[str, str]:
    for name, text in FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip("\n"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MIDAS", "DATABASE_URL"))}
    env.update(DJANGO_SETTINGS_MODULE="peershop.settings", PYTHONPATH=str(folder))
    subprocess.run(
        [sys.executable, "-c", SEED.replace("{n}", str(PRODUCTS))],
        cwd=folder,
        env=env,
        check=True,
        timeout=300,
    )
    return env


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", default="1,16", help="comma-separated (1,16)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measure")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--url", help="an already running shop's page to drive instead")
    parser.add_argument("--quick", action="store_true", help="3 s per measure")
    parser.add_argument("--python-load", action="store_true", help="not wrk")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration = 3.0
    wrk = None if args.python_load else shutil.which("wrk")
    folder = Path(tempfile.mkdtemp(prefix="midas-peer-bench-"))
    server = None
    try:
        if args.url:
            pages = [{"name": "page", "method": "GET", "url": args.url}]
        else:
            env = build(folder)
            port = free_port()
            base = f"http://{HOST}:{port}"
            command = [
                sys.executable, "-m", "gunicorn", "peershop.wsgi", "-b", f"{HOST}:{port}",
                "-k", "gthread", "-w", str(args.workers), "--threads", str(args.threads),
                "--preload", "--log-level", "warning",
            ]  # fmt: skip
            log = folder / "server.log"
            with log.open("wb") as log_file:
                server = subprocess.Popen(
                    command, cwd=folder, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            wait_until_up(base + "/bench/ceiling/", server, log)
            pages = [
                {"name": "peer ceiling", "method": "GET", "url": base + "/bench/ceiling/"},
                {"name": "peer listing", "method": "GET", "url": base + "/"},
                {"name": "peer listing cars", "method": "GET", "url": base + "/?category=cars"},
            ]
        measures: list[Measure] = []
        for connections in [int(c) for c in args.connections.split(",")]:
            ceiling = None
            for page in pages:
                if wrk:
                    run_wrk(wrk, page["url"], page, min(connections, 8), 1, folder)
                    m = run_wrk(wrk, page["url"], page, connections, args.duration, folder)
                else:
                    run_python(page["url"], page, min(connections, 8), 1)
                    m = run_python(page["url"], page, connections, args.duration)
                m.load_avg = round(os.getloadavg()[0], 2)
                if page["name"] == "peer ceiling":
                    ceiling = m.rps
                if ceiling:
                    m.ratio_to_ceiling = round(m.rps / ceiling, 3)
                measures.append(m)
        print_table(measures)
        return 0
    finally:
        stop(server)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
