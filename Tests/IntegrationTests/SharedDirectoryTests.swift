// SharedDirectory on real directories: how a directory is judged, and that a
// name planted in a sticky directory is never opened through (the daemon-level
// attacks are replayed in SecurityFilesTests).
import Glibc
import XCTest
@testable import SwiftvisorOS

final class SharedDirectoryTests: XCTestCase {
    private var dir = ""
    override func setUp() { dir = OSTest.tempDir() }
    override func tearDown() { OSTest.removeTree(dir) }

    private func sticky() -> String {
        let path = dir + "/sticky"
        XCTAssertEqual(mkdir(path, 0o755), 0)
        XCTAssertEqual(chmod(path, 0o1777), 0)
        return path
    }

    /// A sticky directory where `web.log` is a name for a precious file
    /// elsewhere, made with `make` (link or symlink).
    private func planted(by make: (UnsafePointer<CChar>, UnsafePointer<CChar>) -> Int32) throws -> (SharedDirectory, String) {
        let shared = sticky()
        let elsewhere = dir + "/precious"
        OSTest.writeFile(elsewhere, "precious\n")
        XCTAssertEqual(make(elsewhere, shared + "/web.log"), 0)
        return (try SharedDirectory.open(shared), elsewhere)
    }

    func test_trust_ofOwnSharedStickyAndForeignDirectories() {
        XCTAssertEqual(DirectoryTrust.of(mode: 0o40755, owner: 0, uid: 0), .trusted)
        XCTAssertEqual(DirectoryTrust.of(mode: 0o40755, owner: 1000, uid: 1000), .trusted)
        XCTAssertEqual(DirectoryTrust.of(mode: 0o41777, owner: 0, uid: 1000), .sticky)
        XCTAssertEqual(DirectoryTrust.of(mode: 0o40777, owner: 0, uid: 0), .open)
        XCTAssertEqual(DirectoryTrust.of(mode: 0o40775, owner: 0, uid: 0), .open, "group-writable")
        XCTAssertEqual(DirectoryTrust.of(mode: 0o40755, owner: 1000, uid: 0), .open, "another user's directory")
        XCTAssertEqual(DirectoryTrust.of(mode: 0o41777, owner: 1000, uid: 0), .open, "another user's sticky directory")
    }

    func test_open_judgesTheDirectoryAndSplitsTheName() throws {
        let shared = sticky()
        let (directory, name) = try SharedDirectory.containing(shared + "/web.log")
        XCTAssertEqual(directory.trust, .sticky)
        XCTAssertEqual(name, "web.log")
        XCTAssertEqual(SharedDirectory.split("web.log").directory, ".")
        XCTAssertEqual(SharedDirectory.split("/web.log").directory, "/")
        XCTAssertThrowsError(try SharedDirectory.containing(shared + "/"))
    }

    func test_openForWriting_refusesASecondHardLinkInASharedDirectory() throws {
        let (directory, elsewhere) = try planted(by: link)
        XCTAssertThrowsError(try directory.openForWriting("web.log", flags: O_WRONLY | O_APPEND, mode: 0o644)) { error in
            XCTAssertEqual((error as? SystemError)?.errno, EPERM)
        }
        XCTAssertEqual(OSTest.readFile(elsewhere), "precious\n")
    }

    func test_createFresh_replacesALinkAtTheName_neverWritingThroughIt() throws {
        let (directory, elsewhere) = try planted(by: symlink)
        let fd = try directory.createFresh("web.log", flags: O_WRONLY, mode: 0o600)
        defer { close(fd) }
        XCTAssertEqual(write(fd, "new\n", 4), 4)
        XCTAssertEqual(OSTest.readFile(elsewhere), "precious\n")
        XCTAssertEqual(OSTest.readFile(directory.path + "/web.log"), "new\n")
        XCTAssertEqual(directory.entries().sorted(), ["web.log"], "no temporary file is left")
    }

    func test_linkInAnOpenDirectoryAlongThePath_isNotFollowed() throws {
        let open = dir + "/open"
        XCTAssertEqual(mkdir(open, 0o777), 0)
        XCTAssertEqual(chmod(open, 0o777), 0)
        XCTAssertEqual(mkdir(dir + "/target", 0o755), 0)
        XCTAssertEqual(symlink(dir + "/target", open + "/logs"), 0)
        XCTAssertThrowsError(try SharedDirectory.open(open + "/logs")) { error in
            XCTAssertEqual((error as? SystemError)?.errno, ELOOP)
        }
    }
}
