/// One named section of a model file.
struct ModelSection: Equatable, Sendable {
    var tag: String
    var payload: [UInt8]
    init(tag: String, payload: [UInt8]) {
        self.tag = tag
        self.payload = payload
    }
}
