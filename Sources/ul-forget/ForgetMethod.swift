import ULCLI

/// One way of forgetting (`--method`, and whether the model was trained on selected rows): it reads and
/// checks the data through the job, and ends in the job's commit path.
protocol ForgetMethod {
    func run(_ job: ForgetJob) throws -> ExitStatus
}

extension ForgetOptions {
    /// The method these options and this model call for.
    func forgetMethod(for job: ForgetJob) -> ForgetMethod {
        let selected = job.model.selection != nil
        switch method {
        case .exact: return selected ? ArcaneForget(fromScratch: false) : ExactForget(fromScratch: false)
        case .retrain: return selected ? ArcaneForget(fromScratch: true) : ExactForget(fromScratch: true)
        case .puma: return ApproximateForget(patch: PumaPatch(options: approximate!))
        case .newton: return ApproximateForget(patch: NewtonPatch(options: approximate!))
        }
    }
}
