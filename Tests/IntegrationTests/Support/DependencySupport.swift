// Helpers shared by the dependency and readiness tests (DependencyStartTests,
// ReadinessNotifyTests, ReadinessProbeTests).
import Foundation
import XCTest

/// python3 for the stand-in programs that speak sd_notify or TCP/HTTP.
let python3: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

extension Sandbox {
    /// Track every pid the main log says was spawned, so cleanup kills it.
    func trackSpawned() {
        for line in logLines(containing: "spawned: '") {
            if let pid = line.split(separator: " ").last.flatMap({ Int32($0) }) { track(pid: pid) }
        }
    }

    /// A time stamp (seconds, as `date +%s.%N` writes it) a child left in `name`.
    func stamp(_ name: String) -> Double? {
        (try? String(contentsOfFile: "\(dir)/\(name)", encoding: .utf8))
            .flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// `swiftvisorctl status NAME` shows it RUNNING (with its pid).
    func isRunning(_ name: String) -> Bool {
        (try? ctl("status", name).stdout)?.contains("RUNNING   pid") == true
    }
}
