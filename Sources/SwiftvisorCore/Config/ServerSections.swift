// [inet_http_server], [unix_http_server] (options.py
// server_configs_from_parser) and [supervisorctl]. supervisord matches server
// sections by prefix, so `[unix_http_server:b]` is a second server; inet
// sections are read before unix ones, as supervisord does.

extension ConfigReader {
    mutating func readServers() throws(ConfigError) {
        for section in doc.sections where section.name.hasPrefix("inet_http_server") {
            let s = section.name
            let (username, password) = try credentials(section)
            guard let e = doc.get(s, "port") else {
                throw ConfigError(at: section.location, section: s, option: "port", reason: "is missing",
                                  hint: "write the address to listen on, e.g. port=127.0.0.1:9001")
            }
            let v = try expand(e, names: env, section: s, option: "port")
            let (h, port) = try convert(v, e.location, s, "port") { v throws(ValueError) in try ValueTypes.inetAddress(v, option: "port") }
            var server = InetHTTPServerConfig(host: h, port: port)
            server.section = s
            server.username = username
            server.password = password
            server.legacyGetActions = try legacyGetActions(section)
            config.inetHTTPServers.append(server)
        }
        for section in doc.sections where section.name.hasPrefix("unix_http_server") {
            let s = section.name
            guard let e = doc.get(s, "file") else {
                throw ConfigError(at: section.location, section: s, option: "file", reason: "is missing",
                                  hint: "write the socket path, e.g. file=/var/run/supervisor.sock")
            }
            let v = try expand(e, names: env.merging(["here": .string(here)]) { $1 }, section: s, option: "file")
            let file = PythonSyntax.abspath(PythonSyntax.expanduser(PythonSyntax.strip(v), host: host), cwd: host.currentDirectory)
            var server = UnixHTTPServerConfig(file: file)
            server.section = s
            (server.username, server.password) = try credentials(section)
            server.legacyGetActions = try legacyGetActions(section)
            if let c = doc.get(s, "chown") {
                let v = try expand(c, names: env, section: s, option: "chown")
                let (uid, gid) = try convert(v, c.location, s, "chown") { v throws(ValueError) in try ValueTypes.userAndGroup(v, host: host) }
                server.chownUID = uid
                server.chownGID = gid
            }
            if let c = doc.get(s, "chmod") {
                let v = try expand(c, names: env, section: s, option: "chmod")
                server.chmod = try convert(v, c.location, s, "chmod") { v throws(ValueError) in try ValueTypes.octal(v, option: "chmod") }
            }
            config.unixHTTPServers.append(server)
        }
    }

    /// swiftvisord's own option: whether supervisord's GET action URLs of
    /// the web page are performed (default true; docs/web.md).
    func legacyGetActions(_ section: INISection) throws(ConfigError) -> Bool {
        let s = section.name
        guard let e = doc.get(s, "legacy_get_actions") else { return true }
        let v = try expand(e, names: env, section: s, option: "legacy_get_actions")
        return try convert(v, e.location, s, "legacy_get_actions") { v throws(ValueError) in try ValueTypes.boolean(v, option: "legacy_get_actions") }
    }

    /// username and password: both or neither.
    func credentials(_ section: INISection) throws(ConfigError) -> (String?, String?) {
        let s = section.name
        let u = try doc.get(s, "username").map { e throws(ConfigError) in try expand(e, names: env, section: s, option: "username") }
        let p = try doc.get(s, "password").map { e throws(ConfigError) in try expand(e, names: env, section: s, option: "password") }
        if (u == nil) != (p == nil) {
            let missing = u == nil ? "username" : "password"
            throw ConfigError(at: doc.get(s, u == nil ? "password" : "username")?.location ?? section.location, section: s, option: missing,
                              reason: "is missing: a username needs a password and a password needs a username",
                              hint: "set both username and password, or neither")
        }
        return (u, p)
    }

    /// supervisord itself never reads [supervisorctl]; we read it for swiftvisorctl
    /// and never fail on it (a value that does not expand is kept as written, with a warning).
    mutating func readSupervisorctl() {
        guard let section = doc.section("supervisorctl") else { return }
        let s = section.name
        var ctl = SupervisorctlConfig()
        func read(_ key: String, _ names: [String: ExpansionValue]) -> String? {
            guard let e = doc.get(s, key) else { return nil }
            do { return try Expansion.expand(e.value, names: names) } catch {
                config.warnings.append(ConfigWarning(location: e.location, message: "[\(s)] \(key): \(error.reason)"))
                return e.value
            }
        }
        let withHere = env.merging(["here": .string(here)]) { $1 }
        if var url = read("serverurl", withHere) {
            if url.hasPrefix("unix://") {
                url = "unix://" + PythonSyntax.abspath(PythonSyntax.expanduser(String(url.dropFirst(7)), host: host), cwd: host.currentDirectory)
            }
            ctl.serverurl = url
        }
        ctl.username = read("username", env)
        ctl.password = read("password", env)
        if let p = read("prompt", env) { ctl.prompt = p }
        ctl.historyFile = read("history_file", withHere)
        config.supervisorctl = ctl
    }
}
