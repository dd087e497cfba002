// The resolved configuration: what the daemon will run, after INI parsing,
// `%(name)s` expansion, defaults and validation. Values are fully typed;
// nothing downstream re-parses strings. Option names follow supervisord's so
// `--dump-config` can print them under the same keys.

/// `autorestart=`: when an EXITED process is started again.
public enum AutoRestart: String, Sendable, Equatable {
    /// `true`: always restart after exit.
    case always
    /// `false`: never restart.
    case never
    /// `unexpected`: restart when the exit status is not in `exitcodes`.
    case unexpected
}

/// `stdout_logfile=` / `stderr_logfile=`.
public enum LogTarget: Sendable, Equatable {
    /// `NONE` / `OFF`: output is read and discarded.
    case none
    /// `AUTO` (the default): a file in `childlogdir`, named at group creation.
    case auto
    /// An explicit path (already `~`-expanded, directory checked to exist).
    case path(String)
}

/// One output channel's logging options.
public struct ChannelLogConfig: Sendable, Equatable {
    public var target: LogTarget = .auto
    public var maxbytes: Int = 50 * 1024 * 1024
    public var backups: Int = 10
    public var captureMaxbytes: Int = 0
    public var eventsEnabled: Bool = false
    public var syslog: Bool = false
    /// `*_logfile_timestamps` (swiftvisord only): each line written with an
    /// ISO 8601 prefix of the moment the daemon read it (`LogTimestamp`).
    public var timestamps: Bool = false
    public init() {}
}

/// Where a config value came from, for error messages and warnings.
public struct SourceLocation: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public init(file: String, line: Int) { self.file = file; self.line = line }
    public var description: String { "\(file):\(line)" }
}

/// A named signal, kept as number and canonical name (without `SIG`).
public struct SignalSpec: Sendable, Equatable, Hashable {
    public var number: Int32
    public var name: String
    public init(number: Int32, name: String) { self.number = number; self.name = name }
}

/// A user account resolved at parse time (supervisord resolves `user=` while reading).
public struct ResolvedUser: Sendable, Equatable {
    public var name: String
    public var uid: UInt32
    public var gid: UInt32
    public init(name: String, uid: UInt32, gid: UInt32) { self.name = name; self.uid = uid; self.gid = gid }
}

/// One `KEY=VALUE` of an `environment=` option, in written order.
public struct EnvironmentVariable: Sendable, Equatable {
    public var key: String
    public var value: String
    public init(key: String, value: String) { self.key = key; self.value = value }
}

/// The options of one process: a `[program:x]` expanded for one `process_num`.
///
/// A copy-on-write reference to one `ProcessConfig.Options`: the loaded
/// `Configuration` and each process's state machine hold the same storage
/// instead of a copy each (about 600 bytes per process, which at 10,000
/// programs was a quarter of the daemon's memory: docs/benchmarks.md,
/// "Scale"). Options are read and written as if they were its own properties
/// (`config.name`, `config.stdout.maxbytes = n`); a write to a shared value
/// copies it first.
@dynamicMemberLookup
public struct ProcessConfig: Sendable, Equatable {
    @usableFromInline final class Storage: @unchecked Sendable {
        // Sendable: mutated only through a uniquely referenced `storage` (`options` below).
        @usableFromInline var options: Options
        @usableFromInline init(_ options: Options) { self.options = options }
    }
    @usableFromInline var storage: Storage

    public init(name: String, programName: String, groupName: String, command: String) {
        storage = Storage(Options(name: name, programName: programName, groupName: groupName, command: command))
    }

    /// All the options at once (a copy).
    @inlinable public var options: Options {
        get { storage.options }
        set {
            if isKnownUniquelyReferenced(&storage) { storage.options = newValue } else { storage = Storage(newValue) }
        }
    }

    @inlinable public subscript<T>(dynamicMember key: KeyPath<Options, T>) -> T {
        storage.options[keyPath: key]
    }

    @inlinable public subscript<T>(dynamicMember key: WritableKeyPath<Options, T>) -> T {
        get { storage.options[keyPath: key] }
        set {
            if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.options) }
            storage.options[keyPath: key] = newValue
        }
    }

    public static func == (a: ProcessConfig, b: ProcessConfig) -> Bool {
        a.storage === b.storage || a.storage.options == b.storage.options
    }

    /// `group:process`, or just `process` when both are equal (supervisord's make_namespec).
    public var namespec: String { storage.options.namespec }
    /// Started by the daemon at start-up: `autostart`, or `dependent_startup`.
    public var startsAtLaunch: Bool { storage.options.startsAtLaunch }

    /// The options themselves, by value.
    public struct Options: Sendable, Equatable {
        /// Expanded `process_name`: unique within its group.
        public var name: String
        /// The `x` of `[program:x]`.
        public var programName: String
        /// The group it runs in: `x`, or `g` when a `[group:g]` absorbed it.
        public var groupName: String
        public var processNum: Int = 0
        /// After expansion and continuation-line joining; split into argv at spawn time.
        public var command: String
        public var directory: String? = nil
        public var umask: UInt32? = nil
        public var priority: Int = 999
        public var autostart: Bool = true
        public var autorestart: AutoRestart = .unexpected
        public var startsecs: Int = 1
        public var startretries: Int = 3
        public var exitcodes: [Int] = [0]
        public var stopsignal: SignalSpec = SignalSpec(number: 15, name: "TERM")
        public var stopwaitsecs: Int = 10
        public var stopasgroup: Bool = false
        public var killasgroup: Bool = false
        /// `cgroup=` (swiftvisor only): each process runs in a cgroup of its own,
        /// and stop/kill signals reach every process in it, also those that left
        /// the process group (docs/configuration.md).
        public var cgroup: Bool = false
        public var user: ResolvedUser? = nil
        public var redirectStderr: Bool = false
        public var stdout = ChannelLogConfig()
        public var stderr = ChannelLogConfig()
        /// The program's `environment=` merged over `[supervisord] environment=`; nil when neither is set.
        public var environment: [EnvironmentVariable]? = nil
        /// `serverurl=`; nil means AUTO (computed from the server sections).
        public var serverurl: String? = nil
        /// Where the section was defined.
        public var location: SourceLocation? = nil
        /// `numprocs=` of the section this process came from.
        public var numprocs: Int = 1
        /// `numprocs_start=` of the section this process came from.
        public var numprocsStart: Int = 0
        /// The program's own `environment=` alone (before merging `[supervisord] environment=`).
        public var programEnvironment: [EnvironmentVariable]? = nil
        /// `depends_on=` as written (swiftvisor only, docs/dependencies.md);
        /// `dependent_startup_wait_for=` items are added here too.
        public var dependsOn: [DependencySpec] = []
        /// Where `depends_on` (or `dependent_startup_wait_for`) was written.
        public var dependsOnLocation: SourceLocation? = nil
        /// `dependsOn` resolved to processes (DependencyGraph.resolveAll).
        public var dependencies: [ResolvedDependency] = []
        /// `depends_on_timeout=`: seconds a start waits for its dependencies; 0 = for ever.
        public var dependsOnTimeout: Int = 0
        /// `dependent_startup=true` (the supervisord-dependent-startup listener's
        /// key): started at start-up, once its dependencies are met, even with autostart=false.
        public var dependentStartup: Bool = false
        /// `readiness*=`: what makes STARTING become RUNNING (default: startsecs).
        public var readiness = ReadinessConfig()
        /// `liveness*=`: checks while RUNNING; nil when none.
        public var liveness: LivenessConfig? = nil
        /// `watchdog_sec=` (readiness=notify): WATCHDOG=1 expected this often; 0 = none.
        public var watchdogSec: Int = 0

        /// Started by the daemon at start-up: `autostart`, or `dependent_startup`
        /// (which the listener's users combine with autostart=false).
        public var startsAtLaunch: Bool { autostart || dependentStartup }

        public init(name: String, programName: String, groupName: String, command: String) {
            self.name = name
            self.programName = programName
            self.groupName = groupName
            self.command = command
        }

        /// `group:process`, or just `process` when both are equal (supervisord's make_namespec).
        public var namespec: String { groupName == name ? name : "\(groupName):\(name)" }
    }
}

/// Which kind of section defined a group.
public enum GroupKind: String, Sendable, Equatable {
    case program
    case fcgiProgram = "fcgi-program"
    case eventListener = "eventlistener"
    /// `[group:x]` absorbing programs.
    case heterogeneous = "group"
}

/// `[fcgi-program:x]` socket options.
public struct FcgiSocketConfig: Sendable, Equatable {
    public var socket: String
    public var backlog: Int?
    public var owner: String?
    public var mode: UInt32?
    /// Resolved `socket_owner` (or the fcgi `user=` when it differs from the daemon's uid).
    public var ownerUID: UInt32? = nil
    /// nil: leave the group unchanged.
    public var ownerGID: UInt32? = nil
    public init(socket: String) { self.socket = socket }
}

/// `[eventlistener:x]` options beyond a program's.
public struct EventListenerConfig: Sendable, Equatable {
    public var events: [String]
    public var bufferSize: Int = 10
    public var resultHandler: String = "supervisor.dispatchers:default_handler"
    public init(events: [String]) { self.events = events }
}

/// A process group as supervisord builds it.
public struct GroupConfig: Sendable, Equatable {
    public var name: String
    public var priority: Int
    public var kind: GroupKind
    /// In process order (supervisord sorts a homogeneous group by (priority, name)).
    public var processes: [ProcessConfig]
    public var fcgi: FcgiSocketConfig? = nil
    public var eventListener: EventListenerConfig? = nil
    /// Where the defining section starts.
    public var location: SourceLocation? = nil
    public init(name: String, priority: Int, kind: GroupKind, processes: [ProcessConfig]) {
        self.name = name
        self.priority = priority
        self.kind = kind
        self.processes = processes
    }
}

/// `[supervisord]`.
public struct SupervisordConfig: Sendable, Equatable {
    public var logfile: String = "supervisord.log"
    public var logfileMaxbytes: Int = 50 * 1024 * 1024
    public var logfileBackups: Int = 10
    public var loglevel: String = "info"
    public var pidfile: String = "supervisord.pid"
    public var umask: UInt32 = 0o022
    public var nodaemon: Bool = false
    public var silent: Bool = false
    public var minfds: Int = 1024
    public var minprocs: Int = 200
    public var nocleanup: Bool = false
    public var childlogdir: String = "/tmp"
    public var user: ResolvedUser? = nil
    public var directory: String? = nil
    public var stripAnsi: Bool = false
    /// `childlog_timestamps` (swiftvisord only): the default of every
    /// program's `stdout_logfile_timestamps`/`stderr_logfile_timestamps`.
    public var childlogTimestamps: Bool = false
    public var environment: [EnvironmentVariable]? = nil
    public var identifier: String = "supervisor"
    public init() {}
}

/// `[unix_http_server]` (or `[unix_http_server:name]`).
public struct UnixHTTPServerConfig: Sendable, Equatable {
    public var section: String = "unix_http_server"
    public var file: String
    public var chmod: UInt32 = 0o700
    /// `chown=user[:group]`, resolved; nil leaves the owner unchanged.
    public var chownUID: UInt32? = nil
    public var chownGID: UInt32? = nil
    public var username: String? = nil
    public var password: String? = nil
    /// `legacy_get_actions=false`: the web page's GET action URLs are refused (docs/web.md).
    public var legacyGetActions = true
    public init(file: String) { self.file = file }
}

/// `[inet_http_server]`: a TCP control endpoint (SWV1, and HTTP/XML-RPC through the HTTP worker).
public struct InetHTTPServerConfig: Sendable, Equatable {
    public var section: String = "inet_http_server"
    public var host: String
    public var port: Int
    public var username: String? = nil
    public var password: String? = nil
    /// `legacy_get_actions=false`: the web page's GET action URLs are refused (docs/web.md).
    public var legacyGetActions = true
    public init(host: String, port: Int) { self.host = host; self.port = port }
}

/// `[supervisorctl]`.
public struct SupervisorctlConfig: Sendable, Equatable {
    public var serverurl: String = "http://localhost:9001"
    public var username: String? = nil
    public var password: String? = nil
    public var prompt: String = "supervisor"
    public var historyFile: String? = nil
    public init() {}
}

/// A non-fatal finding while reading, listed by `--check` and logged at start.
public struct ConfigWarning: Sendable, Equatable, CustomStringConvertible {
    public var location: SourceLocation?
    public var message: String
    /// False for warnings only swiftvisor gives (unknown options and sections):
    /// supervisord accepts those silently.
    public var supervisordWarns: Bool = true
    public init(location: SourceLocation?, message: String, supervisordWarns: Bool = true) {
        self.location = location; self.message = message; self.supervisordWarns = supervisordWarns
    }
    public var description: String {
        if let location { return "\(location): \(message)" }
        return message
    }
}

/// Everything read from a main config and its includes.
public struct Configuration: Sendable, Equatable {
    /// Absolute path of the main config file.
    public var configFile: String
    public var supervisord = SupervisordConfig()
    public var unixHTTPServers: [UnixHTTPServerConfig] = []
    public var inetHTTPServers: [InetHTTPServerConfig] = []
    public var supervisorctl: SupervisorctlConfig? = nil
    /// Sorted as supervisord sorts them: by (priority, name).
    public var groups: [GroupConfig] = []
    /// `[rpcinterface:x]` name → factory.
    public var rpcInterfaces: [String: String] = [:]
    /// The `[program:x]`, `[fcgi-program:x]` and `[eventlistener:x]` sections read, in file order.
    public var programSections: [String] = []
    /// Files read, main first, in read order.
    public var filesRead: [String] = []
    public var warnings: [ConfigWarning] = []
    /// INFO lines supervisord logs while parsing (`Included extra file ...`).
    public var infos: [String] = []
    /// Options only swiftvisord understands that are in use (supervisord
    /// ignores them): listed by `--check` as `extension:` lines.
    public var extensions: [ConfigWarning] = []
    public init(configFile: String) { self.configFile = configFile }
}
