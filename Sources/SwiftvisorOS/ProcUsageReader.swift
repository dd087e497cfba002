// The /proc reads of a `/metrics` scrape or a web page refresh: CPU, memory
// and descriptors of every running child (docs/metrics.md).
//
// With 1,000 children these reads are most of a scrape's cost, and much of
// that was opening and closing /proc files (a path walk and a permission
// check each time) rather than reading them (docs/benchmarks.md,
// "/metrics"). So CPU time comes from each process's CPU clock (no file;
// ProcFS.cpuSeconds), the reader keeps each child's /proc/PID/statm open
// between scrapes and rereads it with pread(2), and past a few hundred pids
// it splits the reads between the calling thread and one short-lived helper
// thread.
//
// Why a held descriptor is safe: it refers to the process, not to its
// number. Once that process has been reaped the read fails (ESRCH), even if
// its pid has been given to a new process, so a held file never shows
// another process's figures; the reader then drops it and opens the path
// afresh. Held files are close-on-exec, counted against a budget (half of
// RLIMIT_NOFILE, less what the daemon already has open), and closed at the
// next scrape that no longer asks for their process (it stopped, or a
// reload removed it); a scrape with no running process closes them all.

import Glibc

public final class ProcUsageReader {
    /// pid → its /proc/PID/statm, open.
    private var held: [Int32: Int32] = [:]

    public init() {}

    /// Files held open now (what `/metrics` counts among the daemon's own
    /// descriptors).
    public var heldCount: Int { held.count }

    /// Usage of every pid, in order; nil for a process that is gone.
    /// `openDescriptors` is the daemon's own count, for the budget.
    public func usage(of pids: [Int32], openDescriptors: Int) -> [ProcFS.Usage?] {
        guard !pids.isEmpty else {
            closeAll()
            return []
        }
        let asked = Set(pids)
        var closed = 0
        for (pid, fd) in held where !asked.contains(pid) {
            Self.closeFD(fd)
            held[pid] = nil
            closed += 1
        }
        // `openDescriptors` counts the held files too (and those just closed).
        var budget = Self.budget(openDescriptors: openDescriptors - closed)
        var jobs: [Job] = []
        jobs.reserveCapacity(pids.count)
        var planned = Set<Int32>(minimumCapacity: pids.count)
        for pid in pids {
            let fd = held[pid] ?? -1
            // A pid asked for twice (never, from the supervisor) is read
            // twice but held once.
            let mayHold = fd < 0 && budget > 0 && planned.insert(pid).inserted
            if mayHold { budget -= 1 }
            jobs.append(Job(pid: pid, heldFD: fd, mayHold: mayHold))
        }
        Self.run(&jobs)
        var result: [ProcFS.Usage?] = []
        result.reserveCapacity(jobs.count)
        for job in jobs {
            if job.heldFailed, held[job.pid] == job.heldFD {
                Self.closeFD(job.heldFD)
                held[job.pid] = nil
            }
            if job.openedFD >= 0 {
                if held[job.pid] == nil { held[job.pid] = job.openedFD } else { Self.closeFD(job.openedFD) }
            }
            result.append(job.usage)
        }
        return result
    }

    /// Close every held file.
    public func closeAll() {
        for fd in held.values { Self.closeFD(fd) }
        held.removeAll()
    }

    deinit { closeAll() }

    /// Below this many pids a helper thread costs more than it saves.
    static let parallelThreshold = 256

    private static let onlineCPUs: Int = sysconf(Int32(_SC_NPROCESSORS_ONLN))

    /// How many more files may be held: half the descriptor limit, less
    /// what is open, so held files can never starve children's pipes,
    /// log files or connections of descriptors.
    static func budget(openDescriptors: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(UInt32(RLIMIT_NOFILE.rawValue)), &limit) == 0 else { return 0 }
        let soft = Int(clamping: limit.rlim_cur)  // RLIM_INFINITY is UInt64.max: clamped to Int.max
        return max(0, soft / 2 - max(0, openDescriptors))
    }

    private static func closeFD(_ fd: Int32) {
        if fd >= 0 { _ = Glibc.close(fd) }
    }

    // MARK: - The reads

    /// One pid's read. Filled in by whichever thread reads it; the reader
    /// updates `held` from it afterwards, on the calling thread only.
    struct Job {
        let pid: Int32
        let heldFD: Int32
        let mayHold: Bool
        var usage: ProcFS.Usage? = nil
        /// The held file failed (its process was reaped): drop it.
        var heldFailed = false
        /// A file opened by this read and left open to be held.
        var openedFD: Int32 = -1

        init(pid: Int32, heldFD: Int32, mayHold: Bool) {
            self.pid = pid; self.heldFD = heldFD; self.mayHold = mayHold
        }

        mutating func read() {
            guard pid > 0 else { return }
            ProcFS.withStatmBuffer { (buffer) -> Void? in
                if heldFD >= 0 {
                    let n = Glibc.pread(heldFD, buffer.baseAddress, buffer.count, 0)
                    if n > 0 {
                        usage = ProcFS.usage(of: pid, statm: UnsafeRawBufferPointer(rebasing: buffer[..<n]))
                        return nil
                    }
                    heldFailed = true
                }
                let fd = ProcFS.openStatm(pid)
                guard fd >= 0 else { return nil }
                let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
                if n > 0 { usage = ProcFS.usage(of: pid, statm: UnsafeRawBufferPointer(rebasing: buffer[..<n])) }
                if n > 0, mayHold { openedFD = fd } else { _ = Glibc.close(fd) }
                return nil
            }
        }
    }

    private struct Slice {
        var jobs: UnsafeMutablePointer<Job>
        var count: Int
        func read() { for i in 0..<count { jobs[i].read() } }
    }

    /// Read every job, the second half on a helper thread when there are
    /// enough of them and more than one CPU. The thread is created with
    /// every signal blocked (the daemon takes its signals through the event
    /// loop only), touches nothing but its own jobs and the kernel, and is
    /// joined before this returns; if it cannot be created, the calling
    /// thread reads everything.
    static func run(_ jobs: inout [Job]) {
        jobs.withUnsafeMutableBufferPointer { all in
            guard let base = all.baseAddress else { return }
            let split = all.count >= parallelThreshold && onlineCPUs > 1 ? all.count / 2 : all.count
            var second = Slice(jobs: base + split, count: all.count - split)
            withUnsafeMutablePointer(to: &second) { secondSlice in
                let thread = split < all.count ? startThread(secondSlice) : nil
                Slice(jobs: base, count: thread == nil ? all.count : split).read()
                if let thread { pthread_join(thread, nil) }
            }
        }
    }

    /// A thread reading `slice`, or nil when none could be started. The
    /// caller joins it before `slice` goes out of scope.
    private static func startThread(_ slice: UnsafeMutablePointer<Slice>) -> pthread_t? {
        var all = sigset_t()
        var previous = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_SETMASK, &all, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        // A small stack: the thread only makes syscalls and parses into a
        // 256-byte buffer.
        var attributes = pthread_attr_t()
        guard pthread_attr_init(&attributes) == 0 else { return nil }
        defer { pthread_attr_destroy(&attributes) }
        _ = pthread_attr_setstacksize(&attributes, 256 * 1024)
        var thread = pthread_t()
        let started = pthread_create(&thread, &attributes, { raw in
            raw?.assumingMemoryBound(to: Slice.self).pointee.read()
            return nil
        }, UnsafeMutableRawPointer(slice))
        return started == 0 ? thread : nil
    }
}
