import Foundation

/// Process exit statuses, after sysexits(3): the one table of the suite, documented in ul(7) and in each
/// page's EXIT STATUS.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case ok = 0
    /// An audit threshold or lineage check failed (ul-audit).
    case thresholdFailed = 1
    /// A bad command line: unknown option, bad value, an option that does not apply (EX_USAGE).
    case usage = 64
    /// Bad data or a bad model file (EX_DATAERR).
    case dataError = 65
    /// An input file cannot be opened (EX_NOINPUT).
    case noInput = 66
    /// An internal error: a bug (EX_SOFTWARE).
    case software = 70
    /// An output cannot be created (EX_CANTCREAT).
    case cantCreate = 73
    /// Reading or writing failed, e.g. a full disk (EX_IOERR).
    case ioError = 74
    /// Try again later: another job holds the model's lock (EX_TEMPFAIL).
    case tempFail = 75
}
