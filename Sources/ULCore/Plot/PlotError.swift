/// Errors of the charts; every case names the offending axis, series or value.
public enum PlotError: Error, Equatable, CustomStringConvertible {
    /// A value at or below zero on a log axis (`axis` is "x" or "y").
    case nonPositiveOnLogAxis(axis: String, series: String, value: Double)
    /// A fixed axis bound at or below zero on a log axis.
    case nonPositiveBound(axis: String, value: Double)
    /// A fixed range whose lower end is not below its upper end.
    case emptyRange(axis: String, lower: Double, upper: Double)
    /// A coordinate that is NaN or infinite.
    case nonFinite(axis: String, series: String)
    /// A fixed axis bound that is NaN or infinite.
    case nonFiniteBound(axis: String)
    /// A bar series whose number of values is not the number of categories.
    case valueCountMismatch(series: String, values: Int, categories: Int)
    /// No series has a point or bar to draw.
    case nothingToDraw

    public var description: String {
        switch self {
        case let .nonPositiveOnLogAxis(axis, series, value):
            return "series \(quotedForMessage(series)) has \(axis) = \(value); a log \(axis) axis needs values above 0"
        case let .nonPositiveBound(axis, value):
            return "a log \(axis) axis needs bounds above 0, got \(value)"
        case let .emptyRange(axis, lower, upper):
            return "the \(axis) range is empty: \(lower) is not below \(upper)"
        case let .nonFinite(axis, series):
            return "series \(quotedForMessage(series)) has a non-finite \(axis) value"
        case let .nonFiniteBound(axis):
            return "a fixed \(axis) bound is not finite"
        case let .valueCountMismatch(series, values, categories):
            return "series \(quotedForMessage(series)) has \(values) values for \(categories) categories"
        case .nothingToDraw:
            return "nothing to draw: every value is missing"
        }
    }
}
