import Foundation
import ULCLI
import ULCore

let spec = CommandSpec(
    name: "ul-plot",
    summary: "draw columns of a CSV file as a standalone SVG chart: lines, or grouped bars",
    usage: ["[--x COL] [--y COL[,COL...]] [--series COL] [--kind line|bar] [--log-x] [--log-y] [--title TEXT]\n"
        + "          [--x-label TEXT] [--y-label TEXT] [--y-min Y] [--y-max Y] [--dashed NAME[,NAME...]] [FILE|-] [-o FILE.svg]"],
    options: [
        OptionSpec("x", value: "COL", help: "the x column (default: the first column but --series); with --kind bar its values are the categories"),
        OptionSpec("y", value: "COL[,COL...]", help: "the y columns, one series each (default: every column but x and --series)"),
        OptionSpec("series", value: "COL", help: "one series per value of COL, in order of first appearance; takes one y column"),
        OptionSpec("kind", value: "line|bar", help: "lines with point markers (default), or bars grouped by the x value"),
        OptionSpec("log-x", help: "log10 x axis (line charts; every x above 0)"),
        OptionSpec("log-y", help: "log10 y axis (every y above 0)"),
        OptionSpec("title", value: "TEXT", help: "the chart's title (default: none)"),
        OptionSpec("x-label", value: "TEXT", help: "the x axis label (default: the x column's name)"),
        OptionSpec("y-label", value: "TEXT", help: "the y axis label (default: the y column's name when there is one, else none)"),
        OptionSpec("y-min", value: "Y", help: "the lower end of the y axis (default: from the data, rounded down to a tick)"),
        OptionSpec("y-max", value: "Y", help: "the upper end of the y axis (default: from the data, rounded up to a tick)"),
        OptionSpec("dashed", value: "NAME[,NAME...]", help: "draw these series dashed (line charts), e.g. an optimum or a retrained model"),
        OptionSpec("width", value: "PX", help: "width of the document in pixels (default \(Int(PlotOptions.defaultWidth)))"),
        OptionSpec("height", value: "PX", help: "height of the document in pixels (default \(Int(PlotOptions.defaultHeight)))"),
        .output,
    ] + OptionSpec.common,
    footer: """
    The input has a header row; an empty cell is a missing point (a gap in the line, no bar), and a line
    chart joins its points in file order. Every other value of the x (line charts) and y columns must be
    a number. The SVG has no scripts, fonts or external references, and the same input gives the same
    bytes. See ul-plot(1).
    """)

runTool(spec) { args, ctx in
    try runPlot(try PlotOptions(args), ctx)
}
