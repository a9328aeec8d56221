// Reader of cpio "newc" archives (magic 070701) and their checksummed
// "crc" twin (070702): the initramfs format the boot loader hands over as a
// module (tools/mkinitramfs.sh builds it). The initramfs unpacker walks the
// entries and builds the root tmpfs from them; nothing here allocates or
// copies: names and data point into the archive buffer.
//
// Layout of one entry: a 110-byte ASCII header (6-byte magic, then 13 fields
// of 8 hex digits: ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
// devminor, rdevmajor, rdevminor, namesize, check), the NUL-terminated name
// (namesize counts the NUL), zero padding to a multiple of 4 counted from
// the start of the archive, the data, and padding to 4 again. An entry named
// "TRAILER!!!" ends the archive; whatever follows it (the block padding cpio
// writes) is not read.
//
// The archive is untrusted input: every malformed or truncated archive
// gives EINVAL (with a reason for the log) and the reader never reads
// outside [data, data + size).
//
//   CpioReader reader(start, size);
//   CpioEntry entry;
//   while (TRY(reader.next(entry))) { ... entry.name, entry.data, entry.size ... }
//
// Host-buildable.
#pragma once

#include <lib/error_or.h>
#include <lib/string_view.h>
#include <lib/types.h>

struct CpioEntry {
    // File type bits of `mode`, as in st_mode. Named here rather than taken
    // from <sys/stat.h> so the kernel and host builds agree.
    static constexpr u32 kTypeMask = 0170000;
    static constexpr u32 kSocket = 0140000;
    static constexpr u32 kSymlink = 0120000;
    static constexpr u32 kRegular = 0100000;
    static constexpr u32 kBlockDevice = 0060000;
    static constexpr u32 kDirectory = 0040000;
    static constexpr u32 kCharDevice = 0020000;
    static constexpr u32 kFifo = 0010000;

    // The path as stored, without its NUL (which is still in the buffer
    // right after it, so name.characters_without_null_termination() is
    // also a C string).
    StringView name;
    u32 ino;
    u32 mode; // type and permission bits
    u32 uid;
    u32 gid;
    u32 nlink;
    u32 mtime; // seconds since the epoch
    // The file's bytes (a symlink's are its target, without a NUL). Later
    // entries of a hard-linked file carry the data; earlier ones have size 0.
    u8 const* data;
    usize size;
    u32 dev_major; // device holding the original file
    u32 dev_minor;
    u32 rdev_major; // the device a char/block special file stands for
    u32 rdev_minor;
    u32 check; // 070702: byte sum of a regular file's data (verified); else unused

    u32 type() const { return mode & kTypeMask; }
    u32 permissions() const { return mode & 07777; }
    bool is_regular() const { return type() == kRegular; }
    bool is_directory() const { return type() == kDirectory; }
    bool is_symlink() const { return type() == kSymlink; }
    bool is_device() const { return type() == kCharDevice || type() == kBlockDevice; }
};

class CpioReader {
public:
    static constexpr usize kHeaderSize = 110;

    CpioReader(u8 const* data, usize size)
        : m_data(data)
        , m_size(size)
    {
    }

    // Reads the entry at the current position into `entry` and returns true,
    // or returns false once the trailer has been read (and on every later
    // call). EINVAL when the archive is malformed; the reader then stays
    // in error and reason() says what was wrong.
    ErrorOr<bool> next(CpioEntry& entry);

    // Byte offset of the next header (or, after an error, of the header of
    // the entry that was bad): for log messages.
    usize offset() const { return m_offset; }
    // A short static description of the last error, or null.
    const char* reason() const { return m_reason; }

private:
    Error fail(const char* reason);

    u8 const* m_data;
    usize m_size;
    usize m_offset { 0 };
    bool m_finished { false };
    const char* m_reason { nullptr };
};

// Calls `callback(CpioEntry const&)` for every entry before the trailer,
// in archive order. The callback returns ErrorOr<void>; its first error
// stops the walk and is returned.
template<typename Callback>
ErrorOr<void> cpio_for_each_entry(u8 const* data, usize size, Callback callback)
{
    CpioReader reader(data, size);
    CpioEntry entry;
    while (TRY(reader.next(entry)))
        TRY(callback(static_cast<CpioEntry const&>(entry)));
    return {};
}

// The entry called `name` (compared exactly as stored), ENOENT if there is
// none. The whole archive is checked even when the entry comes early, so a
// corrupt archive is never half-trusted.
ErrorOr<CpioEntry> cpio_find(u8 const* data, usize size, StringView name);
