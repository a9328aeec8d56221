// Regular files and directories opened through the VFS
// (fs/vfs/inode_file_operations.h).
#include <fs/vfs/inode_file_operations.h>
#include <fs/vfs/open_file.h>
#include <limits>

namespace vfs {

namespace {

constexpr u64 kMaxOffset = static_cast<u64>(std::numeric_limits<i64>::max());

// `base + delta` as a file position: EINVAL below zero or past `limit`.
ErrorOr<u64> offset_from(u64 base, i64 delta, u64 limit)
{
    if (delta < 0) {
        u64 back = static_cast<u64>(-(delta + 1)) + 1;
        if (back > base)
            return Error::from_errno(EINVAL);
        return base - back;
    }
    u64 forward = static_cast<u64>(delta);
    if (base > limit || forward > limit - base)
        return Error::from_errno(EINVAL);
    return base + forward;
}

class InodeFileOperations final : public FileOperations {
public:
    constexpr InodeFileOperations() = default;

    ErrorOr<usize> read(OpenFile& file, IoBuffer& buffer, usize count, u64& offset) override
    {
        usize done = TRY(file.inode()->read(offset, buffer, count));
        offset += done;
        return done;
    }

    ErrorOr<usize> write(OpenFile& file, IoBuffer const& buffer, usize count, u64& offset) override
    {
        usize done = TRY(file.inode()->write(offset, buffer, count, file.flags() & O_APPEND));
        offset += done;
        return done;
    }

    bool is_seekable() const override { return true; }

    ErrorOr<u64> seek(OpenFile& file, u64 current, i64 offset, int whence) override
    {
        Inode& inode = *file.inode();
        if (inode.is_directory()) {
            if (whence == SEEK_SET)
                return offset_from(0, offset, kMaxOffset);
            if (whence == SEEK_CUR)
                return offset_from(current, offset, kMaxOffset);
            return Error::from_errno(EINVAL);
        }
        u64 limit = inode.max_file_size() ? inode.max_file_size() : kMaxOffset;
        switch (whence) {
        case SEEK_SET:
            return offset_from(0, offset, limit);
        case SEEK_CUR:
            return offset_from(current, offset, limit);
        case SEEK_END:
            return offset_from(inode.size(), offset, limit);
        case SEEK_DATA:
        case SEEK_HOLE: {
            // The whole file is data and its end the only hole.
            u64 size = inode.size();
            if (offset < 0 || static_cast<u64>(offset) >= size)
                return Error::from_errno(ENXIO);
            return whence == SEEK_DATA ? static_cast<u64>(offset) : size;
        }
        default:
            return Error::from_errno(EINVAL);
        }
    }
};

constinit InodeFileOperations s_operations;

}

RefPtr<FileOperations> inode_file_operations()
{
    return RefPtr<FileOperations>(&s_operations);
}

}
