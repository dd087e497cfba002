// readdir entries are read in place: the daemon crashed at shutdown (SIGSEGV
// in memmove while listing /proc) when it copied `d_name` as a 256-byte
// array out of an entry that ended just before unmapped memory.
import Glibc
import XCTest
import SwiftvisorOS

final class DirentNameTests: XCTestCase {
    func test_direntName_ofAnEntryEndingAtAnUnmappedPage_readsOnlyTheName() throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let base = try XCTUnwrap(mmap(nil, page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        defer { munmap(base, page * 2) }
        XCTAssertEqual(mprotect(base + page, page, PROT_NONE), 0)
        // A short entry whose name ends 8 bytes before the guard page, as the
        // kernel packs the last entry of a getdents buffer.
        let offset = try XCTUnwrap(MemoryLayout<dirent>.offset(of: \dirent.d_name))
        let entry = base + page - offset - 8
        memset(entry, 0, offset + 8)
        let name = (entry + offset).assumingMemoryBound(to: CChar.self)
        for (i, c) in "4242".utf8CString.enumerated() { name[i] = c }
        XCTAssertEqual(direntName(entry.assumingMemoryBound(to: dirent.self)), "4242")
    }

    func test_direntName_listsARealDirectory() throws {
        let dir = try XCTUnwrap(opendir("/proc/self/fd"))
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) { names.append(direntName(entry)) }
        XCTAssertTrue(names.contains("0") && names.contains("."), "\(names)")
    }
}
