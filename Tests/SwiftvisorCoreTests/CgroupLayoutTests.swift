import XCTest
@testable import SwiftvisorCore

final class CgroupLayoutTests: XCTestCase {
    func test_cgroup2Mount_findsTheUnifiedMount_inAHybridLayout() {
        let mountinfo = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """
        XCTAssertEqual(CgroupLayout.cgroup2Mount(mountinfo: mountinfo), "/sys/fs/cgroup/unified")
    }

    func test_cgroup2Mount_optionalFieldsAndEscapes_andNoneOnV1Only() {
        let mountinfo = "29 23 0:26 / /sys/fs/my\\040cgroup rw,nosuid shared:4 master:1 - cgroup2 cgroup2 rw,nsdelegate\n"
        XCTAssertEqual(CgroupLayout.cgroup2Mount(mountinfo: mountinfo), "/sys/fs/my cgroup")
        XCTAssertNil(CgroupLayout.cgroup2Mount(mountinfo: "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"))
        XCTAssertNil(CgroupLayout.cgroup2Mount(mountinfo: "garbage\n - \n"))
    }

    func test_ownCgroup_readsTheV2Line() {
        XCTAssertEqual(CgroupLayout.ownCgroup(procSelfCgroup: "4:memory:/x\n0::/system.slice/s.service\n"), "/system.slice/s.service")
        XCTAssertEqual(CgroupLayout.ownCgroup(procSelfCgroup: "0::/\n"), "/")
        XCTAssertNil(CgroupLayout.ownCgroup(procSelfCgroup: "4:memory:/x\n"))
        XCTAssertNil(CgroupLayout.ownCgroup(procSelfCgroup: "0::/gone (deleted)\n"))
    }

    func test_daemonSubtree_joinsWithoutDoubleSlashes() {
        XCTAssertEqual(CgroupLayout.daemonSubtree(mount: "/sys/fs/cgroup", own: "/", daemonPid: 7), "/sys/fs/cgroup/swiftvisord.7")
        XCTAssertEqual(CgroupLayout.daemonSubtree(mount: "/sys/fs/cgroup/unified", own: "/t/x", daemonPid: 7),
                       "/sys/fs/cgroup/unified/t/x/swiftvisord.7")
        XCTAssertEqual(CgroupLayout.processCgroupName(group: "web", process: "web_01"), "web:web_01")
    }

    func test_populatedAndPids_parseTheKernelFiles_andSkipGarbage() {
        XCTAssertEqual(CgroupLayout.populated(events: "populated 1\nfrozen 0\n"), true)
        XCTAssertEqual(CgroupLayout.populated(events: "populated 0\nfrozen 0\n"), false)
        XCTAssertNil(CgroupLayout.populated(events: "frozen 0\n"))
        XCTAssertEqual(CgroupLayout.pids(procs: "12\n34\nx\n-5\n99999999999\n"), [12, 34])
    }

    func test_daemonPid_onlyFromSwiftvisordSubtreeNames() {
        XCTAssertEqual(CgroupLayout.daemonPid(subtreeName: "swiftvisord.812"), 812)
        XCTAssertNil(CgroupLayout.daemonPid(subtreeName: "swiftvisord.0"))
        XCTAssertNil(CgroupLayout.daemonPid(subtreeName: "swiftvisord.99999999999"))
        XCTAssertNil(CgroupLayout.daemonPid(subtreeName: "web:web"))
        XCTAssertNil(CgroupLayout.daemonPid(subtreeName: "swiftvisord.12x"))
    }
}
