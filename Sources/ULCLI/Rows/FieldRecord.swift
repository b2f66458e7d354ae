import ULCore

/// A record whose fields are also read as bytes, to be written back (ul-select, ul-predict): a record of a
/// stream (`CSVReader`) or of a piece (`PieceRecords`).
protocol FieldRecord: TrainingRecord {
    func field(_ i: Int) -> UnsafeBufferPointer<UInt8>
}

extension CSVReader: FieldRecord {
    func feature(_ i: Int, column header: [String]) throws -> Float { try float(i) }
}
extension PieceRecords: FieldRecord {}
