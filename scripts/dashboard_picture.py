"""Draws what a responder sees on the pipeline's dashboard during the end-to-end
run, from the emulator's own data (written by scripts/e2e_detection.py):
reads per alarm period (every GetSecretValue record the trail's log group
received, and the unauthorised ones the alarm metric counted) with the alarm
threshold, and the alarm's state changes below. Labelled as emulated.

  python dashboard_picture.py DATA.json OUT.svg

The SVG is built as an element tree and serialised, never concatenated.
"""
import json
import math
import sys
import xml.etree.ElementTree as ET

WIDTH, HEIGHT = 960, 400
LEFT, RIGHT = 70, 20
BARS_TOP, BARS_BOTTOM = 60, 260
STATE_TOP, STATE_HEIGHT = 300, 26
STATE_COLOURS = {"OK": "#2e7d32", "ALARM": "#c62828", "INSUFFICIENT_DATA": "#9e9e9e"}
ALL_READS, UNAUTHORISED = "#90a4ae", "#c62828"


def element(parent, tag, text=None, **attributes):
    node = ET.SubElement(parent, tag, {k.replace("_", "-"): str(v) for k, v in attributes.items()})
    if text is not None:
        node.text = text
    return node


def periods(data):
    """(start of each period, all reads in it, unauthorised reads the metric counted)."""
    period = data["period_seconds"]
    # The reads are counted on the grid of the metric's datapoints (each
    # stamped with its period's start), extended back to the run's start.
    first = data["unauthorised"][0]["time"]
    start = first - math.ceil((first - data["start"]) / period) * period
    count = max(1, math.ceil((data["end"] - start) / period))
    reads = [0] * count
    for t in data["reads"]:
        i = int((t - start) // period)
        if 0 <= i < count:
            reads[i] += 1
    unauthorised = [0.0] * count
    for point in data["unauthorised"]:
        i = int((point["time"] - start) // period)
        if 0 <= i < count:
            unauthorised[i] += point["sum"]
    return [(start + i * period, reads[i], unauthorised[i]) for i in range(count)]


def draw(data):
    rows = periods(data)
    origin = rows[0][0]
    span = data["end"] - origin
    plot_width = WIDTH - LEFT - RIGHT
    x_of = lambda t: LEFT + (t - origin) / span * plot_width  # noqa: E731
    top = max([r for _, r, _ in rows] + [u for _, _, u in rows] + [data["threshold"], 1])
    y_of = lambda v: BARS_BOTTOM - v / top * (BARS_BOTTOM - BARS_TOP)  # noqa: E731

    svg = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "width": str(WIDTH),
                             "height": str(HEIGHT), "viewBox": f"0 0 {WIDTH} {HEIGHT}",
                             "font-family": "sans-serif", "font-size": "12"})
    element(svg, "rect", x=0, y=0, width=WIDTH, height=HEIGHT, fill="white")
    element(svg, "text", "Reads of watched secrets per alarm period, and the alarm's state",
            x=LEFT, y=24, font_size=15, font_weight="bold")
    element(svg, "text", f"EMULATED: {data['emulated']}; metric {data['metric']}, "
            f"{data['period_seconds']} s periods", x=LEFT, y=42, fill="#555")

    bar = plot_width / len(rows)
    for start, reads, unauthorised in rows:
        x = x_of(start)
        if reads:
            element(svg, "rect", x=f"{x + bar * 0.1:.1f}", y=f"{y_of(reads):.1f}", width=f"{bar * 0.8:.1f}",
                    height=f"{BARS_BOTTOM - y_of(reads):.1f}", fill=ALL_READS)
        if unauthorised:
            element(svg, "rect", x=f"{x + bar * 0.25:.1f}", y=f"{y_of(unauthorised):.1f}",
                    width=f"{bar * 0.5:.1f}", height=f"{BARS_BOTTOM - y_of(unauthorised):.1f}",
                    fill=UNAUTHORISED)
    threshold_y = f"{y_of(data['threshold']):.1f}"
    element(svg, "line", x1=LEFT, x2=WIDTH - RIGHT, y1=threshold_y, y2=threshold_y, stroke="#000",
            stroke_dasharray="6 4")
    element(svg, "text", f"alarm threshold {data['threshold']:g}", x=WIDTH - RIGHT - 130,
            y=f"{y_of(data['threshold']) - 4:.1f}")
    element(svg, "line", x1=LEFT, x2=WIDTH - RIGHT, y1=BARS_BOTTOM, y2=BARS_BOTTOM, stroke="#000")
    element(svg, "line", x1=LEFT, x2=LEFT, y1=BARS_TOP, y2=BARS_BOTTOM, stroke="#000")
    for value in range(0, int(top) + 1, max(1, int(top) // 4)):
        element(svg, "text", str(value), x=LEFT - 8, y=f"{y_of(value) + 4:.1f}", text_anchor="end")
    element(svg, "text", "reads", x=16, y=(BARS_TOP + BARS_BOTTOM) // 2, transform=f"rotate(-90 16 {(BARS_TOP + BARS_BOTTOM) // 2})",
            text_anchor="middle")

    # The alarm's state over the run: each change holds until the next.
    changes = data["alarm_changes"]
    element(svg, "text", "alarm", x=LEFT - 8, y=STATE_TOP + 17, text_anchor="end")
    for i, change in enumerate(changes):
        until = changes[i + 1]["time"] if i + 1 < len(changes) else data["end"]
        begin = max(change["time"], origin)
        if until <= begin:
            continue
        element(svg, "rect", x=f"{x_of(begin):.1f}", y=STATE_TOP, width=f"{x_of(until) - x_of(begin):.1f}",
                height=STATE_HEIGHT, fill=STATE_COLOURS.get(change["state"], "#9e9e9e"))
    for tick in range(0, int(span) + 1, max(10, int(span) // 8 // 10 * 10)):
        x = f"{x_of(origin + tick):.1f}"
        element(svg, "line", x1=x, x2=x, y1=STATE_TOP + STATE_HEIGHT, y2=STATE_TOP + STATE_HEIGHT + 5, stroke="#000")
        element(svg, "text", f"{tick} s", x=x, y=STATE_TOP + STATE_HEIGHT + 18, text_anchor="middle")

    legend_y = HEIGHT - 22
    legend = [(ALL_READS, "every GetSecretValue (trail's log group)"),
              (UNAUTHORISED, "unauthorised (alarm metric's sum)")]
    legend += [(colour, state) for state, colour in STATE_COLOURS.items()]
    x = LEFT
    for colour, label in legend:
        element(svg, "rect", x=x, y=legend_y - 10, width=12, height=12, fill=colour)
        element(svg, "text", label, x=x + 16, y=legend_y)
        x += 28 + 6.2 * len(label)
    return svg


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    with open(sys.argv[1]) as f:
        data = json.load(f)
    if not data["reads"] or not data["unauthorised"] or not data["alarm_changes"]:
        raise SystemExit(f"{sys.argv[1]}: no reads, metric data or alarm changes to draw: {data}")
    svg = draw(data)
    ET.indent(svg)
    ET.ElementTree(svg).write(sys.argv[2], encoding="unicode", xml_declaration=False)
    rows = periods(data)
    print(f"dashboard picture: {len(rows)} periods, {len(data['reads'])} reads, "
          f"{sum(u for _, _, u in rows):g} counted unauthorised, {len(data['alarm_changes'])} alarm changes "
          f"-> {sys.argv[2]}")


if __name__ == "__main__":
    main()
