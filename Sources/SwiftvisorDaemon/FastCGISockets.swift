// `[fcgi-program:x]` sockets: created when the group is added, given to each
// of its processes as fd 0 at spawn, kept open across the processes'
// restarts, closed (a unix socket's path removed) when the group is removed
// and at shutdown or reload. supervisord (process.py `FastCGIProcessGroup`,
// socket_manager.py `SocketManager` at 4.3.0) counts references instead:
// it closes the socket when the group's last process is reaped and binds it
// again at the next spawn; docs/configuration.md has the differences.
import SwiftvisorCore
import SwiftvisorOS

extension Supervisor {
    /// The group is added: create its socket now, so a bad socket is in the
    /// log at once (supervisord's fail-fast `get_socket()` in the group's
    /// constructor). A failure is retried at each spawn.
    func openFcgiSocket(_ group: String, _ config: FcgiSocketConfig) {
        fcgiSockets[group] = (config, nil)
        _ = fcgiSocket(group)
    }

    /// The group's socket, created if it is not open yet; on failure the
    /// spawn error's text (supervisord's ValueError message).
    func fcgiSocket(_ group: String) -> Result<Int32, FcgiSocketFailure> {
        guard let entry = fcgiSockets[group] else { return .failure(FcgiSocketFailure(description: "no FastCGI socket for \(group)")) }
        if let fd = entry.fd { return .success(fd) }
        do {
            log.info("Creating socket \(entry.config.socket)")
            let fd = try FastCGISocket.listen(entry.config)
            fcgiSockets[group] = (entry.config, fd)
            return .success(fd)
        } catch {
            let text = "Could not create FastCGI socket \(entry.config.socket): \(error)"
            log.error(text)
            return .failure(FcgiSocketFailure(description: text))
        }
    }

    /// The group is removed: close its socket.
    func closeFcgiSocket(_ group: String) {
        guard let entry = fcgiSockets.removeValue(forKey: group) else { return }
        if let fd = entry.fd {
            log.info("Closing socket \(entry.config.socket)")
            FastCGISocket.close(fd, config: entry.config)
        }
    }

    /// Shutdown or reload, once everything stopped.
    func closeFcgiSockets() {
        for group in Array(fcgiSockets.keys).sorted() { closeFcgiSocket(group) }
    }
}

struct FcgiSocketFailure: Error, CustomStringConvertible {
    let description: String
}
