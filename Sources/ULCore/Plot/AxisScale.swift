import Foundation

/// One axis of a chart: the range it shows, linear or log10, and its ticks. An automatic end is rounded out:
/// to the next tick on a linear axis (a step of 1, 2 or 5 × 10^k), to the next 1, 2 or 5 × 10^k on a log
/// axis (a whole decade would leave up to nine tenths of it empty); a fixed end is kept as given.
struct AxisScale {
    let lower: Double
    let upper: Double
    let logarithmic: Bool
    /// Labelled ticks, increasing; each gets a grid line.
    let ticks: [(value: Double, label: String)]
    /// Short unlabelled ticks: 2…9 × 10^k on a log axis of at most six decades, and the decades a long log
    /// axis leaves unlabelled.
    let minorTicks: [Double]

    /// At most about this many labelled decades on a log axis; beyond it every second, fifth… decade is labelled.
    static let labelledDecades = 8

    /// The axis over `values` (finite, and above 0 when `logarithmic`: the charts check both, naming the
    /// series); `fixedLower` and `fixedUpper` replace the ends they give. `includeZero`: a linear axis reaches
    /// 0, as bars grow from it.
    init(values: [Double], logarithmic: Bool, fixedLower: Double? = nil, fixedUpper: Double? = nil,
         includeZero: Bool = false, axis: String) throws {
        for b in [fixedLower, fixedUpper].compactMap({ $0 }) {
            guard b.isFinite else { throw PlotError.nonFiniteBound(axis: axis) }
            if logarithmic, b <= 0 { throw PlotError.nonPositiveBound(axis: axis, value: b) }
        }
        if let a = fixedLower, let b = fixedUpper, a >= b { throw PlotError.emptyRange(axis: axis, lower: a, upper: b) }
        guard let smallest = values.min(), let largest = values.max() else { throw PlotError.nothingToDraw }
        self.logarithmic = logarithmic
        if logarithmic {
            var lo = fixedLower ?? Self.roundedDown(smallest)
            var hi = fixedUpper ?? Self.roundedUp(largest)
            // One value on a decade, or every value beyond a fixed end: one decade past the fixed or lower end.
            if lo >= hi {
                if fixedUpper == nil { hi = pow(10, floor(log10(lo) + 1e-9) + 1) } else { lo = pow(10, ceil(log10(hi) - 1e-9) - 1) }
            }
            (lower, upper) = (lo, hi)
            (ticks, minorTicks) = Self.logTicks(lo, hi)
        } else {
            var lo = fixedLower ?? (includeZero ? min(smallest, 0) : smallest)
            var hi = fixedUpper ?? (includeZero ? max(largest, 0) : largest)
            // One value, or every value beyond a fixed end: widen the free end by a tenth of the magnitude.
            if lo >= hi {
                let pad = lo == 0 && hi == 0 ? 1 : max(abs(lo), abs(hi)) / 10
                let (a, b) = (lo, hi)
                if fixedLower == nil { lo = min(a, b) - pad }
                if fixedUpper == nil { hi = max(a, b) + pad }
            }
            let step = Self.niceStep(hi - lo)
            if fixedLower == nil { lo = floor(lo / step + 1e-9) * step }
            if fixedUpper == nil { hi = ceil(hi / step - 1e-9) * step }
            (lower, upper) = (lo, hi)
            ticks = Self.linearTicks(lo, hi, step: step)
            minorTicks = []
        }
    }

    /// Where `v` lies between the ends: 0 at `lower`, 1 at `upper` (outside for values beyond a fixed end).
    func fraction(_ v: Double) -> Double {
        logarithmic ? (log10(v) - log10(lower)) / (log10(upper) - log10(lower)) : (v - lower) / (upper - lower)
    }

    /// The largest 1, 2 or 5 × 10^k at or below `v` (> 0).
    static func roundedDown(_ v: Double) -> Double {
        let magnitude = pow(10, floor(log10(v) + 1e-9))
        return [5.0, 2, 1].map { $0 * magnitude }.first { $0 <= v * (1 + 1e-9) } ?? magnitude
    }

    /// The smallest 1, 2 or 5 × 10^k at or above `v` (> 0).
    static func roundedUp(_ v: Double) -> Double {
        let magnitude = pow(10, floor(log10(v) + 1e-9))
        return [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= v * (1 - 1e-9) }!
    }

    /// The smallest step of 1, 2 or 5 × 10^k that cuts `span` into at most six intervals.
    static func niceStep(_ span: Double) -> Double {
        let raw = span / 6
        let magnitude = pow(10, floor(log10(raw)))
        for m in [1.0, 2, 5] where m * magnitude >= raw * (1 - 1e-9) { return m * magnitude }
        return 10 * magnitude
    }

    /// The multiples of `step` in [lo, hi], labelled with the decimals the step needs (`%g` with enough
    /// significant digits when that would take more than six decimals or the values are very large).
    static func linearTicks(_ lo: Double, _ hi: Double, step: Double) -> [(value: Double, label: String)] {
        let first = ceil(lo / step - 1e-9), last = floor(hi / step + 1e-9)
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        let largest = max(abs(lo), abs(hi))
        let plain = decimals <= 6 && largest < 1e9
        let significant = min(17, max(1, Int(floor(log10(largest))) - Int(floor(log10(step) + 1e-9)) + 1))
        var out = [(value: Double, label: String)]()
        var i = first
        while i <= last && out.count <= 100 {
            let v = i == 0 ? 0 : i * step  // not -0 from ceil(-1e-9)
            out.append((v, plain ? String(format: "%.\(decimals)f", v) : String(format: "%.\(significant)g", v)))
            i += 1
        }
        return out
    }

    /// Decade ticks in [lo, hi], at most about `labelledDecades` labelled, and 2…9 × 10^k between them up to
    /// six decades.
    static func logTicks(_ lo: Double, _ hi: Double) -> ([(value: Double, label: String)], [Double]) {
        let first = Int(ceil(log10(lo) - 1e-9)), last = Int(floor(log10(hi) + 1e-9))
        // Labelled every 1, 2, 5, 10… decades, the fewest that keep to `labelledDecades`.
        let needed = max(1, (last - first + labelledDecades) / labelledDecades)
        let every = [1, 2, 5, 10, 20, 50, 100].first { $0 >= needed } ?? needed
        var labelled = [(value: Double, label: String)](), minor = [Double]()
        if first <= last {
            for k in first...last {
                let v = pow(10, Double(k))
                if ((k % every) + every) % every == 0 { labelled.append((v, decadeLabel(k))) } else { minor.append(v) }
            }
        }
        var between = [Double]()
        if log10(hi) - log10(lo) <= 6 {
            for k in (first - 1)...last {
                for m in 2...9 {
                    let v = Double(m) * pow(10, Double(k))
                    if v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) { between.append(v) }
                }
            }
        }
        // Under two decades the decade labels alone say little: 2 and 5 × 10^k are labelled too, and with
        // fewer than two decades inside, every multiple.
        let short = log10(hi) - log10(lo) < 2
        guard labelled.count < 2 || short else { return (labelled, minor + between) }
        let named = between.filter { labelled.count < 2 || [2, 5].contains(Int(($0 / pow(10, floor(log10($0) + 1e-9))).rounded())) }
        let all = (labelled.map(\.value) + named).sorted()
        return (all.map { ($0, String(format: "%g", $0)) }, minor + between.filter { !named.contains($0) })
    }
}
