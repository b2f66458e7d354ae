/// One named section of a model file.
public struct ModelSection: Equatable, Sendable {
    public var tag: String
    public var payload: [UInt8]
    public init(tag: String, payload: [UInt8]) {
        self.tag = tag
        self.payload = payload
    }
}
