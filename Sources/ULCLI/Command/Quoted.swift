import ULCore

/// A value from a file or the command line as messages show it: in single quotes, escaped and cut
/// (`escapedForMessage` in ULCore), so that no id, label or column name can write control bytes to the
/// terminal or forge a line of a log. `'abc'`, `'a\x1b[2Jb\n'`, `'aaa…' (1048576 bytes)`.
public func quoted(_ value: some StringProtocol) -> String { quotedForMessage(value) }

/// The bytes of a field as `quoted(_:)` shows them (bytes that are not UTF-8 as `\xNN`).
public func quoted(_ bytes: UnsafeBufferPointer<UInt8>) -> String { quotedForMessage(bytes) }
