import ULCLI

// The approximate methods are not available yet; Approximate.swift replaces this file.

/// Options of the approximate methods (none yet).
let approximateMethodOptions: [OptionSpec] = []

func forgetPUMA(_ job: ForgetJob) throws -> ExitStatus {
    throw ToolError.usage("--method puma is not available yet (use exact or retrain)")
}

func forgetNewton(_ job: ForgetJob) throws -> ExitStatus {
    throw ToolError.usage("--method newton is not available yet (use exact or retrain)")
}
