import XCTest
import Glibc
@testable import SwiftvisorOS

final class LocalTimeTests: XCTestCase {
    /// Needs TZ=UTC for fixed expectations: run alone so no other test sees the change.
    func test_formats_matchSupervisordsLogAndStopTimeFormats() throws {
        guard try runningIsolated() else { return }
        setenv("TZ", "UTC", 1)
        tzset()
        // 2025-01-05 00:07:09.25 UTC
        let t = 1_736_035_629.25
        XCTAssertEqual(LocalTime.logTimestamp(wall: t), "2025-01-05 00:07:09,250")
        XCTAssertEqual(LocalTime.stopTime(wall: t), "Jan 05 12:07 AM")
        XCTAssertEqual(LocalTime.stopTime(wall: 1_767_182_400), "Dec 31 12:00 PM")  // 2025-12-31 12:00 UTC
        XCTAssertEqual(LocalTime.stopTime(wall: 1_752_537_540), "Jul 14 11:59 PM")  // 2025-07-14 23:59 UTC
    }
}
