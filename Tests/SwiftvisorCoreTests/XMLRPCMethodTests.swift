import XCTest
@testable import SwiftvisorCore

final class XMLRPCMethodTests: XCTestCase {
    func test_listMethods_is41Names_inPythonSortOrder_withTheFiveAliases() throws {
        let names = XMLRPCMethod.all.map(\.name)
        XCTAssertEqual(names.count, 41)
        XCTAssertEqual(Set(names).count, 41)
        // Python sorts str by code point: uppercase before lowercase.
        XCTAssertEqual(names, names.sorted { Array($0.unicodeScalars.map(\.value)).lexicographicallyPrecedes($1.unicodeScalars.map(\.value)) })
        XCTAssertLessThan(try XCTUnwrap(names.firstIndex(of: "supervisor.getAPIVersion")), try XCTUnwrap(names.firstIndex(of: "supervisor.getAllConfigInfo")))
        for alias in ["getVersion", "readMainLog", "readProcessLog", "tailProcessLog", "clearProcessLog"] {
            XCTAssertNotNil(XMLRPCMethod.named("supervisor." + alias), alias)
        }
        XCTAssertEqual(names.filter { $0.hasPrefix("system.") }, ["system.listMethods", "system.methodHelp", "system.methodSignature", "system.multicall"])
        guard case .success(.array(let listed))? = XMLRPCIntrospection.call("system.listMethods", []) else { return XCTFail() }
        XCTAssertEqual(listed, names.map { .string($0) })
    }

    func test_methodHelp_isTheDocstringVerbatim() {
        XCTAssertEqual(XMLRPCIntrospection.call("system.methodHelp", [.string("supervisor.startProcess")]),
                       .success(.string(" Start a process\n\n        @param string name Process name (or ``group:name``, or ``group:*``)\n        @param boolean wait Wait for process to be fully started\n        @return boolean result     Always true unless error\n\n        ")))
        // An alias has its target's docstring.
        XCTAssertEqual(XMLRPCMethod.named("supervisor.getVersion")?.help, XMLRPCMethod.named("supervisor.getAPIVersion")?.help)
        XCTAssertEqual(XMLRPCIntrospection.call("system.methodHelp", [.string("nope")]), .failure(XMLRPCFault(.signatureUnsupported)))
        XCTAssertEqual(XMLRPCIntrospection.call("system.methodHelp", [.int(1)]), .failure(XMLRPCFault(.signatureUnsupported)))
        XCTAssertEqual(XMLRPCIntrospection.call("system.methodHelp", []), .failure(XMLRPCFault(.incorrectParameters)))
    }

    func test_methodSignature() {
        XCTAssertEqual(XMLRPCIntrospection.call("system.methodSignature", [.string("supervisor.readProcessStdoutLog")]),
                       .success(.array([.string("string"), .string("string"), .string("int"), .string("int")])))
        XCTAssertEqual(XMLRPCIntrospection.call("system.methodSignature", [.string("system.multicall")]),
                       .success(.array([.string("array"), .string("array")])))
        XCTAssertEqual(XMLRPCIntrospection.call("system.methodSignature", [.string("supervisor.nope")]),
                       .failure(XMLRPCFault(code: 4, string: "SIGNATURE_UNSUPPORTED")))
        XCTAssertNil(XMLRPCIntrospection.call("supervisor.getPID", []))
    }

    func test_resolve_asTraverse() {
        XCTAssertEqual(try XMLRPCMethod.resolve("supervisor.getPID").get().name, "supervisor.getPID")
        for bad in ["supervisor", "supervisor.getPID.x", "supervisor._update", "nope.getPID", "supervisor.nope", "", ".", "supervisor.", "a.b.c.d"] {
            XCTAssertEqual(XMLRPCMethod.resolve(bad), .failure(XMLRPCFault(code: 1, string: "UNKNOWN_METHOD")), bad)
        }
    }

    func test_parameterCounts_andTheDefaultedWait() throws {
        let start = try XCTUnwrap(XMLRPCMethod.named("supervisor.startProcess"))
        XCTAssertTrue(start.acceptsParameterCount(1))
        XCTAssertTrue(start.acceptsParameterCount(2))
        XCTAssertFalse(start.acceptsParameterCount(0))
        XCTAssertFalse(start.acceptsParameterCount(3))
        let all = try XCTUnwrap(XMLRPCMethod.named("supervisor.stopAllProcesses"))
        XCTAssertTrue(all.acceptsParameterCount(0) && all.acceptsParameterCount(1))
        let version = try XCTUnwrap(XMLRPCMethod.named("supervisor.getVersion"))
        XCTAssertTrue(version.acceptsParameterCount(0))
        XCTAssertFalse(version.acceptsParameterCount(1))
        XCTAssertFalse(try XCTUnwrap(XMLRPCMethod.named("supervisor.signalProcess")).acceptsParameterCount(1))
    }

    func test_shutdownGating() {
        XCTAssertTrue(XMLRPCMethod.named("supervisor.getState")!.refusedWhileStopping)
        XCTAssertFalse(XMLRPCMethod.named("supervisor.sendRemoteCommEvent")!.refusedWhileStopping)
        XCTAssertFalse(XMLRPCMethod.named("system.listMethods")!.refusedWhileStopping)
    }

    func test_faultTable() {
        XCTAssertEqual(XMLRPCFaultCode.allCases.map(\.rawValue), [1, 2, 3, 4, 6, 10, 11, 20, 21, 30, 40, 50, 60, 70, 80, 90, 91, 92])
        XCTAssertEqual(XMLRPCFault(.badName, "zz:*").string, "BAD_NAME: zz:*")
        XCTAssertEqual(XMLRPCFault(.noFile).string, "NO_FILE")
        XCTAssertEqual(XMLRPCFault(.cantReread, "x").code, 92)
        XCTAssertEqual(XMLRPCFaultCode.description(of: 5), "UNKNOWN")
        XCTAssertEqual(XMLRPCFaultCode.description(of: 91), "STILL_RUNNING")
        XCTAssertEqual(XMLRPCFault(.shutdownState).structValue,
                       .structure([("faultCode", .int(6)), ("faultString", .string("SHUTDOWN_STATE"))]))
    }
}
