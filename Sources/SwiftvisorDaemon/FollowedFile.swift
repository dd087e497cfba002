// One log file a `follow` stream reads, with supervisord's tail_f_producer
// rules: start 1024 bytes before the end, reopen on rotation (inode change),
// restart from 0 with a notice on truncation (size below our offset).
import SwiftvisorCore
import SwiftvisorOS

struct FollowedFile {
    /// `data(n)`: `n` bytes were read into the caller's buffer.
    enum Read { case data(Int), truncated, nothing }

    let path: String
    /// The target's position in the follow request (the `target=` of data items).
    let index: Int
    var fd: Int32
    var inode: UInt
    var offset: Int

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

    /// Read new bytes into `buffer`, noticing truncation and rotation. One
    /// pread while there is data; the fstat and stat that tell truncation and
    /// rotation only once it reads nothing (a file cut below our offset reads
    /// nothing there, so it is seen as soon as before).
    mutating func readMore(into buffer: UnsafeMutableRawBufferPointer) -> Read {
        let n = (try? Sys.pread(fd, into: buffer, at: offset)) ?? 0
        if n > 0 {
            offset += n
            return .data(n)
        }
        if let st = try? Sys.fstat(fd), Int(st.st_size) < offset {
            offset = 0
            return .truncated
        }
        // At the end of our file: has the path moved on to a new one (rotation)?
        if let st = Sys.statPath(path), UInt(st.st_ino) != inode,
           let newFD = try? SharedDirectory.openForReading(path), let nst = try? Sys.fstat(newFD) {
            Sys.close(fd)
            fd = newFD
            inode = UInt(nst.st_ino)
            offset = 0
            return readMore(into: buffer)
        }
        return .nothing
    }
}
