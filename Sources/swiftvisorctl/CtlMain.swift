// swiftvisorctl's imperative shell: options, config file, connection,
// terminal, then one command or the interactive shell (the commands
// themselves are SwiftvisorCore's CtlController).
import Dispatch
import SwiftvisorCore
import SwiftvisorOS

enum CtlMain {
    /// The prompt when `[supervisorctl] prompt=` is not set. The issue asks for
    /// `swiftvisor> `; supervisorctl says `supervisor> `. Only the interactive
    /// shell shows it, so one-shot output stays byte-identical (docs/swiftvisorctl.md).
    static let defaultPrompt = "swiftvisor"

    static func run(_ argv: [String]) -> Int32 {
        let program = argv.first ?? "swiftvisorctl"
        let terminal = CtlTerminalIO()
        func usageError(_ message: String) -> Int32 {
            terminal.writeError("Error: \(message)\nFor help, use \(program) -h")
            return 2
        }
        let options: CtlOptions
        do { options = try CtlOptions.parse(Array(argv.dropFirst())) } catch { return usageError(error.message) }
        if options.help {
            terminal.write(Array(CtlOptions.usage(program: program).utf8))
            terminal.flush()
            return 0
        }
        var config = CtlConfig()
        let cwd = currentDirectory()
        // process_config reads only a non-empty path: `-c ''` is no file at all (and no search).
        if let file = options.configFile ?? searchConfig(program: program, cwd: cwd), !file.isEmpty {
            let path = CtlConfig.absolutePath(file, cwd: cwd)
            guard let text = readFile(path) else {
                return usageError(Sys.exists(path) ? "could not read config file \(path)" : "could not find config file \(path)")
            }
            do {
                config = try CtlConfig.parse(text, file: path, here: CtlConfig.directory(of: path), cwd: cwd, environment: environment())
            } catch {
                // Only INI syntax errors reach here. supervisorctl dies of them
                // with a Python traceback and exit status 1: keep the status
                // scripts see, say instead what is wrong and where.
                terminal.writeError("Error: \(error.description)")
                return 1
            }
            guard config.hasSupervisorctlSection else { return usageError(".ini file does not include supervisorctl section") }
        }
        // -s, then [supervisorctl] serverurl=, then (swiftvisor) [unix_http_server] file=,
        // then supervisorctl's default.
        // -s is used as given: supervisorctl normalizes only the config file's URL.
        let serverURL = options.serverURL ?? config.serverURL
            ?? config.unixSocketFile.map { "unix://" + $0 } ?? "http://localhost:9001"
        let username = options.username ?? config.username
        let password = options.password ?? config.password
        let interactiveShell = options.args.isEmpty
        let connection = CtlConnection(serverURL: serverURL, username: username, password: password)
        let controller = CtlController(serverURL: serverURL, username: username, password: password,
                                       interactive: interactiveShell || options.interactive, prompt: config.prompt ?? defaultPrompt,
                                       transport: connection, terminal: terminal)
        controller.clock = CtlClock(now: { Sys.wallMicros() }, utcOffset: { LocalTime.utcOffset(at: $0) })
        // NO_COLOR (no-color.org) turns the prefix colours off.
        controller.colour = Sys.isTerminal(1) && !Sys.environment().contains { $0.name == "NO_COLOR" && !$0.value.isEmpty }
        controller.foreground = { ctl, name in
            Foreground.run(ctl: ctl, name: name, terminal: terminal)
        }
        defer { terminal.flush() }
        if !interactiveShell {
            controller.onecmd(options.args.joined(separator: " "))
            return controller.exitStatus
        }
        // Ctrl-C at the prompt leaves the shell (with an empty line, like EOF).
        CtlInterrupt.install()
        connection.keepInterruptHandler = true
        return controller.runShell()
    }

    /// supervisorctl's search order when -c is not given (options.py
    /// `Options.__init__` `searchpaths` and `Options.default_configfile` at 4.3.0).
    static func searchConfig(program: String, cwd: String) -> String? {
        // supervisorctl: dirname(dirname(argv[0])), argv[0] as given (relative to cwd).
        let bin = CtlConfig.directory(of: CtlConfig.absolutePath(program, cwd: cwd))
        let here = CtlConfig.directory(of: bin)
        let candidates = [here + "/etc/supervisord.conf", here + "/supervisord.conf", "supervisord.conf",
                          "etc/supervisord.conf", "/etc/supervisord.conf", "/etc/supervisor/supervisord.conf"]
        return candidates.first { Sys.exists($0) }
    }

    static func currentDirectory() -> String { Sys.workingDirectory() }

    static func environment() -> [String: String] {
        var env: [String: String] = [:]
        for (name, value) in Sys.environment() { env[name] = value }
        return env
    }

    static func readFile(_ path: String) -> String? {
        guard let fd = try? Sys.open(path, OpenFlag.readOnly) else { return nil }
        defer { Sys.close(fd) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            guard let n = try? chunk.withUnsafeMutableBytes({ (b) throws(SystemError) in try Sys.read(fd, into: b) }) else { return nil }
            if n == 0 { break }
            data += chunk[0..<n]
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// `fg NAME`: the process's output streams on a second connection (a worker
/// thread) while stdin lines go to the process (supervisorctl's fgthread).
/// What is sent and printed is CtlForeground's; this adds the thread and Ctrl-C.
enum Foreground {
    final class Box: @unchecked Sendable {
        let connection: CtlConnection
        let terminal: CtlTerminalIO
        init(_ c: CtlConnection, _ t: CtlTerminalIO) { connection = c; terminal = t }
    }

    static func run(ctl: CtlController, name: String, terminal: CtlTerminalIO) {
        let stream = Box(CtlConnection(serverURL: ctl.serverURL, username: ctl.username, password: ctl.password), terminal)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            CtlInterrupt.blockInThisThread()
            stream.connection.keepInterruptHandler = true
            CtlForeground.stream(name, over: stream.connection, to: stream.terminal)
            done.signal()
        }
        CtlInterrupt.install()
        defer {
            stream.connection.shutdownStream()
            done.wait()
            CtlInterrupt.uninstall()
        }
        CtlForeground.forwardInput(ctl, name)
    }
}
