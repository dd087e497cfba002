// The one place for raw syscalls. Every libc call made by swiftvisor goes
// through a wrapper here: EINTR is retried, -1 becomes a typed SystemError
// tagged with the call's name. (Modelled on swift-nio's NIOPosix/System.swift.)
import Glibc
import CSwiftvisor

/// A failed syscall: which call, and errno.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public var call: String
    public var errno: Int32
    public init(call: String, errno: Int32) { self.call = call; self.errno = errno }
    public var description: String { "\(call): \(String(cString: strerror(errno)))" }
}

/// Run `body` until it does not fail with EINTR; turn -1 into SystemError.
@inline(__always)
public func syscall<T: FixedWidthInteger>(_ name: @autoclosure () -> String, _ body: () -> T) throws(SystemError) -> T {
    while true {
        let r = body()
        if r == -1 {
            let e = Glibc.errno
            if e == EINTR { continue }
            precondition(e != EBADF && e != EFAULT, "\(name()) failed with \(e == EBADF ? "EBADF" : "EFAULT"): a bug in swiftvisor")
            throw SystemError(call: name(), errno: e)
        }
        return r
    }
}
