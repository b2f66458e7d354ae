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
        var out = [UInt8]()
        try write(sections.map(ModelSectionStream.init), to: { out.append(contentsOf: $0) })
        return out
    }

    /// Writes sections, in the order given, as the bytes of a model file, through `emit` in pieces: each
    /// payload is read twice (checksums first, since the table precedes the payloads) and never gathered
    /// into one array, so a sidecar of hundreds of megabytes is written without a copy of itself.
    static func write(_ sections: [ModelSectionStream], to emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        var seen = Set<String>()
        for s in sections {
            guard s.tag.utf8.count <= tagSize, !s.tag.isEmpty, s.tag.utf8.allSatisfy({ $0 > 32 && $0 < 127 })
            else { throw ModelFileError.invalidTag(s.tag) }
            guard seen.insert(s.tag).inserted else { throw ModelFileError.duplicateSection(s.tag) }
        }
        let headerSize = headerSize(sections: sections.count)
        var w = ByteWriter()
        w.raw(magic)
        w.u32(formatVersion)
        w.u32(UInt32(sections.count))
        var offset = UInt64(headerSize)
        for s in sections {
            var tag = Array(s.tag.utf8)
            tag += [UInt8](repeating: 0, count: tagSize - tag.count)
            let (count, crc, digestPrefix) = try s.checksums ?? {
                var crc = crc32Checksum(UnsafeRawBufferPointer(start: nil, count: 0))
                var count = 0
                let sha = SHA256Digest()
                try s.pieces { piece in
                    crc = crc32Continue(crc, piece)
                    sha.update(piece)
                    count += piece.count
                }
                return (count, crc, Array(sha.finish().prefix(8)))
            }()
            w.raw(tag)
            w.u64(offset)
            w.u64(UInt64(count))
            w.u32(crc)
            w.u32(0)
            w.raw(digestPrefix)
            offset += UInt64(count)
        }
        w.u32(crc32Checksum(w.bytes))
        try w.bytes.withUnsafeBytes { try emit($0) }
        var written = UInt64(headerSize)
        for s in sections {
            try s.pieces { piece in
                written += UInt64(piece.count)
                // A payload that hands out other bytes the second time would not match its table entry.
                guard written <= offset else { throw ModelFileError.malformedSection(s.tag, "payload changed while written") }
                try emit(piece)
            }
        }
        guard written == offset else { throw ModelFileError.malformedSection(sections.last?.tag ?? "", "payload changed while written") }
    }

    /// Bytes before the first payload: fixed header, table, table CRC.
    static func headerSize(sections: Int) -> Int { fixedHeaderSize + entrySize * sections + 4 }

    /// Decodes a whole file held in memory.
    static func decode(_ bytes: [UInt8]) throws -> [ModelSection] {
        let reader = try ModelContainerReader(source: bytes)
        return try reader.entries.map { ModelSection(tag: $0.tag, payload: try reader.payload($0.tag)) }
    }
}
