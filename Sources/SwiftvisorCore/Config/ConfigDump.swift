// `swiftvisord --dump-config`: the resolved configuration as one JSON
// document, under supervisord's option names, so it can be compared with what
// supervisord derives from the same file.

extension Configuration {
    /// The whole configuration: `supervisord`, `groups`, then the other sections by name.
    public func dump() -> JSONValue {
        var top: [(String, JSONValue)] = [
            ("supervisord", supervisord.dump()),
            ("groups", .array(groups.map { $0.dump() })),
        ]
        for s in unixHTTPServers { top.append((s.section, s.dump())) }
        for s in inetHTTPServers { top.append((s.section, s.dump())) }
        if let supervisorctl { top.append(("supervisorctl", supervisorctl.dump())) }
        for (name, factory) in rpcInterfaces.sorted(by: { pythonLess($0.key, $1.key) }) {
            top.append(("rpcinterface:\(name)", .object([("supervisor.rpcinterface_factory", .string(factory))])))
        }
        if !DependencyGraph.isEmpty(groups) {
            // The resolved graph: each waiting process, what it waits for,
            // and the stop order that follows from it.
            top.append(("dependency_graph", .object(groups.flatMap(\.processes).filter { !$0.dependencies.isEmpty }.map { p in
                (p.namespec, .array(p.dependencies.map { .string("\($0.namespec):\($0.condition.word)") }))
            })))
        }
        if filesRead.count > 1 {
            top.append(("include", .object([("files", .array(filesRead.dropFirst().map { .string($0) }))])))
        }
        return .object(top)
    }
}

func dumpEnvironment(_ env: [EnvironmentVariable]?) -> JSONValue {
    guard let env else { return .null }
    return .object(env.map { ($0.key, .string($0.value)) })
}

extension SupervisordConfig {
    func dump() -> JSONValue {
        .object([
            ("logfile", .string(logfile)),
            ("logfile_maxbytes", .int(logfileMaxbytes)),
            ("logfile_backups", .int(logfileBackups)),
            ("loglevel", .string(loglevel)),
            ("pidfile", .string(pidfile)),
            ("umask", .int(Int(umask))),
            ("nodaemon", .bool(nodaemon)),
            ("silent", .bool(silent)),
            ("minfds", .int(minfds)),
            ("minprocs", .int(minprocs)),
            ("nocleanup", .bool(nocleanup)),
            ("childlogdir", .string(childlogdir)),
            ("user", .optional(user?.name)),
            ("directory", .optional(directory)),
            ("strip_ansi", .bool(stripAnsi)),
            ("childlog_timestamps", .bool(childlogTimestamps)),
            ("environment", dumpEnvironment(environment)),
            ("identifier", .string(identifier)),
        ])
    }
}

extension GroupConfig {
    func dump() -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("name", .string(name)),
            ("priority", .int(priority)),
            ("kind", .string(kind.rawValue)),
        ]
        if let l = eventListener {
            members += [("events", .array(l.events.map { .string($0) })), ("buffer_size", .int(l.bufferSize)),
                        ("result_handler", .string(l.resultHandler))]
        }
        if let f = fcgi {
            members += [("socket", .string(f.socket)), ("socket_backlog", .optional(f.backlog)),
                        ("socket_owner", f.ownerUID.map { .array([.int(Int($0)), .int(f.ownerGID.map(Int.init) ?? -1)]) } ?? .null),
                        ("socket_mode", f.mode.map { .int(Int($0)) } ?? .null)]
        }
        members.append(("processes", .array(processes.map { $0.dump() })))
        return .object(members)
    }
}

extension LogTarget {
    var dumpValue: JSONValue {
        switch self {
        case .none: return .string("NONE")
        case .auto: return .string("AUTO")
        case .path(let p): return .string(p)
        }
    }
}

extension ProcessConfig {
    func dump() -> JSONValue { options.dump() }
}

extension ProcessConfig.Options {
    func dump() -> JSONValue {
        var m: [(String, JSONValue)] = [
            ("name", .string(name)),
            ("group", .string(groupName)),
            ("program_name", .string(programName)),
            ("process_num", .int(processNum)),
            ("numprocs", .int(numprocs)),
            ("numprocs_start", .int(numprocsStart)),
            ("command", .string(command)),
            ("directory", .optional(directory)),
            ("umask", umask.map { .int(Int($0)) } ?? .null),
            ("priority", .int(priority)),
            ("autostart", .bool(autostart)),
            ("autorestart", autorestart == .unexpected ? .string("unexpected") : .bool(autorestart == .always)),
            ("startsecs", .int(startsecs)),
            ("startretries", .int(startretries)),
            ("exitcodes", .array(exitcodes.map { .int($0) })),
            ("stopsignal", .string(stopsignal.name)),
            ("stopwaitsecs", .int(stopwaitsecs)),
            ("stopasgroup", .bool(stopasgroup)),
            ("killasgroup", .bool(killasgroup)),
            ("cgroup", .bool(cgroup)),
            ("user", .optional(user?.name)),
            ("redirect_stderr", .bool(redirectStderr)),
        ]
        for (channel, log) in [("stdout", stdout), ("stderr", stderr)] {
            m += [
                ("\(channel)_logfile", log.target.dumpValue),
                ("\(channel)_logfile_maxbytes", .int(log.maxbytes)),
                ("\(channel)_logfile_backups", .int(log.backups)),
                ("\(channel)_capture_maxbytes", .int(log.captureMaxbytes)),
                ("\(channel)_events_enabled", .bool(log.eventsEnabled)),
                ("\(channel)_syslog", .bool(log.syslog)),
                ("\(channel)_logfile_timestamps", .bool(log.timestamps)),
            ]
        }
        m += [("environment", dumpEnvironment(environment)), ("serverurl", .string(serverurl ?? "AUTO"))]
        // swiftvisord-only keys appear only when set, so a config without
        // them dumps exactly what supervisord derives.
        if !dependsOn.isEmpty {
            m.append(("depends_on", .array(dependencies.map {
                .object([("process", .string($0.namespec)), ("condition", .string($0.condition.word)), ("from", .string($0.spec.text))])
            })))
            m.append(("depends_on_timeout", .int(dependsOnTimeout)))
        }
        if dependentStartup { m.append(("dependent_startup", .bool(true))) }
        if readiness.kind != .none { m.append(("readiness", readiness.dump())) }
        if let liveness { m.append(("liveness", liveness.dump())) }
        if watchdogSec > 0 { m.append(("watchdog_sec", .int(watchdogSec))) }
        return .object(m)
    }
}

extension HealthProbe {
    var dumpMembers: [(String, JSONValue)] {
        switch self {
        case .exec(let command): return [("command", .string(command))]
        case .tcp(let endpoint): return [("tcp", .string(endpoint.description))]
        case .http(let url): return [("url", .string(url.description))]
        }
    }
}

extension ReadinessConfig {
    func dump() -> JSONValue {
        var m: [(String, JSONValue)] = [("kind", .string(kind.rawValue))]
        m += probe?.dumpMembers ?? []
        if let fd { m.append(("fd", .int(fd))) }
        if let logPattern { m.append(("log", .string(logPattern))) }
        m += [("interval", .int(interval)), ("timeout", .int(timeout)), ("start_period", .int(startPeriod))]
        return .object(m)
    }
}

extension LivenessConfig {
    func dump() -> JSONValue {
        .object([("kind", .string(kind.rawValue))] + probe.dumpMembers
                + [("interval", .int(interval)), ("timeout", .int(timeout)), ("failures", .int(failures))])
    }
}

extension UnixHTTPServerConfig {
    func dump() -> JSONValue {
        .object([
            ("file", .string(file)),
            ("chmod", .int(Int(chmod))),
            ("chown", chownUID.map { .array([.int(Int($0)), .int(chownGID.map(Int.init) ?? -1)]) } ?? .null),
            ("username", .optional(username)),
            ("password", .optional(password)),
        ])
    }
}

extension InetHTTPServerConfig {
    func dump() -> JSONValue {
        .object([("host", .string(host)), ("port", .int(port)), ("username", .optional(username)), ("password", .optional(password))])
    }
}

extension SupervisorctlConfig {
    func dump() -> JSONValue {
        .object([("serverurl", .string(serverurl)), ("username", .optional(username)), ("password", .optional(password)),
                 ("prompt", .string(prompt)), ("history_file", .optional(historyFile))])
    }
}
