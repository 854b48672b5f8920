from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from lofte.lib.charts import EMPTY_MESSAGE, ChartSeries, bar_chart, heatmap, line_chart

SVG = "{http://www.w3.org/2000/svg}"
WEEKDAYS = ["Måndag", "Tisdag", "Onsdag", "Torsdag", "Fredag", "Lördag", "Söndag"]
HOURS = [str(hour) for hour in range(24)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well-formed


def find_all(root: ET.Element, tag: str, css: str | None = None) -> list[ET.Element]:
    elements = root.iter(SVG + tag)
    return [e for e in elements if css is None or css in e.get("class", "").split()]


def texts(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter(SVG + "text")]


def group(root: ET.Element, css: str) -> ET.Element:
    [found] = find_all(root, "g", css)
    return found


def y_labels(root: ET.Element) -> list[str]:
    return [e.text or "" for e in group(root, "chart-y-axis").iter(SVG + "text")]


def yearly(*values: float | None, label: str = "Anmälda brott") -> ChartSeries:
    return ChartSeries(label, [(str(2018 + i), value) for i, value in enumerate(values)])


def test_it_labels_the_chart_by_its_title_and_description() -> None:
    root = parse(line_chart([yearly(10, 12)], title="Misshandel", unit="antal", description="Två år."))
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert title is not None and desc is not None
    assert (root.get("role"), title.text, desc.text) == ("img", "Misshandel", "Två år.")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert root.get("viewBox") == "0 0 640 280"
    assert root.get("preserveAspectRatio") == "xMidYMid meet"


def test_it_describes_the_chart_when_no_description_is_given() -> None:
    root = parse(line_chart([yearly(10, 1234.5)], title="Misshandel", unit="antal"))
    desc = root.find(SVG + "desc")
    assert desc is not None
    assert desc.text == "Anmälda brott, 2018–2019. Lägst 10 antal, högst 1 234,5 antal."


def test_it_gives_different_charts_different_ids() -> None:
    first = parse(line_chart([yearly(10, 12)], title="Misshandel", unit="antal"))
    second = parse(line_chart([yearly(10, 13)], title="Misshandel", unit="antal"))
    same = parse(line_chart([yearly(10, 12)], title="Misshandel", unit="antal"))
    assert first.get("aria-labelledby") != second.get("aria-labelledby")
    assert first.get("aria-labelledby") == same.get("aria-labelledby")


def test_it_draws_a_circle_per_value_with_its_figure() -> None:
    root = parse(line_chart([yearly(10, None, 2875, 12.5)], title="T", unit="antal"))
    circles = find_all(root, "circle", "chart-point")
    assert [c.findtext(SVG + "title") for c in circles] == ["2018: 10 antal", "2020: 2 875 antal", "2021: 12,5 antal"]


def test_it_breaks_the_line_at_a_missing_value() -> None:
    root = parse(line_chart([yearly(10, 11, None, 13, 14)], title="T", unit="antal"))
    [path] = find_all(root, "path", "chart-path")
    d = path.get("d", "")
    assert (d.count("M"), d.count("L")) == (2, 2)


def test_it_never_draws_a_missing_value_at_zero() -> None:
    root = parse(line_chart([yearly(100, None, 200)], title="T", unit="antal"))
    [zero_line] = [line for line in find_all(root, "line") if line.get("stroke") == "#888888"]
    baseline = zero_line.get("y1")
    [path] = find_all(root, "path", "chart-path")
    ys = [command.split()[1] for command in path.get("d", "").replace("L", "|L").replace("M", "|M").split("|")[1:]]
    assert len(ys) == 2 and baseline not in ys
    assert all(c.get("cy") != baseline for c in find_all(root, "circle"))


def test_it_rounds_the_axis_up_to_a_nice_maximum() -> None:
    root = parse(line_chart([yearly(1200, 3023)], title="T", unit="antal"))
    assert y_labels(root) == ["0", "1 000", "2 000", "3 000", "4 000"]


@pytest.mark.parametrize(
    ("top", "labels"),
    [
        (2400, ["0", "500", "1 000", "1 500", "2 000", "2 500"]),
        (14, ["0,0", "2,5", "5,0", "7,5", "10,0", "12,5", "15,0"]),
        (0.9, ["0,0", "0,2", "0,4", "0,6", "0,8", "1,0"]),
        (0, ["0", "1", "2", "3", "4", "5"]),
    ],
)
def test_it_labels_the_axis_the_swedish_way(top: float, labels: list[str]) -> None:
    root = parse(line_chart([yearly(0, top)], title="T", unit="antal"))
    assert y_labels(root) == labels


def test_it_starts_the_axis_at_a_negative_minimum() -> None:
    root = parse(line_chart([yearly(-120, 40, 300)], title="Förändring", unit="procent"))
    assert y_labels(root) == ["-200", "-100", "0", "100", "200", "300"]


def test_it_thins_the_period_labels_keeping_the_first_and_last() -> None:
    months = [f"{year}-{month:02d}" for year in range(2020, 2025) for month in range(1, 13)]
    series = ChartSeries("Stöld", [(month, float(i)) for i, month in enumerate(months)])
    labels = [e.text for e in group(parse(line_chart([series], title="T", unit="antal")), "chart-x-axis")]
    assert 2 <= len(labels) <= 10
    assert (labels[0], labels[-1]) == ("2020-01", "2024-12")


def test_it_shows_every_label_when_they_fit() -> None:
    root = parse(line_chart([yearly(1, 2, 3, 4, 5)], title="T", unit="antal"))
    assert [e.text for e in group(root, "chart-x-axis")] == ["2018", "2019", "2020", "2021", "2022"]


def test_it_shares_the_periods_of_all_series_in_order() -> None:
    first = ChartSeries("Kommunen", [("2020", 1.0), ("2021", 2.0)])
    second = ChartSeries("Länet", [("2019", 3.0), ("2021", 4.0), ("2022", 5.0)])
    root = parse(line_chart([first, second], title="T", unit="antal"))
    assert [e.text for e in group(root, "chart-x-axis")] == ["2020", "2021", "2019", "2022"]
    titles = [c.findtext(SVG + "title") for c in find_all(root, "circle")]
    assert titles[2:] == ["Länet – 2021: 4 antal", "Länet – 2019: 3 antal", "Länet – 2022: 5 antal"]


def test_it_shows_a_legend_only_for_several_series() -> None:
    one = parse(line_chart([yearly(1, 2)], title="T", unit="antal"))
    two = parse(line_chart([yearly(1, 2), yearly(3, 4, label="Länet")], title="T", unit="antal"))
    assert find_all(one, "g", "chart-legend") == []
    assert [e.text for e in group(two, "chart-legend").iter(SVG + "text")] == ["Anmälda brott", "Länet"]


def test_it_tells_series_apart_by_colour_and_dash() -> None:
    series = [yearly(1, 2, label=name) for name in "ABCD"]
    paths = find_all(parse(line_chart(series, title="T", unit="antal")), "path", "chart-path")
    assert len({p.get("stroke") for p in paths}) == 4
    assert len({p.get("stroke-dasharray") for p in paths}) == 4


def test_it_refuses_more_series_than_it_can_tell_apart() -> None:
    with pytest.raises(ValueError, match="at most 4 series"):
        line_chart([yearly(1, label=name) for name in "ABCDE"], title="T", unit="antal")


def test_it_draws_a_preliminary_point_hollow() -> None:
    series = ChartSeries("Anmälda brott", [("2023", 10.0), ("2024", 12.0, True)])
    root = parse(line_chart([series], title="T", unit="antal"))
    final, preliminary = find_all(root, "circle")
    assert final.get("fill") == final.get("stroke") == "#1f4e8c"
    assert (preliminary.get("fill"), preliminary.get("stroke")) == ("#ffffff", "#1f4e8c")
    assert preliminary.findtext(SVG + "title") == "2024: 12 antal (preliminär)"
    assert "Ofylld punkt: preliminär uppgift" in texts(root)


@pytest.mark.parametrize("series", [[], [yearly(None, None)], [yearly(float("nan"))]])
def test_it_says_so_when_there_is_nothing_to_show(series: list[ChartSeries]) -> None:
    root = parse(line_chart(series, title="Misshandel", unit="antal"))
    assert texts(root) == [EMPTY_MESSAGE]
    assert root.findtext(SVG + "title") == "Misshandel"
    assert find_all(root, "circle") == []


def test_it_keeps_every_text_as_text() -> None:
    nasty = 'Brott <script>alert("x")</script> & "citat" \'enkla\''
    svg = line_chart([yearly(1, 2, label=nasty), yearly(3, 4, label="B")], title=nasty, unit=nasty, description=nasty)
    root = parse(svg)
    assert "<script" not in svg
    assert find_all(root, "script") == []
    assert root.findtext(SVG + "title") == nasty
    assert root.findtext(SVG + "desc") == nasty
    assert nasty in texts(root)


def test_it_drops_characters_xml_cannot_hold() -> None:
    root = parse(bar_chart([("Stöld\x0b", 3)], title="Typer\x00", unit="st"))
    assert root.findtext(SVG + "title") == "Typer"


@pytest.mark.parametrize(
    "svg",
    [
        line_chart([yearly(1, None, 3), ChartSeries("B", [("2018", 2.0, True)])], title="T", unit="antal"),
        line_chart([], title="T", unit="antal"),
        bar_chart([("Stöld", 3), ("Rån", None)], title="T", unit="st"),
        heatmap([[1, 2], [3, 4]], rows=["a", "b"], columns=["x", "y"], title="T"),
    ],
)
def test_it_uses_no_inline_styles_or_scripts(svg: str) -> None:
    root = parse(svg)
    elements = list(root.iter())
    assert all("style" not in element.attrib for element in elements)
    assert all(element.tag != SVG + "script" for element in elements)
    classes = {css for element in elements for css in element.get("class", "").split()}
    assert classes and all(css.startswith("chart-") for css in classes)


def test_it_draws_a_bar_per_value_and_says_when_one_is_missing() -> None:
    root = parse(bar_chart([("Stöld", 3023), ("Rån", None), ("Misshandel", 12.5)], title="Typer", unit="händelser"))
    bars = find_all(root, "g", "chart-bar")
    assert [b.findtext(SVG + "title") for b in bars] == [
        "Stöld: 3 023 händelser",
        "Rån: saknas",
        "Misshandel: 12,5 händelser",
    ]
    assert [len(find_all(b, "rect")) for b in bars] == [1, 0, 1]
    assert [e.text for e in find_all(bars[1], "text", "chart-missing")] == ["saknas"]
    assert [e.text for e in find_all(root, "text", "chart-value")] == ["3 023", "12,5"]


def test_it_draws_bars_in_proportion_to_their_values() -> None:
    root = parse(bar_chart([("A", 1000), ("B", 500)], title="Typer", unit="st"))
    long, short = (float(rect.get("width", "")) for rect in find_all(root, "rect"))
    assert long == pytest.approx(2 * short, abs=0.02)


def test_it_shortens_long_bar_labels_but_keeps_them_in_full_on_hover() -> None:
    label = "Skadegörelse genom klotter på allmänna platser och fordon"
    [bar] = find_all(parse(bar_chart([(label, 4)], title="T", unit="st")), "g", "chart-bar")
    assert bar.findtext(SVG + "title") == f"{label}: 4 st"
    shown = bar.findtext(SVG + "text") or ""
    assert shown.endswith("…") and len(shown) <= 32


@pytest.mark.parametrize("bars", [[], [("Stöld", None)]])
def test_it_says_so_when_no_bar_has_a_value(bars: list[tuple[str, float | None]]) -> None:
    assert texts(parse(bar_chart(bars, title="T", unit="st"))) == [EMPTY_MESSAGE]


def test_it_draws_a_cell_per_weekday_and_hour() -> None:
    matrix = [[day * 24 + hour for hour in range(24)] for day in range(7)]
    root = parse(heatmap(matrix, rows=WEEKDAYS, columns=HOURS, title="Händelser per veckodag och timme"))
    cells = find_all(root, "rect", "chart-cell")
    assert len(cells) == 7 * 24
    assert cells[0].findtext(SVG + "title") == "Måndag, 0: 0"
    assert cells[-1].findtext(SVG + "title") == "Söndag, 23: 167"


def test_it_shades_cells_darker_for_larger_counts() -> None:
    matrix = [[(day * 37 + hour * 11) % 50 for hour in range(24)] for day in range(7)]
    root = parse(heatmap(matrix, rows=WEEKDAYS, columns=HOURS, title="T"))
    values = [value for row in matrix for value in row]
    shades = [lightness(cell.get("fill", "")) for cell in find_all(root, "rect", "chart-cell")]
    by_value = [shade for _, shade in sorted(zip(values, shades, strict=True))]
    assert by_value == sorted(by_value, reverse=True)
    assert by_value[0] > by_value[-1]


def test_it_shows_the_range_in_the_heatmap_legend() -> None:
    root = parse(heatmap([[3, 1200], [0, 7]], rows=["a", "b"], columns=["x", "y"], title="T"))
    legend = group(root, "chart-legend")
    assert [e.text for e in legend.iter(SVG + "text")] == ["0", "1 200"]
    swatches = [lightness(rect.get("fill", "")) for rect in legend.iter(SVG + "rect")]
    assert swatches == sorted(swatches, reverse=True)


def test_it_refuses_a_matrix_that_does_not_match_its_labels() -> None:
    with pytest.raises(ValueError, match="7 rows of 24 values"):
        heatmap([[0] * 23] * 7, rows=WEEKDAYS, columns=HOURS, title="T")


def test_it_shades_an_even_heatmap_without_dividing_by_zero() -> None:
    root = parse(heatmap([[5, 5]], rows=["a"], columns=["x", "y"], title="T"))
    assert len({cell.get("fill") for cell in find_all(root, "rect", "chart-cell")}) == 1


def lightness(colour: str) -> int:
    return sum(int(colour[i : i + 2], 16) for i in (1, 3, 5))
