// One log file a `follow` stream reads, with supervisord's tail_f_producer
// rules: start 1024 bytes before the end, reopen on rotation (inode change),
// restart from 0 with a notice on truncation (size below our offset).
import SwiftvisorCore
import SwiftvisorOS

struct FollowedFile {
    enum Read { case data([UInt8]), truncated, nothing }

    let path: String
    /// The target's position in the follow request (the `target=` of data items).
    let index: Int
    var fd: Int32
    var inode: UInt
    var offset: Int
    var lastRead: Read = .nothing

    /// Open `path` positioned `followBacklog` bytes before its end, or at
    /// `from` (`follow --from=`: where the client's last read ended; past the
    /// end, the file was replaced meanwhile, so from its start); nil when it
    /// cannot be opened (the follow is refused with NO_FILE, like supervisord's 404).
    static func open(path: String, index: Int, from: Int? = nil) -> FollowedFile? {
        guard let fd = try? SharedDirectory.openForReading(path) else { return nil }
        guard let st = try? Sys.fstat(fd) else { Sys.close(fd); return nil }
        let size = Int(st.st_size)
        var start = size >= ControlProtocol.followBacklog ? size - ControlProtocol.followBacklog : 0
        if let from { start = from <= size ? from : 0 }
        return FollowedFile(path: path, index: index, fd: fd, inode: UInt(st.st_ino), offset: start)
    }

    /// Read up to `max` new bytes, noticing truncation and rotation.
    mutating func readMore(max: Int) -> Read {
        lastRead = step(max: max)
        return lastRead
    }

    private mutating func step(max: Int) -> Read {
        if let st = try? Sys.fstat(fd), Int(st.st_size) < offset {
            offset = 0
            return .truncated
        }
        var buf = [UInt8](repeating: 0, count: max)
        let n = (try? buf.withUnsafeMutableBytes { (b) throws(SystemError) in try Sys.pread(fd, into: b, at: offset) }) ?? 0
        if n > 0 {
            offset += n
            return .data(Array(buf[0..<n]))
        }
        // At the end of our file: has the path moved on to a new one (rotation)?
        if let st = Sys.statPath(path), UInt(st.st_ino) != inode,
           let newFD = try? SharedDirectory.openForReading(path), let nst = try? Sys.fstat(newFD) {
            Sys.close(fd)
            fd = newFD
            inode = UInt(nst.st_ino)
            offset = 0
            return step(max: max)
        }
        return .nothing
    }
}
