"""Historian pages: the tag browser and the trend viewer."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin

from core.decorators import capability_required
from historian import selectors


@capability_required("historian.view_process_data")
def tag_browser(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("search", "").strip()
    equipment = request.GET.get("equipment", "").strip()
    tags = list(selectors.tag_list(search=search, equipment=equipment)[:500])
    current = selectors.latest_values(tags)
    return render(
        request,
        "historian/tag_browser.html",
        {
            "rows": [(tag, current.get(tag.pk)) for tag in tags],
            "equipment": selectors.equipment_tree(),
            "search": search,
            "selected_equipment": equipment,
        },
    )


@xframe_options_sameorigin  # a batch's page shows its CPP trends in a frame (`embed=1`)
@capability_required("historian.view_process_data")
def trend(request: HttpRequest) -> HttpResponse:
    context = selectors.trend_request(request.GET)
    context["displays"] = [selectors.display_json(d) for d in selectors.displays_of(request.user)]
    if request.GET.get("embed") == "1":
        context.update(layout="embed.html", embed=True)
    if request.GET.get("shade"):  # spans the opening page shades (trend.js), named in the key
        context["shaded"] = request.GET.get("shade_label", "")[:80] or "marked spans"
    return render(request, "historian/trend.html", context)
