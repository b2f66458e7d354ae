@testable import ULCore

/// Seeded mutations of byte strings, in the manner of a coverage-blind fuzzer: byte flips, random
/// bytes, insertions of interesting tokens, deletions, truncations, duplications and splices with
/// another seed. The same seed gives the same sequence of inputs.
struct Mutator {
    var rng: SeededGenerator
    let seeds: [[UInt8]]
    /// Tokens that matter to the parsers: CSV syntax, numbers at the edges, and little-endian integers
    /// at the edges of the counts and lengths in a model file.
    static let tokens: [[UInt8]] = [
        "\"", "\"\"", ",", "\r\n", "\n", "\r", "\0", "nan", "inf", "-inf", "1e309", "1e-400", "-0", "0x1p3",
        "\u{FEFF}", "\u{EF}\u{BB}\u{BF}",
    ].map { Array($0.utf8) } + [
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], [0, 0, 0, 0, 0, 0, 0, 0x80], [0xFF, 0xFF, 0xFF, 0xFF],
        [0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0], [0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0], [0xC3], [0xED, 0xA0, 0x80],
        [0x89, 0x55, 0x4C, 0x4D, 0x0D, 0x0A, 0x1A, 0x0A],
    ]

    init(seed: UInt64, seeds: [[UInt8]]) {
        rng = SeededGenerator(seed: seed)
        self.seeds = seeds
    }

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(rng.next() % UInt64(n)) }

    /// One mutated input: a seed with 1 to 8 stacked mutations.
    mutating func next() -> [UInt8] {
        var b = seeds[below(seeds.count)]
        for _ in 0...below(8) { mutate(&b) }
        return b
    }

    mutating func mutate(_ b: inout [UInt8]) {
        let at = below(b.count + 1)
        switch below(9) {
        case 0 where !b.isEmpty:  // flip one bit
            b[min(at, b.count - 1)] ^= UInt8(1) << UInt8(below(8))
        case 1 where !b.isEmpty:  // random byte
            b[min(at, b.count - 1)] = UInt8(truncatingIfNeeded: rng.next())
        case 2:  // insert a token
            b.insert(contentsOf: Self.tokens[below(Self.tokens.count)], at: at)
        case 3 where !b.isEmpty:  // overwrite with a token
            let t = Self.tokens[below(Self.tokens.count)]
            for (i, x) in t.enumerated() where at + i < b.count { b[at + i] = x }
        case 4 where !b.isEmpty:  // delete a run
            b.removeSubrange(at..<min(b.count, at + 1 + below(16)))
        case 5:  // truncate
            b.removeSubrange(at..<b.count)
        case 6 where !b.isEmpty:  // duplicate a run
            let end = min(b.count, at + 1 + below(64))
            b.insert(contentsOf: Array(b[min(at, b.count - 1)..<end]), at: end)
        case 7:  // splice: head of this input, tail of another seed
            let other = seeds[below(seeds.count)]
            b = Array(b[..<at]) + Array(other[below(other.count + 1)...])
        default:  // random bytes
            b.insert(contentsOf: (0..<1 + below(8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
        }
    }
}
