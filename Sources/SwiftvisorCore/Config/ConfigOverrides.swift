// supervisord's command-line options that override `[supervisord]` keys.
// supervisord ranks them: command line > config file > default
// (options.py `_set` priorities 2 > 0 > default).

/// Values given on the command line, as written; nil means "not given".
public struct ConfigOverrides: Sendable, Equatable {
    public var nodaemon: Bool? = nil
    public var silent: Bool? = nil
    public var nocleanup: Bool? = nil
    public var stripAnsi: Bool? = nil
    public var user: String? = nil
    public var umask: String? = nil
    public var directory: String? = nil
    public var logfile: String? = nil
    public var logfileMaxbytes: String? = nil
    public var logfileBackups: String? = nil
    public var loglevel: String? = nil
    public var pidfile: String? = nil
    public var identifier: String? = nil
    public var childlogdir: String? = nil
    public var minfds: String? = nil
    public var minprocs: String? = nil
    public init() {}
}
