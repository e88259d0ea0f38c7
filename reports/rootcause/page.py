"""The root-cause ranking on the deviation's page (a section ebr's page shows through its
provider hook): the ranking loads from the API after the page, with a progress indicator."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from ebr.providers import Section

CHARTS = 4  # evidence charts of the best candidates


def section(deviation: Any) -> list[Section]:
    url = reverse("api-ebr-deviation-root-cause", args=[deviation.number])
    return [Section("Root-cause ranking", "reports/rootcause_section.html", {
        "url": f"{url}?series={CHARTS}", "tag": deviation.tag.name if deviation.tag else "",
        "scripts": ["vendor/echarts/echarts.min.js", "js/rootcause.js"],
    }, order=10)]  # fmt: skip
