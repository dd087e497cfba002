// What a running daemon records about its children so that the next daemon,
// started after this one was killed, can find and stop what it left behind
// (supervisord leaves such orphans running and starts duplicates, Supervisor
// issue #1101). Pure: the text format and the decision of which live
// processes are leftovers; reading /proc and signalling are the shell's job.

/// One spawned child: its identity (pid + start time + the marker in its
/// environment) and how to stop it.
public struct ChildRecord: Sendable, Equatable {
    public var pid: Int32
    /// Field 22 of /proc/<pid>/stat: clock ticks after boot (taken by the
    /// daemon from CLOCK_BOOTTIME right after the fork: within one tick).
    public var startTime: UInt64
    /// Seconds between SIGTERM and SIGKILL (the program's stopwaitsecs).
    public var stopwaitsecs: Int
    /// The spawning daemon's random id, which the child (and whatever it
    /// forks) carries as `SWIFTVISOR_INSTANCE=<marker>` in its environment.
    public var marker: String
    public var namespec: String

    public init(pid: Int32, startTime: UInt64, stopwaitsecs: Int, marker: String, namespec: String) {
        self.pid = pid; self.startTime = startTime; self.stopwaitsecs = stopwaitsecs
        self.marker = marker; self.namespec = namespec
    }

    /// The environment entry that proves a process is this record's.
    public var environmentEntry: String { "\(ChildRecords.markerVariable)=\(marker)" }
}

/// The state file: a header naming the daemon, then one line per live child.
///
///     swiftvisord-children 2
///     daemon <pid> <starttime> <marker>
///     <pid> <starttime> <stopwaitsecs> <marker> <namespec>
///
/// A child line carries its own marker: a daemon still stopping what a
/// predecessor left keeps those records (with the predecessor's marker) in
/// its own file until they are gone.
public struct ChildRecords: Sendable, Equatable {
    public var daemonPid: Int32
    public var daemonStartTime: UInt64
    public var marker: String
    public var children: [ChildRecord]

    public init(daemonPid: Int32, daemonStartTime: UInt64, marker: String, children: [ChildRecord]) {
        self.daemonPid = daemonPid; self.daemonStartTime = daemonStartTime; self.marker = marker; self.children = children
    }

    static let magic = "swiftvisord-children 2"
    /// The variable every child is spawned with (docs/security.md).
    public static let markerVariable = "SWIFTVISOR_INSTANCE"
    /// Largest state file read (10,000 children take about 800 KB).
    public static let maximumFileSize = 16 * 1024 * 1024

    /// A new random marker: 32 hex digits from `random` (128 bits).
    public static func newMarker(_ random: (UInt64, UInt64)) -> String {
        func hex(_ v: UInt64) -> String {
            let digits = String(v, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return hex(random.0) + hex(random.1)
    }

    /// Whether `text` is a marker this daemon could have made.
    public static func isMarker(_ text: Substring) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// The file's text (see the type's documentation for the format).
    public func encoded() -> String {
        var text = "\(Self.magic)\ndaemon \(daemonPid) \(daemonStartTime) \(marker)\n"
        for c in children {
            text += "\(c.pid) \(c.startTime) \(c.stopwaitsecs) \(c.marker) \(c.namespec)\n"
        }
        return text
    }

    /// Parse a state file; nil when it is not one (wrong magic, bad header).
    /// Malformed child lines are skipped: a half-understood file must still
    /// let the daemon stop what it can identify. Every number is checked
    /// where it enters (a pid above 1, a stopwaitsecs that fits the config's range).
    public static func decode(_ text: String) -> ChildRecords? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.count >= 2, lines[0] == magic else { return nil }
        let header = lines[1].split(separator: " ")
        guard header.count == 4, header[0] == "daemon", let dpid = Int32(header[1]), let dstart = UInt64(header[2]),
              isMarker(header[3]) else { return nil }
        var children: [ChildRecord] = []
        for line in lines.dropFirst(2) {
            let f = line.split(separator: " ", maxSplits: 4)
            guard f.count == 5, let pid = Int32(f[0]), pid > 1, let start = UInt64(f[1]), let wait = Int(f[2]),
                  isMarker(f[3]) else { continue }
            children.append(ChildRecord(pid: pid, startTime: start, stopwaitsecs: min(max(wait, 0), maximumStopwait),
                                        marker: String(f[3]), namespec: String(f[4])))
        }
        return ChildRecords(daemonPid: dpid, daemonStartTime: dstart, marker: String(header[3]), children: children)
    }

    /// A recorded stopwaitsecs above this is cut to it (a day).
    public static let maximumStopwait = 86_400
}

/// A live process as seen in /proc.
public struct ObservedProcess: Sendable, Equatable {
    public var pid: Int32
    public var processGroup: Int32
    public var startTime: UInt64
    public init(pid: Int32, processGroup: Int32, startTime: UInt64) {
        self.pid = pid; self.processGroup = processGroup; self.startTime = startTime
    }
}

/// A recorded child of which something is still running.
public struct Leftover: Sendable, Equatable {
    public var record: ChildRecord
    /// True when the recorded process itself (same pid, same start time) lives.
    public var leaderAlive: Bool
    /// Every live process to stop: the leader if alive, and the members of its
    /// process group (its grandchildren, unless they left the group).
    public var pids: [Int32]

    public init(record: ChildRecord, leaderAlive: Bool, pids: [Int32]) {
        self.record = record; self.leaderAlive = leaderAlive; self.pids = pids
    }
}

/// Which recorded children still run: the pure half of crash recovery.
public enum LeftoverSelection {
    /// How much earlier than the recorded start time the kernel's may be. The
    /// daemon stamps a child from CLOCK_BOOTTIME after the fork, so the stamp is
    /// never earlier than the kernel's, and later by the time posix_spawn took
    /// plus any preemption (1 s covers a loaded machine). A process that took
    /// the pid since is never earlier than the stamp: the pid stayed ours
    /// until we reaped the child, after stamping it.
    public static let startTimeWindow: UInt64 = 100

    /// Whether a live process's start time is the one recorded for its pid.
    public static func sameStart(_ live: UInt64, _ recorded: UInt64) -> Bool {
        live <= recorded && recorded - live <= startTimeWindow
    }

    /// Which recorded children are still running, judged by identity, never
    /// by pid alone:
    /// - the leader: same pid, the same start time AND the record's marker in
    ///   its environment (`carriesMarker(pid, entry)`);
    /// - group members: process group == recorded pid, started no earlier than
    ///   the leader, and either the leader is proven or the member carries the
    ///   marker itself (a forged or stale group number is not enough).
    /// `ownPid` is never selected.
    public static func select(_ records: ChildRecords, live: [ObservedProcess], ownPid: Int32,
                              carriesMarker: (Int32, String) -> Bool) -> [Leftover] {
        var byGroup: [Int32: [ObservedProcess]] = [:]
        for p in live where p.pid != ownPid { byGroup[p.processGroup, default: []].append(p) }
        let byPid = Dictionary(live.map { ($0.pid, $0) }, uniquingKeysWith: { a, _ in a })
        var result: [Leftover] = []
        for record in records.children where record.pid != ownPid {
            if let l = select(record, byPid: byPid, byGroup: byGroup, carriesMarker: carriesMarker) { result.append(l) }
        }
        return result
    }

    /// `select` for one record.
    public static func select(_ record: ChildRecord, byPid: [Int32: ObservedProcess], byGroup: [Int32: [ObservedProcess]],
                              carriesMarker: (Int32, String) -> Bool) -> Leftover? {
        let entry = record.environmentEntry
        let holder = byPid[record.pid]
        let leader = holder.map { sameStart($0.startTime, record.startTime) && carriesMarker(record.pid, entry) } ?? false
        // A process holding the recorded pid that is not the child is a
        // stranger: then the group is the stranger's too.
        if !leader, holder != nil { return nil }
        var pids = leader ? [record.pid] : []
        let earliest = record.startTime > startTimeWindow ? record.startTime - startTimeWindow : 0
        for m in byGroup[record.pid] ?? [] where m.pid != record.pid && m.startTime >= earliest {
            if leader || carriesMarker(m.pid, entry) { pids.append(m.pid) }
        }
        return pids.isEmpty ? nil : Leftover(record: record, leaderAlive: leader, pids: pids)
    }
}
