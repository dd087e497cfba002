// supervisorctl's exit codes (supervisorctl.py LSBInitExitStatuses,
// LSBStatusExitStatuses, set_exitstatus_from_xmlrpc_fault).

public enum CtlExitStatus {
    public static let success: Int32 = 0
    public static let generic: Int32 = 1
    public static let invalidArgs: Int32 = 2
    public static let unimplementedFeature: Int32 = 3
    public static let insufficientPrivileges: Int32 = 4
    public static let notInstalled: Int32 = 5
    public static let notRunning: Int32 = 7
    /// `status` only: a listed process is stopped.
    public static let statusNotRunning: Int32 = 3
    /// `status` only: a bad name, or the daemon cannot be reached.
    public static let statusUnknown: Int32 = 4

    /// The exit status a per-name result sets, or nil when it leaves the
    /// current one alone (SUCCESS and the command's ignored fault). The last
    /// non-nil one wins: supervisorctl overwrites on every result.
    public static func forResult(_ code: FaultCode, ignoring ignored: FaultCode? = nil) -> Int32? {
        if code == .success || code == ignored { return nil }
        // DEAD_PROGRAM_FAULTS
        if code == .spawnError || code == .abnormalTermination || code == .notRunning { return notRunning }
        return generic
    }
}
