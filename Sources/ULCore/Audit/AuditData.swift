/// The three row sets of an audit, features raw (before the model's `--scale`), classes indexing the model's
/// labels: the retained rows (members the model still trains on), the forgotten rows (the rows whose membership is
/// in question) and held-out test rows (non-members).
public struct AuditData {
    public var retain: Dataset
    public var forget: Dataset
    public var test: Dataset

    public init(retain: Dataset, forget: Dataset, test: Dataset) {
        self.retain = retain
        self.forget = forget
        self.test = test
    }
}
