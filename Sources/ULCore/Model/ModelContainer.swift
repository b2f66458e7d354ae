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
enum ModelContainer {
    static let magic: [UInt8] = [0x89, 0x55, 0x4C, 0x4D, 0x0D, 0x0A, 0x1A, 0x0A]
    static let formatVersion: UInt32 = 1
    static let tagSize = 16
    static let entrySize = 48
    static let fixedHeaderSize = 16

    /// Encodes sections, in the order given, into the bytes of a model file.
    static func encode(_ sections: [ModelSection]) throws -> [UInt8] {
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
    static func decode(_ bytes: [UInt8]) throws -> [ModelSection] {
        let reader = try ModelContainerReader(source: bytes)
        return try reader.entries.map { ModelSection(tag: $0.tag, payload: try reader.payload($0.tag)) }
    }
}
