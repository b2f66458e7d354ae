/// Reads the header and table of a container, then single sections on demand.
public struct ModelContainerReader {
    public struct Entry: Equatable, Sendable {
        public let tag: String
        public let offset: Int
        public let length: Int
        let crc: UInt32
        /// First 8 bytes of the payload's SHA-256: a cheap identity of the section.
        let digestPrefix: [UInt8]
    }

    public let source: ByteSource
    public let version: UInt32
    public let entries: [Entry]
    /// Position of each tag in `entries`: sections are found in constant time, so a file of many sections
    /// costs linear time to read.
    private let index: [String: Int]

    public init(source: ByteSource) throws {
        self.source = source
        let size = source.size
        guard size >= ModelContainer.magic.count else {
            // A prefix of the magic is a truncated model; anything else is foreign.
            let head = try source.read(offset: 0, count: size)
            if !head.isEmpty, Array(ModelContainer.magic.prefix(head.count)) == head {
                throw ModelFileError.truncated(expected: ModelContainer.fixedHeaderSize, actual: size)
            }
            throw ModelFileError.foreign
        }
        guard try source.read(offset: 0, count: 8) == ModelContainer.magic else { throw ModelFileError.foreign }
        guard size >= ModelContainer.fixedHeaderSize else {
            throw ModelFileError.truncated(expected: ModelContainer.fixedHeaderSize, actual: size)
        }
        var head = ByteReader(try source.read(offset: 8, count: 8))
        let version = try head.u32()
        let count = Int(try head.u32())
        guard version <= ModelContainer.formatVersion else {
            throw ModelFileError.newerVersion(found: version, supported: ModelContainer.formatVersion)
        }
        guard version >= 1 else { throw ModelFileError.corruptHeader }
        let headerSize = ModelContainer.headerSize(sections: count)
        guard count < 1 << 24 else { throw ModelFileError.corruptHeader }
        guard size >= headerSize else { throw ModelFileError.truncated(expected: headerSize, actual: size) }
        let header = try source.read(offset: 0, count: headerSize)
        var crcReader = ByteReader(header, offset: headerSize - 4)
        let storedCRC = try crcReader.u32()
        let actualCRC = header.withUnsafeBytes { crc32Checksum(UnsafeRawBufferPointer(rebasing: $0[0..<headerSize - 4])) }
        guard storedCRC == actualCRC else { throw ModelFileError.corruptHeader }

        var r = ByteReader(header, offset: ModelContainer.fixedHeaderSize)
        var entries = [Entry]()
        var index = [String: Int]()
        entries.reserveCapacity(count)
        index.reserveCapacity(count)
        var expectedOffset = headerSize
        for _ in 0..<count {
            let tagBytes = try r.raw(ModelContainer.tagSize)
            let name = tagBytes.prefix { $0 != 0 }
            let tag = String(decoding: name, as: UTF8.self)
            // 1 to 16 printable ASCII bytes, zero-padded; unique.
            guard !name.isEmpty, name.allSatisfy({ $0 > 32 && $0 < 127 }), tagBytes.dropFirst(name.count).allSatisfy({ $0 == 0 })
            else { throw ModelFileError.invalidTag(tag) }
            guard index.updateValue(entries.count, forKey: tag) == nil else { throw ModelFileError.duplicateSection(tag) }
            let offset = try r.u64()
            let length = try r.u64()
            let crc = try r.u32()
            _ = try r.u32()
            let digest = try r.raw(8)
            // Lengths past the end of the file are refused before they are summed (no overflow).
            guard offset == UInt64(expectedOffset), length <= UInt64(max(0, size - expectedOffset)) else {
                throw length < UInt64(Int.max / 2) ? ModelFileError.truncated(expected: expectedOffset + Int(length), actual: size)
                                                   : ModelFileError.corruptHeader
            }
            entries.append(Entry(tag: tag, offset: Int(offset), length: Int(length), crc: crc, digestPrefix: digest))
            expectedOffset += Int(length)
        }
        guard size >= expectedOffset else { throw ModelFileError.truncated(expected: expectedOffset, actual: size) }
        guard size == expectedOffset else { throw ModelFileError.corruptHeader }
        self.version = version
        self.entries = entries
        self.index = index
    }

    public func has(_ tag: String) -> Bool { index[tag] != nil }

    /// The table entry of a section.
    public func entry(_ tag: String) -> Entry? { index[tag].map { entries[$0] } }

    /// The payload of one section, checked against its CRC-32.
    func payload(_ tag: String) throws -> [UInt8] {
        guard let e = entry(tag) else { throw ModelFileError.missingSection(tag) }
        let bytes = try source.read(offset: e.offset, count: e.length)
        guard crc32Checksum(bytes) == e.crc else { throw ModelFileError.corruptSection(tag) }
        return bytes
    }

    /// The payload of one section in place (no copy for a mapped file), checked against its CRC-32: for
    /// sections of hundreds of megabytes, where a copy costs as much as the decoding.
    func withPayload<T>(_ tag: String, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        guard let e = entry(tag) else { throw ModelFileError.missingSection(tag) }
        return try source.withBytes(offset: e.offset, count: e.length) { bytes in
            guard crc32Checksum(bytes) == e.crc else { throw ModelFileError.corruptSection(tag) }
            return try body(bytes)
        }
    }

    /// A reader over one section's payload; decoding errors become `malformedSection`.
    public func decode<T>(_ tag: String, _ body: (inout ByteReader) throws -> T) throws -> T {
        var r = ByteReader(try payload(tag))
        do {
            let value = try body(&r)
            guard r.atEnd else { throw ModelFileError.malformedSection(tag, "\(r.remaining) unread bytes") }
            return value
        } catch let e as ByteReaderError {
            throw ModelFileError.malformedSection(tag, "\(e)")
        }
    }
}
