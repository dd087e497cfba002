// The control socket's place in start-up: bound in the foreground before
// daemonizing (so "already listening" reaches the terminal), attached to the
// daemon once it exists, removed at exit.
import Glibc
import SwiftvisorCore
import SwiftvisorOS

struct ControlSocketError: Error, CustomStringConvertible {
    var description: String
}

final class ControlSocketSetup: DaemonControlHooks {
    /// One per `[unix_http_server]` / `[unix_http_server:x]` section, bound, not yet served.
    private var bound: [(config: UnixHTTPServerConfig, fd: Int32)] = []
    private var servers: [(config: UnixHTTPServerConfig, server: ControlServer)] = []
    private weak var daemon: Daemon?
    private weak var log: MainLog?
    /// The listening sockets, which daemonizing must keep open.
    var descriptors: [Int32] { bound.map(\.fd) }

    /// Create every configured socket file (supervisord's bind/chmod/link/chown).
    /// No `[unix_http_server]` section means no control channel, which is not an error.
    static func bind(_ config: Configuration) throws(ControlSocketError) -> ControlSocketSetup {
        let setup = ControlSocketSetup()
        for server in config.unixHTTPServers {
            do {
                let fd = try UnixSocket.listen(path: server.file, mode: server.chmod, uid: server.chownUID,
                                               gid: server.chownGID, onStale: { path in
                    writeStandardError("Unlinking stale socket \(path)\n")
                })
                setup.bound.append((server, fd))
            } catch {
                setup.remove()
                throw ControlSocketError(description: error.description)
            }
        }
        return setup
    }

    /// Log supervisord's CRIT for each socket without credentials, at the point
    /// of start-up where supervisord opens its servers (before "daemonizing").
    func announce(to log: MainLog) {
        self.log = log
        for (config, _) in bound { logIfUnauthenticated(config) }
    }

    /// Serve the bound sockets on the daemon's loop with the daemon as handler.
    func attach(to daemon: Daemon, log: MainLog) {
        self.daemon = daemon
        self.log = log
        for (config, fd) in bound {
            servers.append((config, serve(config, listeningOn: fd, daemon: daemon, log: log)))
        }
        bound = []
        daemon.control = self
        // `maintail -f` followers read the main log as it grows.
        log.onWrite = { [weak self, unowned log] in
            if let path = log.path { self?.logWritten(path: path) }
        }
    }

    /// Close the servers and remove the socket files (at exit, or when start-up fails).
    func remove() {
        for (config, fd) in bound {
            Sys.close(fd)
            _ = unlink(config.file)
        }
        bound = []
        close()
    }

    // MARK: DaemonControlHooks

    func logWritten(path: String) {
        for s in servers { s.server.logWritten(path: path) }
    }

    /// After a reload: a socket whose `file`/`chmod`/`chown` is unchanged stays
    /// (clients keep their connections) and takes the new credentials; one that
    /// changed is bound anew and the old one closed, as supervisord reopens its
    /// servers on every reload. A new socket that cannot be bound is logged and
    /// the old one kept, so the daemon stays reachable.
    func configurationChanged() {
        guard let daemon, let log else { return }
        var next: [(config: UnixHTTPServerConfig, server: ControlServer)] = []
        var remaining = servers
        for wanted in daemon.config.unixHTTPServers {
            let index = remaining.firstIndex { $0.config.section == wanted.section }
            let current = index.map { remaining.remove(at: $0) }
            if let current, Self.sameSocket(current.config, wanted) {
                current.server.updateCredentials(wanted)
                next.append((wanted, current.server))
            } else {
                // The same path with a new mode or owner: free the path first.
                if let current, current.config.file == wanted.file { current.server.close() }
                do {
                    let fd = try UnixSocket.listen(path: wanted.file, mode: wanted.chmod, uid: wanted.chownUID,
                                                   gid: wanted.chownGID, onStale: { [unowned log] path in
                        log.info("Unlinking stale socket \(path)")
                    })
                    if let current, current.config.file != wanted.file { current.server.close() }
                    next.append((wanted, serve(wanted, listeningOn: fd, daemon: daemon, log: log)))
                } catch {
                    log.error("could not listen on \(wanted.file) for [\(wanted.section)]: \(error)")
                    if let current, current.config.file != wanted.file {
                        current.server.updateCredentials(wanted)
                        next.append((current.config, current.server))
                    }
                    continue
                }
            }
        }
        for gone in remaining { gone.server.close() }
        servers = next
        for s in servers { logIfUnauthenticated(s.config) }
    }

    private static func sameSocket(_ a: UnixHTTPServerConfig, _ b: UnixHTTPServerConfig) -> Bool {
        a.file == b.file && a.chmod == b.chmod && a.chownUID == b.chownUID && a.chownGID == b.chownGID
    }

    private func serve(_ config: UnixHTTPServerConfig, listeningOn fd: Int32, daemon: Daemon, log: MainLog) -> ControlServer {
        let server = ControlServer(config: config, handler: daemon, loop: daemon.loop)
        server.beforeReply = { [unowned log] in log.flushBatch() }
        server.start(listeningOn: fd)
        return server
    }

    /// supervisord's wording (http.py make_http_servers), at start and on every reload.
    private func logIfUnauthenticated(_ config: UnixHTTPServerConfig) {
        if config.username == nil {
            log?.critical("Server '\(config.section)' running without any HTTP authentication checking")
        }
    }

    func close() {
        for s in servers { s.server.close() }
        servers = []
    }
}
