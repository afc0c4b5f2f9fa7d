"""The dashboard's tables and charts from ``services.steering.Dashboard``.

Every chart has a table with the same numbers (shown beside it, and as CSV). Charts are SVG
rendered by pygal and served as images of their own (``/steuerung/diagramm/<key>.svg``):
the pages keep their strict CSP, and pygal's inline configuration script is removed.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass

import pygal
from pygal.style import Style

from services.steering import UNITS, Dashboard

STYLE = Style(
    background="white", plot_background="white", foreground="#1f2933",
    foreground_strong="#111", foreground_subtle="#6b7785",
    colors=("#0b5cab", "#b35c00", "#2f7d32", "#7b3fa0", "#a4262c", "#00707a"),
    font_family="system-ui, sans-serif", label_font_size=13, major_label_font_size=13,
    legend_font_size=13, value_font_size=12, title_font_size=15,
)


@dataclass(frozen=True)
class Table:
    key: str
    caption: str
    headers: list[str]
    rows: list[list[str]]  # as shown (German numbers)
    raw: list[list[object]]  # for CSV


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %".replace(".", ",")


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}".replace(".", ",")


def tables(board: Dashboard) -> dict[str, Table]:
    channels = board.channels
    inflow_rows = [[label, *[str(per.get(k, 0)) for k, _ in channels], str(sum(per.values()))]
                   for label, per in board.inflow]
    inflow_raw = [[label, *[per.get(k, 0) for k, _ in channels], sum(per.values())]
                  for label, per in board.inflow]
    kpis = [
        ("Eingänge im Zeitraum", str(board.inflow_total), board.inflow_total),
        ("Digitaler Anteil (E-Mail, Online, ohne Brief und Telefon)", _pct(board.digital_share), board.digital_share),
        ("Automatisierungsquote (erledigt ohne Bearbeitung durch eine Person)", _pct(board.automation_rate), board.automation_rate),
        ("Anteil Clearing-Stelle an den zugeordneten Eingängen", _pct(board.clearing_share), board.clearing_share),
    ]
    now = board.now
    office_rows, office_raw = [], []
    for o in board.offices:
        age = o.oldest_age_days(now)
        office_rows.append([
            o.label, str(o.routed), str(o.reroutes), _pct(o.reroute_rate), str(o.backlog),
            "–" if age is None else f"{age} Tage", _num(o.first_action_hours), _num(o.target_hours, 0),
            str(o.overdue), str(o.due_this_week)])
        office_raw.append([o.key, o.routed, o.reroutes, o.reroute_rate, o.backlog, age,
                           o.first_action_hours, o.target_hours, o.overdue, o.due_this_week])
    return {
        "zufluss": Table("zufluss", f"Eingänge je Kanal und {_unit(board)}",
                         [_unit(board), *[label for _, label in channels], "Summe"], inflow_rows, inflow_raw),
        "kennzahlen": Table("kennzahlen", "Kennzahlen im Zeitraum", ["Kennzahl", "Wert"],
                            [[k, v] for k, v, _ in kpis], [[k, raw] for k, _, raw in kpis]),
        "aemter": Table("aemter", "Ämter: Umleitungen, Rückstand, Erstbearbeitung und Fristen",
                        ["Amt", "Zugeordnet", "Umgeleitet", "Umleitungsquote", "Offen",
                         "Ältester offener Eingang", "Erste Bearbeitung nach (Std., Mittel)", "Ziel (Std.)",
                         "Fristen überschritten", "Fristen diese Woche"], office_rows, office_raw),
        "personen": Table("personen", "Offene Vorgänge je Person", ["Person", "Offene Vorgänge"],
                          [[name, str(n)] for name, n in board.staff], [list(r) for r in board.staff]),
        "termine": Table("termine", "Termine im Zeitraum", ["Amt", "Angeboten", "Gebucht", "Wahrgenommen (gebucht, Termin vorbei)"],
                         [[a, str(o), str(b), str(u)] for a, o, b, u in board.appointments],
                         [list(r) for r in board.appointments]),
    }


def _unit(board: Dashboard) -> str:
    return UNITS[board.period.unit]


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(table.headers)
    for row in table.raw:
        writer.writerow(["" if v is None else (f"{v:.4f}".replace(".", ",") if isinstance(v, float) else v)
                         for v in row])
    return "\ufeff" + out.getvalue()  # BOM: spreadsheet programs then read the umlauts right


CHARTS = {
    "zufluss": "Eingänge je Kanal",
    "aemter": "Offene Vorgänge und Umleitungsquote je Amt",
    "erstbearbeitung": "Zeit bis zur ersten Bearbeitung je Amt (Stunden) und Ziel",
    "personen": "Offene Vorgänge je Person",
    "termine": "Termine: angeboten, gebucht, wahrgenommen",
}
# What each table (and so its chart) needs of services.steering.dashboard (PARTS): a chart
# and a CSV are requests of their own, and computing only their part keeps them cheap.
NEEDS = {"zufluss": {"history"}, "kennzahlen": {"history"}, "aemter": {"history", "open"},
         "personen": {"staff"}, "termine": {"appointments"}}
CHART_TABLE = {"zufluss": "zufluss", "aemter": "aemter", "erstbearbeitung": "aemter",
               "personen": "personen", "termine": "termine"}


def chart_svg(board: Dashboard, key: str) -> str:
    """The chart as SVG. pygal takes about as long to draw a chart as the figures take to
    compute, so the drawing is kept per exact figures (``_render``'s cache): a chart asked
    for again with the same numbers (another user, a reload, a period whose figures did not
    move) is not drawn again; any changed number is a new drawing."""
    return _render(key, len(board.inflow) > 8, *_series(board, key))


Series = tuple[tuple[str, tuple[float | int | None, ...]], ...]


def _series(board: Dashboard, key: str) -> tuple[tuple[str, ...], Series]:
    """The chart's x labels and its named series of values, as plain hashable data."""
    offices = board.offices
    if key == "zufluss":
        return (tuple(label for label, _ in board.inflow),
                tuple((label, tuple(per.get(k, 0) for _, per in board.inflow)) for k, label in board.channels))
    if key == "aemter":
        return (tuple(o.label for o in offices),
                (("Offen", tuple(o.backlog for o in offices)), ("Umgeleitet", tuple(o.reroutes for o in offices))))
    if key == "erstbearbeitung":
        return (tuple(o.label for o in offices),
                (("Mittel", tuple(round(o.first_action_hours, 1) if o.first_action_hours is not None else None
                                  for o in offices)),
                 ("Ziel", tuple(o.target_hours for o in offices))))
    if key == "personen":
        return tuple(name for name, _ in board.staff), (("Offen", tuple(n for _, n in board.staff)),)
    rows = board.appointments
    return (tuple(a for a, *_ in rows),
            (("Angeboten", tuple(o for _, o, _, _ in rows)), ("Gebucht", tuple(b for _, _, b, _ in rows)),
             ("Wahrgenommen", tuple(u for *_, u in rows))))


KINDS = {"zufluss": pygal.StackedBar, "aemter": pygal.HorizontalBar, "erstbearbeitung": pygal.Bar,
         "personen": pygal.HorizontalBar, "termine": pygal.Bar}


@functools.lru_cache(maxsize=256)
def _render(key: str, many: bool, x_labels: tuple[str, ...], series: Series) -> str:
    options = dict(style=STYLE, js=[], disable_xml_declaration=True, width=760, height=360,
                   legend_at_bottom=True, print_values=False, show_y_guides=True, title=CHARTS[key],
                   x_label_rotation=30 if key == "zufluss" and many else 0)
    chart = KINDS[key](**options)
    chart.x_labels = list(x_labels)
    for label, values in series:
        chart.add(label, list(values))
    chart.no_data_text = "Keine Daten im Zeitraum"
    svg = chart.render(is_unicode=True)
    return re.sub(r"<script\b.*?</script>", "", svg, flags=re.S)
