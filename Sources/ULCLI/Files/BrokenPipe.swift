import Foundation

/// Thrown when the reader of our standard output has gone (`| head`): the tool stops quietly.
struct BrokenPipe: Error {}
