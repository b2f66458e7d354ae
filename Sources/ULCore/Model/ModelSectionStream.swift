/// A section whose payload is handed out in pieces rather than held in one array (`ModelContainer.write`).
/// `pieces` must hand out the same bytes every time it is called.
struct ModelSectionStream {
    var tag: String
    var pieces: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void

    init(tag: String, pieces: @escaping ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) {
        self.tag = tag
        self.pieces = pieces
    }

    init(_ section: ModelSection) {
        self.init(tag: section.tag) { emit in try section.payload.withUnsafeBytes { try emit($0) } }
    }
}
