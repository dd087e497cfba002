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
    private var servers: [(section: String, server: ControlServer)] = []
    private weak var daemon: Daemon?
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

    /// Serve the bound sockets on the daemon's loop with the daemon as handler.
    func attach(to daemon: Daemon, log: MainLog) {
        for (config, fd) in bound {
            if config.username == nil {
                // supervisord's wording (http.py make_http_servers).
                log.critical("Server '\(config.section)' running without any HTTP authentication checking")
            }
            let server = ControlServer(config: config, handler: daemon, loop: daemon.loop)
            server.beforeReply = { [unowned log] in log.flushBatch() }
            server.start(listeningOn: fd)
            servers.append((config.section, server))
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

    /// After a reload: the sockets stay (clients keep their connections), the
    /// credentials follow the new config.
    /// TODO: a changed `file=`/`chmod=`/`chown=` needs a re-bind; supervisord
    /// closes and reopens its servers on reload.
    func configurationChanged() {
        guard let daemon else { return }
        for s in servers {
            if let c = daemon.config.unixHTTPServers.first(where: { $0.section == s.section }) {
                s.server.updateCredentials(c)
            }
        }
    }

    func close() {
        for s in servers { s.server.close() }
        servers = []
    }
}
