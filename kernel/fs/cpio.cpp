// The cpio newc/crc reader (cpio.h). Called by the initramfs unpacker at
// boot with the archive GRUB loaded as a module, and by the host tests.
// Every length read from the archive is checked against what is left of
// the buffer before anything is read through it; comparisons are written
// as `length > size - offset` so that no sum can wrap.
#include <fs/cpio.h>
#include <lib/string.h>

namespace {

// Field order in the header, after the magic.
enum Field : usize {
    Ino,
    Mode,
    Uid,
    Gid,
    Nlink,
    Mtime,
    FileSize,
    DevMajor,
    DevMinor,
    RdevMajor,
    RdevMinor,
    NameSize,
    Check,
    FieldCount,
};

constexpr usize kMagicSize = 6;
constexpr usize kFieldSize = 8;
constexpr usize kAlignment = 4;
static_assert(kMagicSize + FieldCount * kFieldSize == CpioReader::kHeaderSize);

constexpr StringView kTrailerName = "TRAILER!!!";

// Eight hex digits, either case; false on anything else (cpio writes no
// spaces or signs, so neither is accepted).
bool parse_field(u8 const* text, u32& value)
{
    value = 0;
    for (usize i = 0; i < kFieldSize; ++i) {
        u8 c = text[i];
        u32 digit;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            digit = c - 'A' + 10;
        else
            return false;
        value = value << 4 | digit;
    }
    return true;
}

// The 070702 check field: the sum of the data bytes, modulo 2^32.
u32 byte_sum(u8 const* data, usize size)
{
    u32 sum = 0;
    for (usize i = 0; i < size; ++i)
        sum += data[i];
    return sum;
}

}

Error CpioReader::fail(const char* reason)
{
    m_reason = reason;
    return Error::from_errno(EINVAL);
}

ErrorOr<bool> CpioReader::next(CpioEntry& entry)
{
    // A bad archive stays bad: the caller should not walk past an error.
    if (m_reason)
        return Error::from_errno(EINVAL);
    if (m_finished)
        return false;

    // Invariant: m_offset <= m_size, so this cannot wrap.
    usize remaining = m_size - m_offset;
    if (remaining == 0)
        return fail("archive ends without a TRAILER!!! entry");
    if (remaining < kHeaderSize)
        return fail("truncated header");

    u8 const* header = m_data + m_offset;
    bool has_checksum;
    if (memcmp(header, "070701", kMagicSize) == 0)
        has_checksum = false;
    else if (memcmp(header, "070702", kMagicSize) == 0)
        has_checksum = true;
    else
        return fail("bad magic (not a newc or crc cpio header)");

    u32 fields[FieldCount];
    for (usize i = 0; i < FieldCount; ++i) {
        if (!parse_field(header + kMagicSize + i * kFieldSize, fields[i]))
            return fail("header field is not 8 hex digits");
    }

    // namesize counts the NUL, so an entry always has at least one byte of name.
    usize name_size = fields[NameSize];
    if (name_size == 0)
        return fail("name size is zero");
    usize name_offset = m_offset + kHeaderSize;
    if (name_size > m_size - name_offset)
        return fail("truncated name");
    auto const* name = reinterpret_cast<const char*>(m_data + name_offset);
    // Exactly one NUL, at the end: a NUL inside would make the C-string view
    // of the name disagree with its length.
    if (strnlen(name, name_size) != name_size - 1)
        return fail("name is not NUL-terminated where namesize says");

    // The padding after the name is part of the entry even for the trailer
    // (Linux's unpacker also insists on it).
    usize data_offset = align_up(name_offset + name_size, kAlignment);
    if (data_offset > m_size)
        return fail("truncated name padding");
    StringView name_view(name, name_size - 1);
    if (name_view == kTrailerName) {
        m_finished = true;
        m_offset = data_offset;
        return false;
    }

    usize data_size = fields[FileSize];
    if (data_size > m_size - data_offset)
        return fail("truncated data");
    usize next_offset = align_up(data_offset + data_size, kAlignment);
    if (next_offset > m_size)
        return fail("truncated data padding");
    // Writers (GNU cpio among them) sum only regular files' data and leave
    // 0 for a symlink's target, so only regular files can be checked.
    bool is_regular = (fields[Mode] & CpioEntry::kTypeMask) == CpioEntry::kRegular;
    if (has_checksum && is_regular && byte_sum(m_data + data_offset, data_size) != fields[Check])
        return fail("data does not match the 070702 checksum");

    entry.name = name_view;
    entry.ino = fields[Ino];
    entry.mode = fields[Mode];
    entry.uid = fields[Uid];
    entry.gid = fields[Gid];
    entry.nlink = fields[Nlink];
    entry.mtime = fields[Mtime];
    entry.data = m_data + data_offset;
    entry.size = data_size;
    entry.dev_major = fields[DevMajor];
    entry.dev_minor = fields[DevMinor];
    entry.rdev_major = fields[RdevMajor];
    entry.rdev_minor = fields[RdevMinor];
    entry.check = fields[Check];
    m_offset = next_offset;
    return true;
}

ErrorOr<CpioEntry> cpio_find(u8 const* data, usize size, StringView name)
{
    CpioReader reader(data, size);
    CpioEntry entry;
    CpioEntry found {};
    bool have = false;
    // A name may repeat; like Linux's unpacker, the later entry wins.
    while (TRY(reader.next(entry))) {
        if (entry.name == name) {
            found = entry;
            have = true;
        }
    }
    if (!have)
        return Error::from_errno(ENOENT);
    return found;
}
