// `fg NAME` after its checks passed (CtlController+Logs doFg): the process's
// output streams on a second connection while each stdin line goes to the
// process (supervisorctl.py do_fg and its fgthread). The protocol lives here,
// over the injected transport and terminal, so scripted tests reach it; the
// executable only supplies the thread and the Ctrl-C handling.
public enum CtlForeground {
    /// What `fg` follows: both channels; a process without a stderr log
    /// (NO_FILE for stderr) streams stdout only.
    static func followAttempts(_ name: String) -> [[FollowTarget]] {
        [[.process(name: name, channel: .stdout), .process(name: name, channel: .stderr)],
         [.process(name: name, channel: .stdout)]]
    }

    /// Stream `name`'s output to `terminal` until the connection ends. Runs on
    /// the streaming thread with its own connection.
    public static func stream(_ name: String, over transport: CtlTransport, to terminal: CtlTerminal) {
        for targets in followAttempts(name) {
            do {
                let refused = try transport.follow(targets) { _, bytes in
                    terminal.write(bytes)
                    terminal.flush()
                }
                if refused == nil { return }
            } catch {
                return
            }
        }
    }

    /// Forward stdin lines to `name` until EOF (Ctrl-D), a refused write, or
    /// the process no longer RUNNING, then print supervisorctl's closing lines.
    public static func forwardInput(_ ctl: CtlController, _ name: String) {
        while true {
            guard let line = ctl.terminal.readLine(prompt: "") else {
                ctl.output("Exiting foreground")
                return
            }
            do {
                switch try ctl.transport.send(.sendStdin(name: name, data: Array((line + "\n").utf8))) {
                case .ok: break
                case .fault(let f):
                    ctl.output(f.code == .notRunning ? "Process got killed" : "ERROR: <Fault \(f.code.rawValue): '\(f.message)'>")
                    ctl.output("Exiting foreground")
                    return
                }
                // supervisorctl checks the state after every line: a process
                // that died while we wrote ends the session.
                if case .ok(let items) = try ctl.transport.send(.status(names: [name])) {
                    let running = items.contains { if case .process(let p) = $0 { return p.state == ProcessState.running.rawValue } else { return false } }
                    if !running {
                        ctl.output("Process got killed")
                        ctl.output("Exiting foreground")
                        return
                    }
                }
            } catch {
                ctl.output("ERROR: \(error)")
                ctl.output("Exiting foreground")
                return
            }
        }
    }
}
