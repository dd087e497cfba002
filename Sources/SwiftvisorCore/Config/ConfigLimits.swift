// The bounds the config reader enforces so that no file can make it trap,
// hang or use unbounded memory (docs/configuration.md, "Limits"). supervisord
// has none of these: a huge `%` width makes Python allocate gigabytes, a huge
// `numprocs` builds millions of configs, a huge `*_logfile_backups` makes
// every rotation loop for ever. Each limit is far above any real config and
// is stated in the error that refuses a value beyond it.

public enum ConfigLimits {
    /// Bytes of all config files read together (the main file and its includes).
    public static let inputBytes = 16 << 20
    /// Files `[include]` may read: each one re-scans every section read so
    /// far for `%(here)s` (supervisord's expand_here), so their number bounds
    /// quadratic work.
    public static let includedFiles = 1000
    /// Width or precision of one `%` format (`%(here)40s`, `%(process_num).3d`).
    public static let formatWidth = 4096
    /// Characters one option value may expand to.
    public static let expandedValue = 1 << 20
    /// Bytes all expanded values of one configuration may add up to (each
    /// value is expanded once per process).
    public static let expandedTotal = 64 << 20
    /// Processes one section may define (`numprocs=`).
    public static let numprocs = 10_000
    /// `numprocs_start=` lies within ± this, so `process_num` never overflows.
    public static let numprocsStart = 1_000_000_000
    /// Processes the whole configuration may define.
    public static let totalProcesses = 100_000
    /// `logfile_backups=`, `stdout_logfile_backups=`, `stderr_logfile_backups=`:
    /// each rotation renames every backup, so this bounds the work of one rotation.
    public static let logfileBackups = 1000
    /// `umask=`, `chmod=`, `socket_mode=`: permission bits only (`0o7777`).
    public static let mode: UInt32 = 0o7777
}
