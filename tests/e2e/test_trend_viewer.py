"""The trend viewer draws a chart of several tags, and zooming re-reads plot values."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts import roles as R
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import TagFactory

# The predicate may run before the element exists (a loaded machine): it must not throw.
LOADED = "document.getElementById('trend-status')?.dataset.loaded === '{n}'"


@pytest.fixture
def line_hour() -> None:
    """An hour of the simulated line L1 from 2026-03-01 06:00 UTC (seeded: the same data)."""
    call_command(
        "simulate_line",
        "--line",
        "L1",
        "--start",
        "2026-03-01T06:00:00Z",
        "--hours",
        "1",
        "--seed",
        "4",
        "--quiet",
        stdout=StringIO(),
    )


@pytest.mark.django_db(transaction=True)
def test_trend_viewer_draws_and_zooms(page: Any, make_user: Any) -> None:
    call_command(
        "simulate_line",
        "--line",
        "L1",
        "--start",
        "2026-03-01T06:00:00Z",
        "--hours",
        "1",
        "--seed",
        "4",
        "--quiet",
        "--fault",
        "feeder_drop@20m+5m:feeder=FEEDER1,factor=0.5",
        stdout=StringIO(),
    )
    make_user(R.PROCESS_ENGINEER, username="e2e-trend")
    sign_in(page, "e2e-trend", PASSWORD)
    page.click("[data-nav='Tags']")
    page.locator("[data-testid=tag-browser]").wait_for()
    page.check("input[value='L1.NIR.API_CONC']")
    page.check("input[value='L1.PRESS.TABLET_WEIGHT']")
    reads: list[dict[str, str]] = []
    page.on(
        "request",
        lambda r: reads.append(r.headers) if "/api/v1/historian/" in r.url else None,
    )
    page.click("[data-testid=open-trend]")
    page.wait_for_function(LOADED.format(n=1))
    assert page.locator("[data-testid=trend-chart] canvas").count() == 1
    drawn = page.evaluate("""() => {
        const d = window.ledgerlineTrend.data;
        return {x: d[0].length, a: d[1].filter(v => v != null).length,
                b: d[2].filter(v => v != null).length};
    }""")
    assert drawn["x"] > 100
    assert drawn["a"] > 100
    assert drawn["b"] > 100
    assert "samples" in page.locator("[data-testid=trend-status]").inner_text()
    screenshot(page, "trend")
    page.evaluate(
        "window.ledgerlineTrend.zoom(Date.parse('2026-03-01T06:15:00Z') / 1000, "
        "Date.parse('2026-03-01T06:35:00Z') / 1000)"
    )
    page.wait_for_function(LOADED.format(n=2))
    # The page's own reads are not a person's activity; a click on a range button is.
    assert reads
    assert not any(h.get("x-ledgerline-activity") for h in reads)
    reads.clear()
    page.click("button[data-range='3600']")
    page.wait_for_function(LOADED.format(n=3))
    assert reads
    assert all(h.get("x-ledgerline-activity") == "1" for h in reads)
    screenshot(page, "trend-zoomed")


@pytest.mark.django_db(transaction=True)
def test_limits_as_bands_an_axis_per_unit_the_window_in_the_url_and_bad_urls_explained(
    page: Any, make_user: Any, line_hour: None
) -> None:
    make_user(R.PROCESS_ENGINEER, username="e2e-limits")
    sign_in(page, "e2e-limits", PASSWORD)
    tags = "L1.NIR.API_CONC,L1.PRESS.TABLET_WEIGHT,L1.BLENDER.SPEED"
    window = "start=2026-03-01T06:00:00Z&end=2026-03-01T07:00:00Z"
    page.goto(f"/historian/trend/?tags={tags}&{window}")
    page.wait_for_function(LOADED.format(n=1))
    # Three units, three scales with an axis each (uPlot: one x axis plus one per unit).
    axes = page.evaluate("window.ledgerlineTrend.plot.axes.map(a => a.scale)")
    assert axes == ["x", "% w/w", "mg", "rpm"]
    screenshot(page, "trend-limits")
    # Zooming writes the window into the address, so a reload shows it again.
    page.evaluate(
        "window.ledgerlineTrend.zoom(Date.parse('2026-03-01T06:10:00Z') / 1000, "
        "Date.parse('2026-03-01T06:20:00Z') / 1000)"
    )
    page.wait_for_function(LOADED.format(n=2))
    assert "start=2026-03-01T06%3A10%3A00Z" in page.url
    page.reload()
    page.wait_for_function(LOADED.format(n=1))
    assert page.evaluate("window.ledgerlineTrend.start") == 1772345400  # 06:10:00Z
    # A reversed window and an unknown tag say what to fix; the chart still opens.
    page.goto(
        "/historian/trend/?tags=L1.NIR.API_CONC,NO.SUCH.TAG"
        "&start=2026-03-01T07:00:00Z&end=2026-03-01T06:00:00Z"
    )
    problems = page.locator("[data-testid=trend-problem]").inner_text()
    assert "is not after start" in problems
    assert "swap them" in problems
    assert "NO.SUCH.TAG" in page.locator("[data-testid=trend-missing]").inner_text()
    page.wait_for_function(LOADED.format(n=1))
    page.goto("/historian/trend/?tags=L1.NIR.API_CONC&start=yesterday&end=today")
    assert "not usable" in page.locator("[data-testid=trend-problem]").first.inner_text()
    page.wait_for_function(LOADED.format(n=1))
    screenshot(page, "trend-bad-url")


@pytest.mark.django_db(transaction=True)
def test_keyboard_zoom_export_and_adding_a_tag(page: Any, make_user: Any, line_hour: None) -> None:
    make_user(R.PROCESS_ENGINEER, username="e2e-keys")
    sign_in(page, "e2e-keys", PASSWORD)
    page.goto(
        "/historian/trend/?tags=L1.NIR.API_CONC&start=2026-03-01T06:00:00Z&end=2026-03-01T07:00:00Z"
    )
    page.wait_for_function(LOADED.format(n=1))
    page.focus("[data-testid=trend-chart]")
    page.keyboard.press("+")
    page.wait_for_function(LOADED.format(n=2))
    span = page.evaluate("window.ledgerlineTrend.end - window.ledgerlineTrend.start")
    assert span == 1800
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(LOADED.format(n=3))
    assert page.evaluate("window.ledgerlineTrend.start") == 1772344800  # 06:15 − 15 min = 06:00
    with page.expect_download() as csv_download:
        page.click("[data-testid=export-csv]")
    text = Path(csv_download.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("tag,ts,")
    assert "L1.NIR.API_CONC" in text.splitlines()[1]
    with page.expect_download() as png_download:
        page.click("[data-testid=export-png]")
    assert Path(png_download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.fill("#trend-add input[name=tag]", "L1.BLENDER.SPEED")
    page.click("#trend-add button")
    page.wait_for_url("**tags=L1.NIR.API_CONC%2CL1.BLENDER.SPEED**")
    page.wait_for_function(LOADED.format(n=1))
    assert page.evaluate("window.ledgerlineTrend.plot.series.length") == 3
    screenshot(page, "trend-keyboard-added")


@pytest.mark.django_db(transaction=True)
def test_text_tags_draw_as_bands_and_the_values_table_is_the_text_alternative(
    page: Any, make_user: Any, line_hour: None
) -> None:
    make_user(R.PROCESS_ENGINEER, username="e2e-lanes")
    sign_in(page, "e2e-lanes", PASSWORD)
    page.goto(
        "/historian/trend/?tags=L1.NIR.API_CONC,L1.FEEDER1.LOT"
        "&start=2026-03-01T06:00:00Z&end=2026-03-01T07:00:00Z"
    )
    page.wait_for_function(LOADED.format(n=1))
    lane = page.locator("[data-testid=trend-lanes] .lane[data-tag='L1.FEEDER1.LOT']")
    bands = lane.locator(".lane-band")
    assert bands.count() >= 1
    assert bands.first.inner_text().strip() != ""  # the lot's text is written on its band
    rows = page.locator("[data-testid=trend-values] tbody tr")
    assert rows.count() == 2
    first = rows.nth(0).inner_text()
    assert "L1.NIR.API_CONC" in first
    assert "% w/w" in first
    assert "text" in rows.nth(1).inner_text()
    screenshot(page, "trend-lanes")


@pytest.mark.django_db(transaction=True)
def test_the_time_picker_reads_the_site_zone_and_shows_utc_beside(
    page: Any, make_user: Any, line_hour: None, settings: Any
) -> None:
    settings.TIME_ZONE = "Europe/Zurich"
    make_user(R.PROCESS_ENGINEER, username="e2e-picker")
    sign_in(page, "e2e-picker", PASSWORD)
    page.goto("/historian/trend/?tags=L1.NIR.API_CONC")
    page.wait_for_function(LOADED.format(n=1))
    picker = page.locator("[data-testid=trend-picker]")
    picker.locator("input[name=from]").fill("2026-03-01T07:10:00")  # CET = UTC+1
    picker.locator("input[name=to]").fill("2026-03-01T07:40:00")
    picker.locator("button").click()
    page.wait_for_function(LOADED.format(n=1))
    assert page.evaluate("window.ledgerlineTrend.start") == 1772345400  # 06:10:00Z
    text = page.locator("[data-testid=trend-window]").inner_text()
    assert text.startswith("2026-03-01 07:10:00 → 2026-03-01 07:40:00")
    assert "(2026-03-01 06:10:00 → 2026-03-01 06:40:00 UTC)" in text
    screenshot(page, "trend-picker")
    page.select_option("[data-testid=trend-last] select", "24h")
    page.wait_for_url("**last=24h**")
    page.wait_for_function(LOADED.format(n=1))
    span = page.evaluate("window.ledgerlineTrend.end - window.ledgerlineTrend.start")
    assert span == 86400


@pytest.mark.django_db(transaction=True)
def test_an_engineer_annotates_a_range_by_dragging_with_shift(
    page: Any, make_user: Any, line_hour: None
) -> None:
    make_user(R.PROCESS_ENGINEER, username="e2e-annotate")
    sign_in(page, "e2e-annotate", PASSWORD)
    page.goto(
        "/historian/trend/?tags=L1.NIR.API_CONC&start=2026-03-01T06:00:00Z&end=2026-03-01T07:00:00Z"
    )
    page.wait_for_function(LOADED.format(n=1))
    box = page.locator("[data-testid=trend-chart] .u-over").bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.keyboard.down("Shift")
    page.mouse.move(box["x"] + box["width"] * 0.25, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=8)
    page.mouse.up()
    page.keyboard.up("Shift")
    dialog = page.locator("[data-testid=annotate-dialog]")
    dialog.wait_for(state="visible")
    dialog.locator("textarea[name=text]").fill("blender speed trial, see deviation DEV-0001")
    screenshot(page, "trend-annotate")
    dialog.locator("button[type=submit]").click()
    page.wait_for_function(LOADED.format(n=2))
    notes = page.locator("#trend-notes").inner_text()
    assert "blender speed trial" in notes
    assert "e2e-annotate" in notes
    # Still the hour asked for: annotating does not zoom.
    assert page.evaluate("window.ledgerlineTrend.end - window.ledgerlineTrend.start") == 3600


@pytest.mark.django_db(transaction=True)
def test_two_cursors_show_values_and_their_differences(
    page: Any, make_user: Any, line_hour: None
) -> None:
    make_user(R.PROCESS_ENGINEER, username="e2e-cursors")
    sign_in(page, "e2e-cursors", PASSWORD)
    page.goto(
        "/historian/trend/?tags=L1.NIR.API_CONC,L1.BLENDER.SPEED,L1.FEEDER1.LOT"
        "&start=2026-03-01T06:00:00Z&end=2026-03-01T07:00:00Z"
    )
    page.wait_for_function(LOADED.format(n=1))
    over = page.locator("[data-testid=trend-chart] .u-over")
    box = over.bounding_box()
    assert box is not None
    over.click(position={"x": box["width"] * 0.25, "y": box["height"] / 2})
    over.click(position={"x": box["width"] * 0.75, "y": box["height"] / 2})
    readout = page.locator("[data-testid=cursor-readout]")
    text = readout.text_content() or ""
    span = re.search(r"B − A \((\d+) s\)", text)
    assert span is not None, text
    assert abs(int(span.group(1)) - 1800) <= 2  # a quarter to three quarters of an hour
    rows = readout.locator("tr")
    assert rows.count() == 4
    cells = rows.nth(1).locator("td").all_inner_texts()
    assert cells[0].startswith("L1.NIR.API_CONC")
    # Each value, then what its quality was where that is not good: "9.97 (1 bad, left out)".
    a, b, delta = (float(c.split(" (")[0]) for c in cells[1:4])
    assert abs((b - a) - delta) < 1e-3
    # A text tag: the value in force at each cursor, and whether it changed between them.
    lot = rows.nth(3).locator("td").all_inner_texts()
    assert lot[0] == "L1.FEEDER1.LOT"
    assert lot[1].startswith("API-")
    assert lot[3] in ("same", "changed")
    screenshot(page, "trend-cursors")


@pytest.mark.django_db(transaction=True)
def test_uncertain_samples_are_drawn_and_marked(
    page: Any, make_user: Any, make_service_account: Any
) -> None:
    engineer = make_user(R.PROCESS_ENGINEER, username="e2e-quality")
    TagFactory(actor=engineer, name="L7.TEST.FLOW", equipment="L7/TEST", unit="kg/h")
    _, key = make_service_account("collector-q")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    samples = [
        {
            "tag": "L7.TEST.FLOW",
            "ts": f"2026-03-01T06:{m:02d}:00Z",
            "value": 10.0 + m % 3,
            "quality": "uncertain" if m in (10, 11) else "bad" if m == 30 else "good",
        }
        for m in range(60)
    ]
    response = client.post(
        "/api/v1/historian/samples/",
        {"source": "e2e", "ingest_key": "q1", "samples": samples},
        format="json",
    )
    assert response.status_code == 201, response.json()
    sign_in(page, "e2e-quality", PASSWORD)
    page.goto(
        "/historian/trend/?tags=L7.TEST.FLOW&start=2026-03-01T06:00:00Z&end=2026-03-01T07:00:00Z"
    )
    page.wait_for_function(LOADED.format(n=1))
    status = page.locator("[data-testid=trend-status]").inner_text()
    assert "1 bad (left out, marked in red)" in status
    assert "2 uncertain (drawn, marked in amber above)" in status
    assert page.evaluate("window.ledgerlineTrend.uncertain.length") >= 1
    # The bad sample is alone in its plot interval: still marked, at that interval.
    (bad,) = page.evaluate("window.ledgerlineTrend.bad")
    assert 1772346600 - 10 < bad <= 1772346600  # 06:30:00Z
    # The value readout names the quality at each cursor.
    over = page.locator("[data-testid=trend-chart] .u-over")
    for at in ("06:10:01", "06:30:02"):
        x = page.evaluate(
            f"window.ledgerlineTrend.plot.valToPos(Date.parse('2026-03-01T{at}Z') / 1000, 'x')"
        )
        over.click(position={"x": x, "y": 40})
    cells = page.locator("[data-testid=cursor-readout] tr").nth(1).locator("td")
    assert "(1 uncertain)" in cells.nth(1).inner_text()
    assert "(1 bad, left out)" in cells.nth(2).inner_text()
    screenshot(page, "trend-quality")


@pytest.mark.django_db(transaction=True)
def test_stacked_lanes_switch_and_stay_in_the_url(
    page: Any, make_user: Any, line_hour: None
) -> None:
    make_user(R.PROCESS_ENGINEER, username="e2e-stack")
    sign_in(page, "e2e-stack", PASSWORD)
    tags = "L1.NIR.API_CONC,L1.PRESS.TABLET_WEIGHT,L1.BLENDER.SPEED,L1.FEEDER1.LOT"
    page.goto(f"/historian/trend/?tags={tags}&start=2026-03-01T06:00:00Z&end=2026-03-01T07:00:00Z")
    page.wait_for_function(LOADED.format(n=1))
    assert page.get_attribute("[data-testid=layout-axes]", "aria-pressed") == "true"
    page.click("[data-testid=layout-lanes]")
    assert page.get_attribute("[data-testid=trend-chart]", "data-layout") == "lanes"
    assert "layout=lanes" in page.url
    # A scale per numeric tag, each tag's line inside its own band of the height.
    bands = page.evaluate("""() => {
        const u = window.ledgerlineTrend.plot;
        return u.series.slice(1).map((s, i) => {
            const ys = u.data[i + 1].filter(v => v != null);
            const at = ys.map(v => u.valToPos(v, s.scale));
            return [s.scale, Math.min(...at), Math.max(...at), u.bbox.height / devicePixelRatio];
        });
    }""")
    assert [b[0] for b in bands] == ["lane0", "lane1", "lane2"]
    for i, (_, top, bottom, height) in enumerate(bands):
        assert i * height / 3 <= top <= bottom <= (i + 1) * height / 3, bands
    screenshot(page, "trend-stacked")
    # The layout survives a reload and the time picker; a bad layout says what to fix.
    page.reload()
    page.wait_for_function(LOADED.format(n=1))
    assert page.get_attribute("[data-testid=trend-chart]", "data-layout") == "lanes"
    assert page.get_attribute("[data-testid=layout-lanes]", "aria-pressed") == "true"
    page.select_option("[data-testid=trend-last] select", "8h")
    page.wait_for_url("**layout=lanes**last=8h**")
    page.wait_for_function(LOADED.format(n=1))
    assert page.get_attribute("[data-testid=trend-chart]", "data-layout") == "lanes"
    page.click("[data-testid=layout-axes]")
    assert "layout=" not in page.url
    assert page.evaluate("window.ledgerlineTrend.plot.axes.length") == 4
    page.goto(f"/historian/trend/?tags={tags}&layout=sideways")
    problem = page.locator("[data-testid=trend-problem]").inner_text()
    assert "layout='sideways' is not one of axes, lanes" in problem
    page.wait_for_function(LOADED.format(n=1))
    assert page.get_attribute("[data-testid=trend-chart]", "data-layout") == "axes"


@pytest.mark.django_db(transaction=True)
def test_saved_displays_are_each_persons_own_and_open_the_view(
    page: Any, make_user: Any, line_hour: None
) -> None:
    make_user(R.PROCESS_ENGINEER, username="e2e-displays")
    make_user(R.QA_REVIEWER, username="e2e-displays-qa")
    sign_in(page, "e2e-displays", PASSWORD)
    page.goto(
        "/historian/trend/?tags=L1.NIR.API_CONC,L1.PRESS.TABLET_WEIGHT"
        "&start=2026-03-01T06:00:00Z&end=2026-03-01T07:00:00Z"
    )
    page.wait_for_function(LOADED.format(n=1))
    page.click("[data-testid=layout-lanes]")
    page.click("[data-testid=displays-menu] summary")
    form = page.locator("[data-testid=display-save]")
    form.locator("input[name=name]").fill("CQA hour")
    form.locator("button[type=submit]").click()
    page.wait_for_function(
        "document.querySelector('[data-saved]').textContent.includes('Saved as')"
    )
    items = page.locator("[data-testid=display-list] li")
    assert items.count() == 1
    assert "2026-03-01 06:00 → 2026-03-01 07:00 UTC" in items.first.inner_text()
    assert "lanes" in items.first.inner_text()
    screenshot(page, "trend-displays")
    # The same name with a relative window replaces it.
    form.locator("select[name=window]").select_option("24h")
    form.locator("button[type=submit]").click()
    page.wait_for_function(
        "document.querySelector('[data-saved]').textContent.includes('replaced')"
    )
    assert items.count() == 1
    assert "last 24h until now" in items.first.inner_text()
    # From the trend page without tags (the menu's Trends link), the display opens the view.
    page.click("[data-nav='Trends']")
    page.click("[data-testid=displays-menu] summary")
    page.click("[data-testid=display-list] a")
    page.wait_for_function(LOADED.format(n=1))
    assert "last=24h" in page.url
    assert page.get_attribute("[data-testid=trend-chart]", "data-layout") == "lanes"
    assert page.evaluate("window.ledgerlineTrend.end - window.ledgerlineTrend.start") == 86400
    assert page.evaluate("window.ledgerlineTrend.plot.series.length") == 3
    # Nobody else sees it.
    page.click("text=Sign out")
    sign_in(page, "e2e-displays-qa", PASSWORD)
    page.goto("/historian/trend/")
    assert page.locator("[data-testid=displays-menu] summary").inner_text() == "Saved displays (0)"
    page.click("text=Sign out")
    # Its owner deletes it, after confirming.
    sign_in(page, "e2e-displays", PASSWORD)
    page.goto("/historian/trend/?tags=L1.NIR.API_CONC")
    page.wait_for_function(LOADED.format(n=1))
    page.click("[data-testid=displays-menu] summary")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-delete-display]")
    page.wait_for_function("document.querySelector('[data-saved]').textContent.includes('deleted')")
    assert "None saved yet" in page.locator("[data-testid=display-list]").inner_text()
