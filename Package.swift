// swift-tools-version:6.0
// swiftvisor: a supervisord-compatible process control system for Linux.
// No third-party packages: the toolchain only (Glibc, Dispatch, Synchronization,
// FoundationEssentials, XCTest).
import PackageDescription

let package = Package(
    name: "swiftvisor",
    products: [
        .executable(name: "swiftvisord", targets: ["swiftvisord"]),
        .executable(name: "swiftvisorctl", targets: ["swiftvisorctl"]),
    ],
    targets: [
        // What Swift cannot call: _GNU_SOURCE spawn names, variadic prctl,
        // the W* status macros, the fork→exec child path. Every symbol is swv_.
        .target(
            name: "CSwiftvisor",
            cSettings: [.define("_GNU_SOURCE")]
        ),
        // The functional core: config model and parser, state machine, name
        // resolution, control protocol, status formatting. No syscalls.
        .target(name: "SwiftvisorCore"),
        // The one place for raw syscalls, and the OS pieces built on them:
        // event loop, spawner, pipes, log files, sockets.
        .target(name: "SwiftvisorOS", dependencies: ["CSwiftvisor", "SwiftvisorCore"]),
        // The daemon: wires the core's decisions to the OS layer.
        .target(name: "SwiftvisorDaemon", dependencies: ["SwiftvisorCore", "SwiftvisorOS"]),
        .executableTarget(name: "swiftvisord", dependencies: ["SwiftvisorDaemon"]),
        // Fully static: no dynamic loader, no libstdc++ to map and relocate.
        // That halves the start-up of a one-shot `swiftvisorctl status` (deploy
        // scripts call it in loops). It needs no NSS lookups, unlike the daemon.
        .executableTarget(
            name: "swiftvisorctl",
            dependencies: ["SwiftvisorCore", "SwiftvisorOS"],
            linkerSettings: [.unsafeFlags(["-static-executable"])]
        ),
        .testTarget(name: "SwiftvisorCoreTests", dependencies: ["SwiftvisorCore"]),
        // The daemon's logic in-process, over fake seams for the event loop
        // and the process host: no binary is spawned, time is advanced by hand.
        .testTarget(
            name: "DaemonTests",
            dependencies: ["SwiftvisorDaemon", "SwiftvisorCore", "SwiftvisorOS"]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["SwiftvisorCore", "SwiftvisorOS"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
