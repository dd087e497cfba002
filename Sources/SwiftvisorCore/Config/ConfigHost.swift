// What the config reader needs from the machine, injected so the reader stays
// pure: unit tests use an in-memory host, the daemon uses the live one in
// SwiftvisorOS (LiveConfigHost).

/// A user account as `getpwnam`/`getpwuid` return it.
public struct HostUser: Sendable, Equatable {
    public var name: String
    public var uid: UInt32
    public var gid: UInt32
    public var home: String
    public init(name: String, uid: UInt32, gid: UInt32, home: String) {
        self.name = name; self.uid = uid; self.gid = gid; self.home = home
    }
}

public protocol ConfigHost: Sendable {
    /// Bytes of a file, or nil when it cannot be read.
    func readFile(_ path: String) -> [UInt8]?
    func isDirectory(_ path: String) -> Bool
    func fileExists(_ path: String) -> Bool
    /// Python `glob.glob` semantics (`*`, `?`, `[...]`; no `**`, no `~`), unsorted.
    func glob(_ pattern: String) -> [String]
    func user(named: String) -> HostUser?
    func user(uid: UInt32) -> HostUser?
    /// gid of a group name, for `chown=user:group`.
    func groupID(named: String) -> UInt32?
    func groupExists(gid: UInt32) -> Bool
    /// The environment the daemon started with (`ENV_*`).
    var environment: [String: String] { get }
    /// `platform.node()`: the uname nodename.
    var hostName: String { get }
    /// Current working directory (relative `-c` paths, default logfile/pidfile).
    var currentDirectory: String { get }
    /// `tempfile.gettempdir()`: the default `childlogdir`.
    var tempDirectory: String { get }
    /// The effective uid of the daemon.
    var currentUID: UInt32 { get }
}
