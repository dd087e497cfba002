// The control listeners' place in start-up: bound in the foreground before
// daemonizing (so "already listening" reaches the terminal), attached to the
// daemon once it exists, re-bound at reload when their address changed,
// removed at exit. One listener per `[unix_http_server]` socket file and per
// `[inet_http_server]` TCP port.
import SwiftvisorCore
import SwiftvisorOS

struct ControlSocketError: Error, CustomStringConvertible {
    var description: String
}

/// A configured listener: its binding (ListenerRebinding.Binding), plus the
/// socket file's config to create it from.
private struct Listener {
    var binding: ListenerRebinding.Binding
    var unix: UnixHTTPServerConfig?
    var endpoint: ControlEndpoint { binding.endpoint }

    static func all(in config: Configuration) -> [Listener] {
        let unix: [UnixHTTPServerConfig?] = config.unixHTTPServers.map { $0 } + config.inetHTTPServers.map { _ in nil }
        return zip(ListenerRebinding.Binding.all(in: config), unix).map { Listener(binding: $0, unix: $1) }
    }

    /// Create the socket file (supervisord's bind/chmod/link/chown) or listen
    /// on the TCP port.
    func bind(onStale: (String) -> Void) throws(ControlSocketError) -> Int32 {
        if let server = unix {
            do {
                return try UnixSocket.listen(path: server.file, mode: server.chmod, uid: server.chownUID,
                                             gid: server.chownGID, onStale: onStale)
            } catch {
                throw ControlSocketError(description: error.description)
            }
        }
        guard case .tcp(let host, let port) = endpoint.address else {
            throw ControlSocketError(description: "[\(endpoint.section)] has no address")
        }
        do {
            return try InetSocket.listen(host: host, port: port)
        } catch {
            // supervisord's wording for a port in use (options.py make_http_servers).
            throw ControlSocketError(description: error.errno == Errno.EADDRINUSE
                ? UnixSocketError.alreadyListening(endpoint.displayName).description
                : "cannot listen on [\(endpoint.section)] port=\(endpoint.displayName): \(error) (use an address of this machine, e.g. port=127.0.0.1:\(port))")
        }
    }

    /// Remove what `bind` created on disk (a TCP port leaves nothing).
    func removeFile() {
        if let server = unix { Sys.unlinkQuietly(server.file) }
    }
}

final class ControlSocketSetup: DaemonControlHooks {
    /// Bound, not yet served.
    private var bound: [(listener: Listener, fd: Int32)] = []
    private var servers: [(listener: Listener, server: ControlServer)] = []
    private weak var daemon: Daemon?
    private weak var log: MainLog?
    /// The HTTP worker, running while there is at least one listener.
    private var httpWorker: HTTPWorkerHost?
    /// The listening sockets, which daemonizing must keep open.
    var descriptors: [Int32] { bound.map(\.fd) }

    /// Bind every configured listener. No server section means no control
    /// channel, which is not an error.
    static func bind(_ config: Configuration) throws(ControlSocketError) -> ControlSocketSetup {
        let setup = ControlSocketSetup()
        for listener in Listener.all(in: config) {
            do {
                let fd = try listener.bind(onStale: { path in writeStandardError("Unlinking stale socket \(path)\n") })
                setup.bound.append((listener, fd))
            } catch {
                setup.remove()
                throw error
            }
        }
        return setup
    }

    /// Log supervisord's CRIT for each listener without credentials, at the
    /// point of start-up where supervisord opens its servers (before "daemonizing").
    func announce(to log: MainLog) {
        self.log = log
        for (listener, _) in bound { logIfUnauthenticated(listener) }
    }

    /// Serve the bound listeners on the daemon's loop with the daemon as handler.
    func attach(to daemon: Daemon, log: MainLog) {
        self.daemon = daemon
        self.log = log
        httpWorker = HTTPWorkerHost(loop: daemon.loop, log: log, argv0: daemon.launch.programName)
        for (listener, fd) in bound {
            servers.append((listener, serve(listener, listeningOn: fd, daemon: daemon, log: log)))
        }
        bound = []
        if !servers.isEmpty { httpWorker?.start() }
        daemon.control = self
        // `maintail -f` followers read the main log as it grows.
        log.onWrite = { [weak self, unowned log] in
            if let path = log.path { self?.logWritten(path: path) }
        }
    }

    /// Close the servers and remove the socket files (at exit, or when start-up fails).
    func remove() {
        for (listener, fd) in bound {
            Sys.close(fd)
            listener.removeFile()
        }
        bound = []
        close()
    }

    // MARK: DaemonControlHooks

    func logWritten(path: String) {
        for s in servers { s.server.logWritten(path: path) }
    }

    /// After a reload: a listener whose address (and socket mode and owner) is
    /// unchanged stays (clients keep their connections) and takes the new
    /// credentials; one that changed is bound anew and the old one closed, as
    /// supervisord reopens its servers on every reload. A new listener that
    /// cannot be bound is logged and the old one kept, so the daemon stays reachable.
    func configurationChanged() {
        guard let daemon, let log else { return }
        let wanted = Listener.all(in: daemon.config)
        let plan = ListenerRebinding.plan(current: servers.map(\.listener.binding), wanted: wanted.map(\.binding))
        var next: [(listener: Listener, server: ControlServer)] = []
        for step in plan.steps {
            switch step {
            case .keep(let c, let w):
                servers[c].server.updateCredentials(wanted[w].endpoint.credentials)
                servers[c].server.legacyGetActions = wanted[w].endpoint.legacyGetActions
                next.append((wanted[w], servers[c].server))
            case .bind(let w, let replacing, let freeFirst):
                let want = wanted[w]
                if let c = replacing, freeFirst { servers[c].server.close() }
                do {
                    let fd = try want.bind(onStale: { [unowned log] path in log.info("Unlinking stale socket \(path)") })
                    if let c = replacing, !freeFirst { servers[c].server.close() }
                    next.append((want, serve(want, listeningOn: fd, daemon: daemon, log: log)))
                } catch {
                    log.error("could not listen on \(want.endpoint.displayName) for [\(want.endpoint.section)]: \(error)")
                    if let c = replacing, !freeFirst {
                        servers[c].server.updateCredentials(want.endpoint.credentials)
                        servers[c].server.legacyGetActions = want.endpoint.legacyGetActions
                        next.append((servers[c].listener, servers[c].server))
                    }
                }
            }
        }
        for c in plan.close { servers[c].server.close() }
        servers = next
        // The worker holds no configuration (each hand-off says whether its
        // listener wants credentials): it runs on across a reload while any
        // listener remains.
        if servers.isEmpty { httpWorker?.stop() } else { httpWorker?.start() }
        for s in servers { logIfUnauthenticated(s.listener) }
    }

    private func serve(_ listener: Listener, listeningOn fd: Int32, daemon: Daemon, log: MainLog) -> ControlServer {
        let server = ControlServer(endpoint: listener.endpoint, handler: daemon.controlService, loop: daemon.loop)
        server.beforeReply = { [unowned log] in log.flushBatch() }
        server.httpWorker = httpWorker
        server.start(listeningOn: fd)
        return server
    }

    /// supervisord's wording (http.py make_http_servers), at start and on every reload.
    private func logIfUnauthenticated(_ listener: Listener) {
        if listener.endpoint.credentials == nil {
            log?.critical("Server '\(listener.endpoint.section)' running without any HTTP authentication checking")
        }
    }

    /// Close every listener and connection, then stop the worker: the
    /// sessions it serves end first, so it can pass on their last replies
    /// (a `shutdown`'s) before it exits.
    func close() {
        for s in servers { s.server.close() }
        servers = []
        httpWorker?.stop()
    }

    func reaped(_ pid: Int32, _ status: ExitStatus) -> Bool {
        httpWorker?.reaped(pid, status) ?? false
    }

    var connectionCount: Int { servers.reduce(0) { $0 + $1.server.connectionCount } }

    func ownsChild(_ pid: Int32) -> Bool {
        pid > 0 && httpWorker?.pid == pid
    }
}
