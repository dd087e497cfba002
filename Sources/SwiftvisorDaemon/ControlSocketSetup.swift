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
    /// One per `[unix_http_server]` / `[inet_http_server]` section (and their
    /// `:x` variants), bound, not yet served.
    private var bound: [(endpoint: ControlEndpoint, fd: Int32)] = []
    private var servers: [(section: String, server: ControlServer)] = []
    private weak var daemon: Daemon?
    /// The listening sockets, which daemonizing must keep open.
    var descriptors: [Int32] { bound.map(\.fd) }

    /// Create every configured socket file (supervisord's bind/chmod/link/chown)
    /// and listen on every configured TCP port. No server section means no
    /// control channel, which is not an error.
    static func bind(_ config: Configuration) throws(ControlSocketError) -> ControlSocketSetup {
        let setup = ControlSocketSetup()
        for server in config.unixHTTPServers {
            do {
                let fd = try UnixSocket.listen(path: server.file, mode: server.chmod, uid: server.chownUID,
                                               gid: server.chownGID, onStale: { path in
                    writeStandardError("Unlinking stale socket \(path)\n")
                })
                setup.bound.append((ControlEndpoint(server), fd))
            } catch {
                setup.remove()
                throw ControlSocketError(description: error.description)
            }
        }
        for endpoint in config.inetHTTPServers.map(ControlEndpoint.init) {
            guard case .tcp(let host, let port) = endpoint.address else { continue }
            do {
                setup.bound.append((endpoint, try InetSocket.listen(host: host, port: port)))
            } catch {
                setup.remove()
                // supervisord's wording for a port in use (options.py make_http_servers).
                throw ControlSocketError(description: error.errno == EADDRINUSE
                    ? UnixSocketError.alreadyListening(endpoint.displayName).description
                    : "cannot listen on [\(endpoint.section)] port=\(endpoint.displayName): \(error) (use an address of this machine, e.g. port=127.0.0.1:\(port))")
            }
        }
        return setup
    }

    /// Serve the bound sockets on the daemon's loop with the daemon as handler.
    func attach(to daemon: Daemon, log: MainLog) {
        for (endpoint, fd) in bound {
            if endpoint.credentials == nil {
                // supervisord's wording (http.py make_http_servers).
                log.critical("Server '\(endpoint.section)' running without any HTTP authentication checking")
            }
            if case .tcp = endpoint.address {
                log.info("[\(endpoint.section)] \(endpoint.displayName) serves swiftvisorctl's line protocol; HTTP/XML-RPC clients (supervisorctl, the web UI) get 501 Not Implemented")
            }
            let server = ControlServer(endpoint: endpoint, handler: daemon, loop: daemon.loop)
            server.beforeReply = { [unowned log] in log.flushBatch() }
            server.start(listeningOn: fd)
            servers.append((endpoint.section, server))
        }
        bound = []
        self.daemon = daemon
        daemon.control = self
        // `maintail -f` followers read the main log as it grows.
        log.onWrite = { [weak self, unowned log] in
            if let path = log.path { self?.logWritten(path: path) }
        }
    }

    /// Close the servers and remove the socket files (at exit, or when start-up fails).
    func remove() {
        for (endpoint, fd) in bound {
            Sys.close(fd)
            if case .unix(let path) = endpoint.address { _ = unlink(path) }
        }
        bound = []
        close()
    }

    // MARK: DaemonControlHooks

    func logWritten(path: String) {
        for s in servers { s.server.logWritten(path: path) }
    }

    /// After a reload: the sockets stay (clients keep their connections), the
    /// credentials follow the new config.
    /// TODO: a changed `file=`/`chmod=`/`chown=` needs a re-bind; supervisord
    /// closes and reopens its servers on reload.
    func configurationChanged() {
        guard let daemon else { return }
        let endpoints = ControlEndpoint.all(in: daemon.config)
        for s in servers {
            if let e = endpoints.first(where: { $0.section == s.section }) {
                s.server.updateCredentials(e.credentials)
            }
        }
    }

    func close() {
        for s in servers { s.server.close() }
        servers = []
    }
}
