// supervisorctl's help texts (supervisorctl.py help_* methods), as data.

public enum CtlHelp {
    /// Commands listed by `help`, in supervisorctl's (sorted) order.
    public static let topics = ["add", "avail", "clear", "exit", "fg", "maintail", "open", "pid", "quit", "reload",
                                "remove", "reread", "restart", "shutdown", "signal", "start", "status", "stop",
                                "tail", "update", "version"]

    /// The lines of `help <topic>`, nil when there is none (`*** No help on x`).
    public static func text(_ topic: String) -> [String]? {
        switch topic {
        case "logs": return [
            "logs [-f] [-n LINES] [--since TIME] [--timestamps] [--stdout|--stderr] <name> [...]",
            "\t\t\tLast LINES (default 10, or all) whole lines of each process,",
            "\t\t\tstdout and stderr together; several names, <gname>:* or all",
            "\t\t\tat once, each line prefixed 'name | '.",
            "logs -f <name> [...]\tThen follow them until Ctrl-C.",
            "logs --since 10m <name>\tLines written in the last 10 minutes (or since",
            "\t\t\t2026-12-06T21:00:00Z); needs line timestamps.",
            "Lines are ordered by the time the daemon read them when the program has",
            "stdout_logfile_timestamps/stderr_logfile_timestamps = true (shown with",
            "--timestamps); without timestamps the write order across stdout and",
            "stderr is not recorded, so each stream's lines come together, stdout first.",
        ]
        case "help": return ["help\t\tPrint a list of available actions", "help <action>\tPrint help for <action>"]
        case "add": return ["add <name> [...]\tActivates any updates in config for process/group"]
        case "avail": return ["avail\t\t\tDisplay all configured processes"]
        case "clear": return ["clear <name>\t\tClear a process' log files.",
                              "clear <name> <name>\tClear multiple process' log files",
                              "clear all\t\tClear all process' log files"]
        case "exit": return ["exit\tExit the supervisor shell."]
        case "quit": return ["quit\tExit the supervisor shell."]
        case "fg": return ["fg <process>\tConnect to a process in foreground mode", "\t\tCtrl-C to exit"]
        case "maintail": return ["maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)",
                                 "maintail -100\tlast 100 *bytes* of supervisord main log file",
                                 "maintail\tlast 1600 *bytes* of supervisor main log file", ""]
        case "open": return ["open <url>\tConnect to a remote supervisord process.",
                             "\t\t(for UNIX domain socket, use unix:///socket/path)"]
        case "pid": return ["pid\t\t\tGet the PID of supervisord.",
                            "pid <name>\t\tGet the PID of a single child process by name.",
                            "pid all\t\t\tGet the PID of every child process, one per line."]
        case "reload": return ["reload \t\tRestart the remote supervisord."]
        case "remove": return ["remove <name> [...]\tRemoves process/group from active config"]
        case "reread": return ["reread \t\t\tReload the daemon's configuration files without add/remove"]
        case "restart": return ["restart <name>\t\tRestart a process",
                                "restart <gname>:*\tRestart all processes in a group",
                                "restart <name> <name>\tRestart multiple processes or groups",
                                "restart all\t\tRestart all processes",
                                "Note: restart does not reread config files. For that, see reread and update."]
        case "shutdown": return ["shutdown \tShut the remote supervisord down."]
        case "signal": return ["signal <signal name> <name>\t\tSignal a process",
                               "signal <signal name> <gname>:*\t\tSignal all processes in a group",
                               "signal <signal name> <name> <name>\tSignal multiple processes or groups",
                               "signal <signal name> all\t\tSignal all processes"]
        case "start": return ["start <name>\t\tStart a process",
                              "start <gname>:*\t\tStart all processes in a group",
                              "start <name> <name>\tStart multiple processes or groups",
                              "start all\t\tStart all processes"]
        case "status": return ["status <name>\t\tGet status for a single process",
                               "status <gname>:*\tGet status for all processes in a group",
                               "status <name> <name>\tGet status for multiple named processes",
                               "status\t\t\tGet all process status info"]
        case "stop": return ["stop <name>\t\tStop a process",
                             "stop <gname>:*\t\tStop all processes in a group",
                             "stop <name> <name>\tStop multiple processes or groups",
                             "stop all\t\tStop all processes"]
        case "tail": return ["tail [-f] <name> [stdout|stderr] (default stdout)", "Ex:",
                             "tail -f <name>\t\tContinuous tail of named process stdout",
                             "\t\t\tCtrl-C to exit.",
                             "tail -100 <name>\tlast 100 *bytes* of process stdout",
                             "tail <name> stderr\tlast 1600 *bytes* of process stderr"]
        case "update": return ["update\t\t\tReload config and add/remove as necessary, and will restart affected programs",
                               "update all\t\tReload config and add/remove as necessary, and will restart affected programs",
                               "update <gname> [...]\tUpdate specific groups"]
        case "version": return ["version\t\t\tShow the version of the remote supervisord process"]
        default: return nil
        }
    }

    /// `help` with no topic: Python cmd's print_topics, columnized to 80.
    public static func overview() -> [String] {
        let header = "default commands (type help <topic>):"
        return ["", header, String(repeating: "=", count: header.count)] + columnize(topics, width: 79) + [""]
    }

    /// Python cmd.Cmd.columnize: the fewest rows whose columns (separated by two
    /// spaces) fit in `width`; each line's trailing cell is padded too except
    /// that trailing empty cells are dropped.
    public static func columnize(_ list: [String], width: Int) -> [String] {
        if list.isEmpty { return ["<empty>"] }
        let size = list.count
        if size == 1 { return [list[0]] }
        for nrows in 1..<size {
            let ncols = (size + nrows - 1) / nrows
            var colwidths: [Int] = []
            var totwidth = -2
            for col in 0..<ncols {
                var colwidth = 0
                for row in 0..<nrows {
                    let i = row + nrows * col
                    if i >= size { break }
                    colwidth = max(colwidth, list[i].count)
                }
                colwidths.append(colwidth)
                totwidth += colwidth + 2
                if totwidth > width { break }
            }
            if totwidth <= width {
                var lines: [String] = []
                for row in 0..<nrows {
                    var texts: [String] = []
                    for col in 0..<ncols {
                        let i = row + nrows * col
                        texts.append(i >= size ? "" : list[i])
                    }
                    while let last = texts.last, last.isEmpty { texts.removeLast() }
                    for col in 0..<texts.count {
                        texts[col] = StatusFormatter.pad(texts[col], colwidths[col])
                    }
                    lines.append(texts.joined(separator: "  "))
                }
                return lines
            }
        }
        return list
    }
}
