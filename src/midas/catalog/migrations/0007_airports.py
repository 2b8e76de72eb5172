"""The airports jets fly from and to: those of the six Midas cities and the usual private
aviation destinations beyond (IATA code, name, city, country, position, time zone, city)."""

from decimal import Decimal

from django.db import migrations

# iata, name, city, country, latitude, longitude, time zone, Midas location slug
AIRPORTS = (
    ("DXB", "Dubai International", "Dubai", "AE", "25.252778", "55.364444", "Asia/Dubai", "dubai"),
    (
        "DWC",
        "Al Maktoum International (Dubai World Central)",
        "Dubai",
        "AE",
        "24.896356",
        "55.161389",
        "Asia/Dubai",
        "dubai",
    ),
    ("AUH", "Zayed International", "Abu Dhabi", "AE", "24.433000", "54.651111", "Asia/Dubai", ""),
    ("DOH", "Hamad International", "Doha", "QA", "25.273056", "51.608056", "Asia/Qatar", ""),
    (
        "DCA",
        "Ronald Reagan Washington National",
        "Washington",
        "US",
        "38.852083",
        "-77.037722",
        "America/New_York",
        "washington-dc",
    ),
    (
        "IAD",
        "Washington Dulles International",
        "Washington",
        "US",
        "38.944533",
        "-77.455811",
        "America/New_York",
        "northern-virginia",
    ),
    (
        "BWI",
        "Baltimore/Washington International",
        "Baltimore",
        "US",
        "39.175361",
        "-76.668333",
        "America/New_York",
        "maryland",
    ),
    (
        "IAH",
        "George Bush Intercontinental",
        "Houston",
        "US",
        "29.984433",
        "-95.341442",
        "America/Chicago",
        "houston",
    ),
    (
        "HOU",
        "William P. Hobby",
        "Houston",
        "US",
        "29.645419",
        "-95.278889",
        "America/Chicago",
        "houston",
    ),
    (
        "ATL",
        "Hartsfield-Jackson Atlanta International",
        "Atlanta",
        "US",
        "33.636719",
        "-84.428067",
        "America/New_York",
        "atlanta",
    ),
    (
        "PDK",
        "DeKalb-Peachtree",
        "Atlanta",
        "US",
        "33.875611",
        "-84.302139",
        "America/New_York",
        "atlanta",
    ),
    ("TEB", "Teterboro", "New York", "US", "40.850103", "-74.060837", "America/New_York", ""),
    (
        "JFK",
        "John F. Kennedy International",
        "New York",
        "US",
        "40.639751",
        "-73.778925",
        "America/New_York",
        "",
    ),
    (
        "MIA",
        "Miami International",
        "Miami",
        "US",
        "25.793250",
        "-80.290556",
        "America/New_York",
        "",
    ),
    (
        "LAS",
        "Harry Reid International",
        "Las Vegas",
        "US",
        "36.080000",
        "-115.152222",
        "America/Los_Angeles",
        "",
    ),
    (
        "LAX",
        "Los Angeles International",
        "Los Angeles",
        "US",
        "33.942500",
        "-118.408056",
        "America/Los_Angeles",
        "",
    ),
    ("ASE", "Aspen/Pitkin County", "Aspen", "US", "39.223167", "-106.868833", "America/Denver", ""),
    ("LHR", "Heathrow", "London", "GB", "51.477500", "-0.461389", "Europe/London", ""),
    ("LTN", "Luton", "London", "GB", "51.874722", "-0.368333", "Europe/London", ""),
    ("LBG", "Paris-Le Bourget", "Paris", "FR", "48.969444", "2.441389", "Europe/Paris", ""),
    ("NCE", "Nice Côte d'Azur", "Nice", "FR", "43.658411", "7.215872", "Europe/Paris", ""),
    ("GVA", "Geneva", "Geneva", "CH", "46.238064", "6.108950", "Europe/Zurich", ""),
    ("MLE", "Velana International", "Malé", "MV", "4.191833", "73.529128", "Indian/Maldives", ""),
    ("HND", "Haneda", "Tokyo", "JP", "35.552258", "139.779694", "Asia/Tokyo", ""),
)


def add_airports(apps, schema_editor):
    Airport = apps.get_model("catalog", "Airport")
    Location = apps.get_model("catalog", "Location")
    locations = {loc.slug: loc for loc in Location.objects.all()}
    for iata, name, city, country, lat, lon, tz, slug in AIRPORTS:
        Airport.objects.update_or_create(
            iata=iata,
            defaults={
                "name": name,
                "city": city,
                "country": country,
                "latitude": Decimal(lat),
                "longitude": Decimal(lon),
                "timezone": tz,
                "location": locations.get(slug),
            },
        )


def remove_airports(apps, schema_editor):
    Airport = apps.get_model("catalog", "Airport")
    Airport.objects.filter(iata__in=[row[0] for row in AIRPORTS], jets__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_airports_jets_discounts_tiers")]

    operations = [migrations.RunPython(add_airports, remove_airports)]
