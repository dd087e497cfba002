// The page's HTML and the live state's JSON. Every URL in them is relative,
// so the page works behind a reverse proxy on a path prefix; nothing outside
// the daemon is referenced. States are written as words (never only as a
// colour), every control is a real button or link (keyboard), and the table
// folds into stacked rows on a narrow screen (the stylesheet).

public enum WebPage {
    /// The status page: supervisord's table (State, Description, Name,
    /// Action) plus pid, uptime, exit status, restarts, CPU and memory;
    /// grouped, each group with its own actions.
    public static func status(_ processes: [ProcessSnapshot], _ metrics: MetricsSample?, message: String?, token: String, now: Int64) -> String {
        var byKey: [String: ProcessMetrics] = [:]
        for m in metrics?.processes ?? [] { byKey[m.group + ":" + m.name] = m }
        let sorted = processes.sorted { ($0.group, $0.name) < ($1.group, $1.name) }
        var out = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>swiftvisor status</title>
        <link rel="stylesheet" href="swiftvisor.css">
        </head><body>
        <header><h1>swiftvisor</h1>
        <form method="post" action="index.html" class="global">
        <input type="hidden" name="token" value="\(token)">
        <button name="action" value="refresh">Refresh</button>
        <button name="action" value="restartall">Restart all</button>
        <button name="action" value="stopall">Stop all</button>
        <button type="button" id="mainlog" hidden>Follow main log</button>
        </form>
        <label class="filter" hidden>Filter <input type="search" id="filter" placeholder="name or state" autocomplete="off"></label>
        </header>
        <main>
        <div id="message" class="status_msg" role="status" aria-live="polite">\(WebForm.html(message ?? ""))</div>

        """
        if sorted.isEmpty {
            out += "<p>No programs to manage</p>\n"
        } else {
            out += """
            <table id="processes"><thead><tr><th>State</th><th>Description</th><th>Name</th><th>Pid</th><th>Uptime</th>\
            <th>Exit</th><th>Restarts</th><th>CPU</th><th>Memory</th><th>Action</th></tr></thead>

            """
            var i = 0
            while i < sorted.count {
                let group = sorted[i].group
                var j = i
                while j < sorted.count && sorted[j].group == group { j += 1 }
                out += "<tbody class=\"group\" data-group=\"\(WebForm.html(group))\">\n"
                out += "<tr class=\"grouphead\"><th colspan=\"10\"><button type=\"button\" class=\"fold\" aria-expanded=\"true\" hidden>−</button> "
                out += "<span class=\"groupname\">\(WebForm.html(group))</span> "
                out += actionForm(group + ":*", token: token, buttons: [("start", "Start group"), ("stop", "Stop group"), ("restart", "Restart group")], hidden: [])
                out += "</th></tr>\n"
                for p in sorted[i..<j] { out += row(p, byKey[p.group + ":" + p.name], token: token, now: now) }
                out += "</tbody>\n"
                i = j
            }
            out += "</table>\n"
        }
        out += """
        <section id="logpanel" hidden aria-label="log"><h2 id="logtitle"></h2>
        <div class="logbar"><button type="button" id="logout">stdout</button><button type="button" id="logerr">stderr</button>
        <a id="logdownload" href="#">Download whole log</a><button type="button" id="logclose">Close</button></div>
        <pre id="logtext" tabindex="0"></pre></section>
        </main>
        <footer>swiftvisord, compatible with Supervisor 4.3.0 · <a href="metrics">metrics</a></footer>
        <script src="swiftvisor.js"></script>
        </body></html>

        """
        return out
    }

    /// supervisord's per-state slots (web.py actions_for_process), as buttons
    /// that are hidden, never absent, so the script can show them as the state changes.
    static func row(_ p: ProcessSnapshot, _ m: ProcessMetrics?, token: String, now: Int64) -> String {
        let ns = p.namespec
        let q = WebForm.quote(ns)
        let cls = p.statename == "RUNNING" ? "statusrunning" : (p.statename == "FATAL" || p.statename == "BACKOFF") ? "statuserror" : "statusnominal"
        let c = cells(p, m, now: now)
        var out = "<tr class=\"proc\" data-ns=\"\(WebForm.html(ns))\" data-state=\"\(p.statename)\">"
        out += "<td data-label=\"State\"><span class=\"state \(cls)\">\(p.statename.lowercased())</span></td>"
        out += "<td class=\"desc\" data-label=\"Description\">\(WebForm.html(p.description))</td>"
        out += "<td data-label=\"Name\"><a href=\"tail.html?processname=\(q)\" target=\"_blank\">\(WebForm.html(ns))</a></td>"
        out += "<td class=\"pid\" data-label=\"Pid\">\(c.pid)</td><td class=\"uptime\" data-label=\"Uptime\">\(c.uptime)</td>"
        out += "<td class=\"exit\" data-label=\"Exit\">\(c.exit)</td><td class=\"restarts\" data-label=\"Restarts\">\(c.restarts)</td>"
        out += "<td class=\"cpu\" data-label=\"CPU\">\(c.cpu)</td><td class=\"mem\" data-label=\"Memory\">\(c.mem)</td>"
        out += "<td class=\"actions\" data-label=\"Action\">"
        out += actionForm(ns, token: token, buttons: [("start", "Start"), ("restart", "Restart"), ("stop", "Stop"), ("clearlog", "Clear log")],
                          hidden: hiddenActions(p.statename))
        out += " <a href=\"logtail/\(q)\" target=\"_blank\" class=\"tailf\">Tail -f stdout</a>"
        out += " <a href=\"logtail/\(q)/stderr\" target=\"_blank\" class=\"tailf\">Tail -f stderr</a>"
        out += " <button type=\"button\" class=\"follow\" data-ns=\"\(WebForm.html(ns))\" hidden>Follow log</button>"
        out += "</td></tr>\n"
        return out
    }

    /// web.py actions_for_process: RUNNING can be restarted and stopped,
    /// STOPPED, EXITED and FATAL started; the other states only cleared.
    public static func hiddenActions(_ state: String) -> [String] {
        switch state {
        case "RUNNING": return ["start"]
        case "STOPPED", "EXITED", "FATAL": return ["restart", "stop"]
        default: return ["start", "restart", "stop"]
        }
    }

    static func actionForm(_ ns: String, token: String, buttons: [(String, String)], hidden: [String]) -> String {
        var out = "<form method=\"post\" action=\"index.html\" class=\"act\"><input type=\"hidden\" name=\"token\" value=\"\(token)\">"
        out += "<input type=\"hidden\" name=\"processname\" value=\"\(WebForm.html(ns))\">"
        for (action, label) in buttons {
            out += "<button name=\"action\" value=\"\(action)\"\(hidden.contains(action) ? " hidden" : "")>\(label)</button>"
        }
        return out + "</form>"
    }

    struct Cells { var pid, uptime, exit, restarts, cpu, mem: String }

    static func cells(_ p: ProcessSnapshot, _ m: ProcessMetrics?, now: Int64) -> Cells {
        let up = p.pid > 0 && p.start > 0 ? max(0, Int(clamping: now) &- p.start) : -1
        return Cells(pid: p.pid > 0 ? String(p.pid) : "–", uptime: up >= 0 ? duration(up) : "–",
                     exit: exitCell(p),
                     restarts: m.map { String($0.restarts) } ?? "–",
                     cpu: m?.cpuSeconds.map { seconds($0) } ?? "–", mem: m?.residentBytes.map(bytes) ?? "–")
    }

    /// The last run's end, for people: nothing while a run is under way (a
    /// new run's status is not its predecessor's), and supervisord's -1
    /// (`decode_wait_status` in supervisor/options.py at 4.3.0: ended by a
    /// signal) in words. XML-RPC keeps the raw number.
    static func exitCell(_ p: ProcessSnapshot) -> String {
        if p.pid > 0 { return "–" }
        guard p.stop > 0 || p.exitstatus != 0 else { return "–" }
        return p.exitstatus == -1 ? "signal" : String(p.exitstatus)
    }

    /// `1:02:03`, `2 days, 1:02:03`.
    static func duration(_ s: Int) -> String {
        let d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60
        let hms = "\(h):\(m < 10 ? "0" : "")\(m):\(sec < 10 ? "0" : "")\(sec)"
        return d > 0 ? "\(d) day\(d == 1 ? "" : "s"), \(hms)" : hms
    }

    static func seconds(_ v: Double) -> String {
        let centis = Int((v * 100).rounded())
        return "\(centis / 100).\(centis % 100 < 10 ? "0" : "")\(centis % 100) s"
    }

    static func bytes(_ v: Int) -> String {
        if v >= 1 << 30 { return tenths(v, 1 << 30) + " GiB" }
        if v >= 1 << 20 { return tenths(v, 1 << 20) + " MiB" }
        if v >= 1 << 10 { return tenths(v, 1 << 10) + " KiB" }
        return "\(v) B"
    }

    private static func tenths(_ v: Int, _ unit: Int) -> String {
        let t = v / (unit / 10)
        return "\(t / 10).\(t % 10)"
    }

    /// What the script polls: every process with its table cells.
    public static func stateJSON(_ processes: [ProcessSnapshot], _ metrics: MetricsSample?, now: Int64) -> String {
        var byKey: [String: ProcessMetrics] = [:]
        for m in metrics?.processes ?? [] { byKey[m.group + ":" + m.name] = m }
        let rows = processes.sorted(by: { ($0.group, $0.name) < ($1.group, $1.name) }).map { p -> JSONValue in
            let c = cells(p, byKey[p.group + ":" + p.name], now: now)
            return .object([("ns", .string(p.namespec)), ("group", .string(p.group)), ("state", .string(p.statename)),
                            ("description", .string(p.description)), ("pid", .string(c.pid)), ("uptime", .string(c.uptime)),
                            ("exit", .string(c.exit)), ("restarts", .string(c.restarts)), ("cpu", .string(c.cpu)), ("mem", .string(c.mem))])
        }
        return JSONValue.object([("now", .int(Int(clamping: now))), ("processes", .array(rows))]).serialized()
    }

    /// TailView's page (supervisor/ui/tail.html): title, the text, a Refresh link.
    public static func tail(name: String?, limit: Int, text: String) -> String {
        let title = "Supervisor tail of process \(name ?? "None")"
        var out = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(WebForm.html(title))</title><link rel="stylesheet" href="swiftvisor.css"></head>
        <body><header><h1>\(WebForm.html(title))</h1>
        """
        if let name {
            out += "<a class=\"button\" href=\"tail.html?processname=\(WebForm.quote(name))&amp;limit=\(limit)\">Refresh</a>"
        }
        out += " <a href=\"./\">Back</a></header>\n<main><pre id=\"tailbody\">\(WebForm.html(text))</pre></main></body></html>\n"
        return out
    }
}
