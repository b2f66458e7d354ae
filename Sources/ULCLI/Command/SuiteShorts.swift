/// The short letters of the suite and what each means everywhere (ul(7), SHORT OPTIONS): a letter means
/// one long option in every tool that has it. The tests hold every tool's --help to this table.
public enum SuiteShorts {
    public static let table: [(short: Character, long: String)] = [
        ("d", "data"), ("e", "epochs"), ("f", "forget"), ("h", "help"), ("j", "jobs"), ("k", "shadow"),
        ("m", "model"), ("o", "output"), ("p", "proba"), ("q", "quiet"), ("r", "requests"), ("s", "seed"),
        ("t", "test"), ("v", "verbose"),
    ]

    /// The long option a short letter means in every tool that has it.
    public static func meaning(_ c: Character) -> String? { table.first { $0.short == c }?.long }
}
