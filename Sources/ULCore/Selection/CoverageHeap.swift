/// Coverage selection's lazy-greedy queue: a binary max-heap of rows by (gain, −id rank), each gain as computed
/// at `step` (a bound of the row's current gain when older).
struct CoverageHeap {
    struct Entry {
        var gain: Double
        var row: Int
        var step: Int
    }

    /// Per row: its position in id order (smaller first among equal gains).
    let rank: [Int]
    private var entries = [Entry]()

    init(rank: [Int]) {
        self.rank = rank
        entries.reserveCapacity(rank.count)
    }

    /// Whether a goes before b: larger gain, then smaller id.
    private func precedes(_ a: Entry, _ b: Entry) -> Bool {
        a.gain != b.gain ? a.gain > b.gain : rank[a.row] < rank[b.row]
    }

    mutating func push(_ e: Entry) {
        entries.append(e)
        var k = entries.count - 1
        while k > 0 {
            let parent = (k - 1) / 2
            guard precedes(entries[k], entries[parent]) else { break }
            entries.swapAt(k, parent)
            k = parent
        }
    }

    /// Removes and returns the first entry; the heap must not be empty.
    mutating func pop() -> Entry {
        let top = entries[0]
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var k = 0
            while true {
                let l = 2 * k + 1, r = l + 1
                var best = k
                if l < entries.count && precedes(entries[l], entries[best]) { best = l }
                if r < entries.count && precedes(entries[r], entries[best]) { best = r }
                guard best != k else { break }
                entries.swapAt(k, best)
                k = best
            }
        }
        return top
    }
}
