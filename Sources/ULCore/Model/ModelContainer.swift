/// The `.ulm` container: a header, a table of sections and the section payloads, each
/// payload with its own CRC-32, so that one section can be read and checked without the rest.
/// Layout (little-endian), documented in man/ul-model.5:
///
///     0   8  magic  89 55 4C 4D 0D 0A 1A 0A  ("\x89ULM\r\n\x1a\n")
///     8   4  format version (u32)
///    12   4  section count n (u32)
///    16  48n table: tag (16 bytes, ASCII, zero-padded), offset (u64), length (u64),
///                   CRC-32 of the payload (u32), reserved (u32, zero), SHA-256 prefix (8 bytes)
///  16+48n 4  CRC-32 of bytes 0 ..< 16+48n
///   ...      payloads, in table order, back to back
public enum ModelContainer {
    public static let magic: [UInt8] = [0x89, 0x55, 0x4C, 0x4D, 0x0D, 0x0A, 0x1A, 0x0A]
    public static let formatVersion: UInt32 = 1
    public static let tagSize = 16
    static let entrySize = 48
    static let fixedHeaderSize = 16

    /// Encodes sections, in the order given, into the bytes of a model file.
    public static func encode(_ sections: [ModelSection]) throws -> [UInt8] {
        var seen = Set<String>()
        for s in sections {
            guard s.tag.utf8.count <= tagSize, !s.tag.isEmpty, s.tag.utf8.allSatisfy({ $0 > 32 && $0 < 127 })
            else { throw ModelFileError.invalidTag(s.tag) }
            guard seen.insert(s.tag).inserted else { throw ModelFileError.duplicateSection(s.tag) }
        }
        let headerSize = fixedHeaderSize + entrySize * sections.count + 4
        var w = ByteWriter()
        w.raw(magic)
        w.u32(formatVersion)
        w.u32(UInt32(sections.count))
        var offset = UInt64(headerSize)
        for s in sections {
            var tag = Array(s.tag.utf8)
            tag += [UInt8](repeating: 0, count: tagSize - tag.count)
            w.raw(tag)
            w.u64(offset)
            w.u64(UInt64(s.payload.count))
            w.u32(crc32Checksum(s.payload))
            w.u32(0)
            w.raw(Array(SHA256Digest.hash(s.payload).prefix(8)))
            offset += UInt64(s.payload.count)
        }
        w.u32(crc32Checksum(w.bytes))
        var out = w.bytes
        out.reserveCapacity(Int(offset))
        for s in sections { out += s.payload }
        return out
    }

    /// Decodes a whole file held in memory.
    public static func decode(_ bytes: [UInt8]) throws -> [ModelSection] {
        let reader = try ModelContainerReader(source: bytes)
        return try reader.entries.map { ModelSection(tag: $0.tag, payload: try reader.payload($0.tag)) }
    }
}

/// One named section of a model file.
public struct ModelSection: Equatable, Sendable {
    public var tag: String
    public var payload: [UInt8]
    public init(tag: String, payload: [UInt8]) {
        self.tag = tag
        self.payload = payload
    }
}

/// Typed failures of reading or writing a model file.
public enum ModelFileError: Error, Equatable, CustomStringConvertible {
    /// The file does not begin with the ul model magic number.
    case foreign
    /// The file is shorter than its header or table says.
    case truncated(expected: Int, actual: Int)
    /// The file was written by a newer format version than this build reads.
    case newerVersion(found: UInt32, supported: UInt32)
    /// The header or the table of sections fails its checksum.
    case corruptHeader
    /// A section's bytes fail their checksum.
    case corruptSection(String)
    /// A section the reader needs is not in the file.
    case missingSection(String)
    /// A section passed its checksum but its content cannot be decoded.
    case malformedSection(String, String)
    /// A section tag is empty, longer than 16 bytes or not printable ASCII.
    case invalidTag(String)
    /// Two sections share a tag.
    case duplicateSection(String)

    public var description: String {
        switch self {
        case .foreign: return "not a ul model file (bad magic number)"
        case let .truncated(e, a): return "truncated model file (expected at least \(e) bytes, found \(a))"
        case let .newerVersion(f, s):
            return "model file format version \(f) is newer than this program reads (\(s)); upgrade ul"
        case .corruptHeader: return "corrupt model file: header checksum mismatch"
        case let .corruptSection(t): return "corrupt model file: checksum mismatch in section '\(t)'"
        case let .missingSection(t): return "model file has no section '\(t)'"
        case let .malformedSection(t, why): return "malformed section '\(t)' in model file: \(why)"
        case let .invalidTag(t): return "invalid section tag '\(t)'"
        case let .duplicateSection(t): return "duplicate section tag '\(t)'"
        }
    }
}

/// Random access to bytes: a file (in the CLI module) or an array in memory.
public protocol ByteSource {
    var size: Int { get }
    func read(offset: Int, count: Int) throws -> [UInt8]
    /// Calls `body` with the bytes in place where the source can (a mapped file), else with a copy.
    func withBytes<T>(offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T
}

extension ByteSource {
    public func withBytes<T>(offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        try read(offset: offset, count: count).withUnsafeBytes(body)
    }
}

extension Array: ByteSource where Element == UInt8 {
    public var size: Int { count }
    public func read(offset: Int, count: Int) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset + count <= self.count else {
            throw ModelFileError.truncated(expected: offset + count, actual: self.count)
        }
        return Array(self[offset..<offset + count])
    }
}

/// Reads the header and table of a container, then single sections on demand.
public struct ModelContainerReader {
    public struct Entry: Equatable, Sendable {
        public let tag: String
        public let offset: Int
        public let length: Int
        public let crc: UInt32
        /// First 8 bytes of the payload's SHA-256: a cheap identity of the section.
        public let digestPrefix: [UInt8]
    }

    public let source: ByteSource
    public let version: UInt32
    public let entries: [Entry]

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
        let headerSize = ModelContainer.fixedHeaderSize + ModelContainer.entrySize * count + 4
        guard count < 1 << 24 else { throw ModelFileError.corruptHeader }
        guard size >= headerSize else { throw ModelFileError.truncated(expected: headerSize, actual: size) }
        let header = try source.read(offset: 0, count: headerSize)
        var crcReader = ByteReader(header, offset: headerSize - 4)
        let storedCRC = try crcReader.u32()
        let actualCRC = header.withUnsafeBytes { crc32Checksum(UnsafeRawBufferPointer(rebasing: $0[0..<headerSize - 4])) }
        guard storedCRC == actualCRC else { throw ModelFileError.corruptHeader }

        var r = ByteReader(header, offset: ModelContainer.fixedHeaderSize)
        var entries = [Entry]()
        var expectedOffset = headerSize
        for _ in 0..<count {
            let tagBytes = try r.raw(ModelContainer.tagSize)
            let tag = String(decoding: tagBytes.prefix { $0 != 0 }, as: UTF8.self)
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
    }

    public func has(_ tag: String) -> Bool { entries.contains { $0.tag == tag } }

    /// The payload of one section, checked against its CRC-32.
    public func payload(_ tag: String) throws -> [UInt8] {
        guard let e = entries.first(where: { $0.tag == tag }) else { throw ModelFileError.missingSection(tag) }
        let bytes = try source.read(offset: e.offset, count: e.length)
        guard crc32Checksum(bytes) == e.crc else { throw ModelFileError.corruptSection(tag) }
        return bytes
    }

    /// The payload of one section in place (no copy for a mapped file), checked against its CRC-32: for
    /// sections of hundreds of megabytes, where a copy costs as much as the decoding.
    public func withPayload<T>(_ tag: String, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        guard let e = entries.first(where: { $0.tag == tag }) else { throw ModelFileError.missingSection(tag) }
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
