/// A section whose payload is handed out in pieces rather than held in one array (`ModelContainer.write`).
/// `pieces` must hand out the same bytes every time it is called.
struct ModelSectionStream {
    var tag: String
    var pieces: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void
    /// Length, CRC-32 and SHA-256 prefix of the payload when already known (a section copied from another
    /// file as it is): the payload is then read once, to be written.
    var checksums: (count: Int, crc: UInt32, digestPrefix: [UInt8])?

    init(tag: String, checksums: (count: Int, crc: UInt32, digestPrefix: [UInt8])? = nil,
         pieces: @escaping ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) {
        self.tag = tag
        self.checksums = checksums
        self.pieces = pieces
    }

    init(_ section: ModelSection) {
        self.init(tag: section.tag) { emit in try section.payload.withUnsafeBytes { try emit($0) } }
    }
}
