// [group:x], [program:x], [eventlistener:x] and [fcgi-program:x] become
// process groups (options.py process_groups_from_parser and
// _processes_from_section). Options are read in supervisord's order so the
// first error reported is the one supervisord reports.

extension ConfigReader {
    mutating func readGroups() throws(ConfigError) -> [GroupConfig] {
        var groups: [GroupConfig] = []
        var absorbed = Set<String>()
        let common = env.merging(["here": .string(here)]) { $1 }

        for section in doc.sections where section.name.hasPrefix("group:") {
            let s = section.name
            let groupName = try convert(String(s.dropFirst(6)), section.location, s, "name") { v throws(ValueError) in try ValueTypes.name(v, what: "group name") }
            // supervisord accepts a group named ''; no command could name it.
            if groupName.isEmpty { throw emptyName(section) }
            let programsEntry = doc.get(s, "programs")
            let programs = try programsEntry.map { e throws(ConfigError) in ValueTypes.listOfStrings(try expand(e, names: common, section: s, option: "programs")) } ?? []
            let priority = try intOption(s, "priority", names: common, default: 999)
            var processes: [ProcessConfig] = []
            for program in programs {
                let p = "program:\(program)", f = "fcgi-program:\(program)"
                let hasP = doc.hasSection(p), hasF = doc.hasSection(f)
                if !hasP && !hasF {
                    throw ConfigError(at: programsEntry?.location ?? section.location, section: s, option: "programs",
                                      reason: "names unknown program or fcgi-program \"\(program)\"",
                                      hint: "define [program:\(program)] or remove it from programs=")
                }
                if hasP && hasF {
                    throw ConfigError(at: programsEntry?.location ?? section.location, section: s, option: "programs",
                                      reason: "\"\(program)\" is ambiguous: it exists as [program:\(program)] and [fcgi-program:\(program)]",
                                      hint: "rename one of the two sections")
                }
                let member = hasP ? p : f
                absorbed.insert(member)
                processes += try readProcesses(doc.section(member)!, groupName: groupName, kind: .program)
            }
            try rejectDuplicateNames(processes, group: groupName, location: section.location, section: s)
            var g = GroupConfig(name: groupName, priority: priority, kind: .heterogeneous, processes: processes)
            g.location = section.location
            groups.append(g)
        }

        for section in doc.sections where section.name.hasPrefix("program:") && !absorbed.contains(section.name) {
            let s = section.name
            let name = try convert(String(s.dropFirst(8)), section.location, s, "name") { v throws(ValueError) in try ValueTypes.name(v, what: "program name") }
            let priority = try intOption(s, "priority", names: common, default: 999)
            let processes = try readProcesses(section, groupName: name, kind: .program)
            try rejectDuplicateNames(processes, group: name, location: section.location, section: s)
            var g = GroupConfig(name: name, priority: priority, kind: .program, processes: processes)
            g.location = section.location
            groups.append(g)
        }

        for section in doc.sections where section.name.hasPrefix("eventlistener:") {
            groups.append(try readEventListener(section, common: common))
        }

        for section in doc.sections where section.name.hasPrefix("fcgi-program:") && !absorbed.contains(section.name) {
            groups.append(try readFcgiProgram(section, common: common))
        }

        config.programSections = doc.sectionNames.filter {
            $0.hasPrefix("program:") || $0.hasPrefix("fcgi-program:") || $0.hasPrefix("eventlistener:")
        }
        return groups.sorted { a, b in a.priority != b.priority ? a.priority < b.priority : pythonLess(a.name, b.name) }
    }

    /// supervisord keeps processes in a dict keyed by name, so a second process
    /// with the same name silently replaces the first; we refuse instead.
    func rejectDuplicateNames(_ processes: [ProcessConfig], group: String, location: SourceLocation, section: String) throws(ConfigError) {
        var seen = Set<String>()
        for p in processes where !seen.insert(p.name).inserted {
            throw ConfigError(at: p.location ?? location, section: section, option: "process_name",
                              reason: "two processes of group \"\(group)\" are both named \"\(p.name)\"",
                              hint: "make process_name unique, e.g. process_name=%(program_name)s_%(process_num)02d")
        }
    }

    func intOption(_ s: String, _ key: String, names: [String: ExpansionValue], default d: Int) throws(ConfigError) -> Int {
        guard let e = doc.get(s, key) else { return d }
        let v = try expand(e, names: names, section: s, option: key)
        return try convert(v, e.location, s, key) { v throws(ValueError) in try ValueTypes.integerOption(v, option: key) }
    }

    mutating func readEventListener(_ section: INISection, common: [String: ExpansionValue]) throws(ConfigError) -> GroupConfig {
        let s = section.name
        // The pool name is not validated as a name (supervisord does not either);
        // the program name read below is.
        let poolName = String(s.dropFirst("eventlistener:".count))
        let priority = try intOption(s, "priority", names: common, default: -1)
        let bufferSize = try intOption(s, "buffer_size", names: common, default: 10)
        if bufferSize < 1 {
            throw ConfigError(at: doc.get(s, "buffer_size")?.location, section: s, option: "buffer_size",
                              reason: "\"\(bufferSize)\" is not a valid buffer size", hint: "write a number of at least 1, e.g. buffer_size=10")
        }
        var resultHandler = ResultHandler.defaultSpec
        if let e = doc.get(s, "result_handler") {
            resultHandler = try expand(e, names: common, section: s, option: "result_handler")
            if ResultHandler(spec: resultHandler) == nil {
                // supervisord imports a Python callable here; old configs must
                // still load, so say what happens instead and go on.
                config.warnings.append(ConfigWarning(location: e.location,
                    message: "[\(s)] result_handler: \"\(resultHandler)\" is Python code swiftvisord cannot run; the default handler is used (only a RESULT body of OK is success)"))
            }
        }
        let eventsEntry = doc.get(s, "events")
        let eventsText = try eventsEntry.map { e throws(ConfigError) in try expand(e, names: common, section: s, option: "events") } ?? ""
        var events: [String] = []
        for name in ValueTypes.listOfStrings(eventsText).map({ $0.uppercased() }) where !events.contains(name) {
            events.append(name)
        }
        if events.isEmpty {
            throw ConfigError(at: eventsEntry?.location ?? section.location, section: s, option: "events",
                              reason: "an event listener needs an events line",
                              hint: "list event types, e.g. events=PROCESS_STATE,TICK_60")
        }
        for name in events where !EventType.allNames.contains(name) {
            throw ConfigError(at: eventsEntry?.location, section: s, option: "events",
                              reason: "\"\(name)\" is not an event type",
                              hint: "use one of \(EventType.allNames.sorted().joined(separator: ", "))")
        }
        if let e = doc.get(s, "redirect_stderr") {
            let v = try expand(e, names: common, section: s, option: "redirect_stderr")
            if try convert(v, e.location, s, "redirect_stderr", { v throws(ValueError) in try ValueTypes.boolean(v, option: "redirect_stderr") }) {
                throw ConfigError(at: e.location, section: s, option: "redirect_stderr",
                                  reason: "redirect_stderr=true is not allowed for an event listener: it would interfere with the listener protocol",
                                  hint: "remove redirect_stderr or set redirect_stderr=false")
            }
        }
        let processes = try readProcesses(section, groupName: poolName, kind: .eventListener)
        try rejectDuplicateNames(processes, group: poolName, location: section.location, section: s)
        var g = GroupConfig(name: poolName, priority: priority, kind: .eventListener, processes: processes)
        var listener = EventListenerConfig(events: events)
        listener.bufferSize = bufferSize
        listener.resultHandler = resultHandler
        g.eventListener = listener
        g.location = section.location
        return g
    }

    mutating func readFcgiProgram(_ section: INISection, common: [String: ExpansionValue]) throws(ConfigError) -> GroupConfig {
        let s = section.name
        let name = try convert(String(s.dropFirst("fcgi-program:".count)), section.location, s, "name") { v throws(ValueError) in try ValueTypes.name(v, what: "program name") }
        let priority = try intOption(s, "priority", names: common, default: 999)
        var procUser: ResolvedUser? = nil
        if let e = doc.get(s, "user") {
            let v = try expand(e, names: common, section: s, option: "user")
            procUser = try convert(v, e.location, s, "user") { v throws(ValueError) in try ValueTypes.user(v, host: host) }
        }
        var backlog: Int? = nil
        if let e = doc.get(s, "socket_backlog") {
            let b = try intOption(s, "socket_backlog", names: common, default: 0)
            guard (1...65535).contains(b) else {
                throw ConfigError(at: e.location, section: s, option: "socket_backlog", reason: "\"\(b)\" is not a valid backlog",
                                  hint: "write a number from 1 to 65535, e.g. socket_backlog=128")
            }
            backlog = b
        }
        var owner: (uid: UInt32, gid: UInt32?)? = nil
        if let e = doc.get(s, "socket_owner") {
            let v = try expand(e, names: common, section: s, option: "socket_owner")
            owner = try convert(v, e.location, s, "socket_owner") { v throws(ValueError) in try ValueTypes.userAndGroup(v, host: host) }
        }
        var mode: UInt32? = nil
        if let e = doc.get(s, "socket_mode") {
            let v = try expand(e, names: common, section: s, option: "socket_mode")
            mode = try convert(v, e.location, s, "socket_mode") { v throws(ValueError) in try ValueTypes.octal(v, option: "socket_mode") }
        }
        let socketEntry = doc.get(s, "socket")
        var socketNames = common
        socketNames["program_name"] = .string(name)
        let socket = try socketEntry.map { e throws(ConfigError) in try expand(e, names: socketNames, section: s, option: "socket") } ?? ""
        if socket.isEmpty {
            throw ConfigError(at: socketEntry?.location ?? section.location, section: s, option: "socket",
                              reason: "an fcgi-program needs a socket line",
                              hint: "write socket=unix:///path/to/%(program_name)s.sock or socket=tcp://127.0.0.1:9000")
        }
        let loc = socketEntry?.location
        var fcgi: FcgiSocketConfig
        if socket.hasPrefix("unix://") {
            let p = String(socket.dropFirst(7))
            guard p.hasPrefix("/") else {
                throw ConfigError(at: loc, section: s, option: "socket", reason: "unix socket path \"\(p)\" is not absolute",
                                  hint: "write an absolute path, e.g. socket=unix:///var/run/\(name).sock")
            }
            fcgi = FcgiSocketConfig(socket: "unix://" + PythonSyntax.abspath(PythonSyntax.expanduser(p, host: host), cwd: host.currentDirectory))
            if let owner {
                fcgi.ownerUID = owner.uid; fcgi.ownerGID = owner.gid
            } else if let procUser, procUser.uid != host.currentUID {
                fcgi.ownerUID = procUser.uid; fcgi.ownerGID = procUser.gid
            }
            fcgi.mode = mode ?? 0o700
        } else {
            if owner != nil || mode != nil {
                throw ConfigError(at: loc, section: s, option: "socket",
                                  reason: "socket_owner and socket_mode apply only to a unix domain socket",
                                  hint: "remove socket_owner and socket_mode, or use socket=unix:///path")
            }
            let rest = socket.hasPrefix("tcp://") ? String(socket.dropFirst(6)) : nil
            guard let rest, let colon = rest.lastIndex(of: ":"),
                  case let host = String(rest[..<colon]), !host.isEmpty,
                  !host.contains(":"), !host.unicodeScalars.contains(where: PythonSyntax.isSpace),
                  case let portText = rest[rest.index(after: colon)...], !portText.isEmpty,
                  portText.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw ConfigError(at: loc, section: s, option: "socket", reason: "\"\(socket)\" is not a socket address",
                                  hint: "write socket=unix:///absolute/path or socket=tcp://host:port")
            }
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw ConfigError(at: loc, section: s, option: "socket", reason: "port \(portText) in \"\(socket)\" is out of range",
                                  hint: "use a port from 1 to 65535")
            }
            fcgi = FcgiSocketConfig(socket: "tcp://\(host.lowercased()):\(port)")
        }
        fcgi.backlog = backlog
        let processes = try readProcesses(section, groupName: name, kind: .fcgiProgram)
        try rejectDuplicateNames(processes, group: name, location: section.location, section: s)
        var g = GroupConfig(name: name, priority: priority, kind: .fcgiProgram, processes: processes)
        g.fcgi = fcgi
        g.location = section.location
        return g
    }
}
