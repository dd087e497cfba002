// What a running daemon records about its children so that the next daemon,
// started after this one was killed, can find and stop what it left behind
// (supervisord leaves such orphans running and starts duplicates, Supervisor
// issue #1101). Pure: the text format and the decision of which live
// processes are leftovers; reading /proc and signalling are the shell's job.

/// One spawned child: its identity (pid + start time) and how to stop it.
public struct ChildRecord: Sendable, Equatable {
    public var pid: Int32
    /// Field 22 of /proc/<pid>/stat: clock ticks after boot (taken by the
    /// daemon from CLOCK_BOOTTIME right after the fork: within one tick).
    public var startTime: UInt64
    /// Seconds between SIGTERM and SIGKILL (the program's stopwaitsecs).
    public var stopwaitsecs: Int
    public var namespec: String

    public init(pid: Int32, startTime: UInt64, stopwaitsecs: Int, namespec: String) {
        self.pid = pid; self.startTime = startTime; self.stopwaitsecs = stopwaitsecs; self.namespec = namespec
    }
}

/// The state file: a header naming the daemon, then one line per live child.
///
///     swiftvisord-children 1
///     daemon <pid> <starttime>
///     <pid> <starttime> <stopwaitsecs> <namespec>
public struct ChildRecords: Sendable, Equatable {
    public var daemonPid: Int32
    public var daemonStartTime: UInt64
    public var children: [ChildRecord]

    public init(daemonPid: Int32, daemonStartTime: UInt64, children: [ChildRecord]) {
        self.daemonPid = daemonPid; self.daemonStartTime = daemonStartTime; self.children = children
    }

    static let magic = "swiftvisord-children 1"

    /// The file's text (see the type's documentation for the format).
    public func encoded() -> String {
        var text = "\(Self.magic)\ndaemon \(daemonPid) \(daemonStartTime)\n"
        for c in children {
            text += "\(c.pid) \(c.startTime) \(c.stopwaitsecs) \(c.namespec)\n"
        }
        return text
    }

    /// Parse a state file; nil when it is not one (wrong magic, bad header).
    /// Malformed child lines are skipped: a half-understood file must still
    /// let the daemon stop what it can identify.
    public static func decode(_ text: String) -> ChildRecords? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.count >= 2, lines[0] == magic else { return nil }
        let header = lines[1].split(separator: " ")
        guard header.count == 3, header[0] == "daemon", let dpid = Int32(header[1]), let dstart = UInt64(header[2]) else { return nil }
        var children: [ChildRecord] = []
        for line in lines.dropFirst(2) {
            let f = line.split(separator: " ", maxSplits: 3)
            guard f.count == 4, let pid = Int32(f[0]), pid > 1, let start = UInt64(f[1]), let wait = Int(f[2]) else { continue }
            children.append(ChildRecord(pid: pid, startTime: start, stopwaitsecs: max(wait, 0), namespec: String(f[3])))
        }
        return ChildRecords(daemonPid: dpid, daemonStartTime: dstart, children: children)
    }
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

    /// Which recorded children are still running, judged by identity:
    /// - the leader: same pid AND the same start time (a reused pid is not ours);
    /// - group members: process group == recorded pid, started no earlier than
    ///   the leader. While any member lives the kernel does not hand the
    ///   group's number out as a new pid, so the group is still the child's.
    /// `ownPid` is never selected.
    public static func select(_ records: ChildRecords, live: [ObservedProcess], ownPid: Int32) -> [Leftover] {
        var byGroup: [Int32: [ObservedProcess]] = [:]
        for p in live where p.pid != ownPid { byGroup[p.processGroup, default: []].append(p) }
        let byPid = Dictionary(live.map { ($0.pid, $0) }, uniquingKeysWith: { a, _ in a })
        var result: [Leftover] = []
        for record in records.children where record.pid != ownPid {
            let leader = byPid[record.pid].map { sameStart($0.startTime, record.startTime) } ?? false
            // A process holding the recorded pid with another start time is a
            // stranger: then the group is the stranger's too, unless it is empty.
            if !leader, byPid[record.pid] != nil { continue }
            var pids = leader ? [record.pid] : []
            let earliest = record.startTime > startTimeWindow ? record.startTime - startTimeWindow : 0
            for m in byGroup[record.pid] ?? [] where m.pid != record.pid && m.startTime >= earliest {
                pids.append(m.pid)
            }
            if !pids.isEmpty { result.append(Leftover(record: record, leaderAlive: leader, pids: pids)) }
        }
        return result
    }
}
