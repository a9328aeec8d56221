// tmpfs as a whole (fs/tmpfs/tmpfs.h): creation, limits and accounting,
// statfs, mount options, and the release of an unmounted tree.
#include <fs/tmpfs/tmpfs.h>
#include <fs/tmpfs/tmpfs_inodes.h>
#include <fs/vfs/abi.h>

namespace tmpfs {

namespace {

std::atomic<u64> s_default_max_pages { 0 };

// Adds `count` to `counter` unless that would pass `limit` (0: no limit).
bool try_charge(std::atomic<u64>& counter, u64 count, u64 limit)
{
    u64 used = counter.load(std::memory_order_relaxed);
    for (;;) {
        if (limit && (used > limit || count > limit - used))
            return false;
        if (counter.compare_exchange_weak(used, used + count, std::memory_order_relaxed))
            return true;
    }
}

// "64m", "1G", "4096", "0x1000": bytes or counts with an optional k/m/g
// (binary) suffix.
ErrorOr<u64> parse_size(StringView text)
{
    u64 multiplier = 1;
    if (!text.is_empty()) {
        switch (text[text.length() - 1]) {
        case 'k':
        case 'K':
            multiplier = KiB;
            break;
        case 'm':
        case 'M':
            multiplier = MiB;
            break;
        case 'g':
        case 'G':
            multiplier = GiB;
            break;
        default:
            break;
        }
        if (multiplier != 1)
            text = text.substring_view(0, text.length() - 1);
    }
    u64 value = TRY(text.to_uint());
    if (value > ~u64(0) / multiplier)
        return Error::from_errno(EINVAL);
    return value * multiplier;
}

ErrorOr<u32> parse_mode(StringView text)
{
    if (text.is_empty() || text.length() > 6)
        return Error::from_errno(EINVAL);
    u32 mode = 0;
    for (char c : text) {
        if (c < '0' || c > '7')
            return Error::from_errno(EINVAL);
        mode = mode * 8 + static_cast<u32>(c - '0');
    }
    if (mode > 07777)
        return Error::from_errno(EINVAL);
    return mode;
}

ErrorOr<RefPtr<vfs::Inode>> mount_tmpfs(StringView, u32, StringView data)
{
    Options options = TRY(parse_options(data));
    return TmpFs::create(options);
}

constinit vfs::FileSystemType const s_type { "tmpfs", mount_tmpfs };

}

ErrorOr<Options> parse_options(StringView text)
{
    Options options;
    options.max_pages = s_default_max_pages.load(std::memory_order_relaxed);
    for (StringView option : text.split(',')) {
        usize equals = option.find('=');
        if (equals == StringView::npos)
            return Error::from_errno(EINVAL);
        StringView key = option.substring_view(0, equals);
        StringView value = option.substring_view(equals + 1);
        if (key == "size") {
            u64 bytes = TRY(parse_size(value));
            options.max_pages = align_up(bytes, PageIndex::kPageSize) / PageIndex::kPageSize;
        } else if (key == "nr_blocks") {
            options.max_pages = TRY(parse_size(value));
        } else if (key == "nr_inodes") {
            options.max_inodes = TRY(parse_size(value));
        } else if (key == "mode") {
            options.root_mode = TRY(parse_mode(value));
        } else if (key == "uid") {
            options.root_uid = TRY(value.to_uint<u32>());
        } else if (key == "gid") {
            options.root_gid = TRY(value.to_uint<u32>());
        } else {
            return Error::from_errno(EINVAL);
        }
    }
    return options;
}

void set_default_max_pages(u64 pages)
{
    s_default_max_pages.store(pages, std::memory_order_relaxed);
}

ErrorOr<RefPtr<vfs::Inode>> TmpFs::create(Options const& options, StringView type_name)
{
    auto* fs = new (std::nothrow) TmpFs(options, type_name);
    if (!fs)
        return Error::from_errno(ENOMEM);
    // The root directory holds the only lasting reference to its file system.
    RefPtr<TmpFs> holder = adopt_ref(fs);
    RefPtr<TmpfsDirectory> root = TRY(TmpfsDirectory::create_directory(*fs, S_IFDIR | (options.root_mode & 07777),
        vfs::Owner { options.root_uid, options.root_gid }));
    return RefPtr<vfs::Inode>(std::move(root));
}

vfs::FileSystemStatistics TmpFs::statistics() const
{
    vfs::FileSystemStatistics statistics;
    statistics.magic = vfs::kTmpfsMagic;
    statistics.block_size = PageIndex::kPageSize;
    statistics.name_max = vfs::kNameMax;
    u64 pages = m_pages_used.load(std::memory_order_relaxed);
    u64 inodes = m_inodes_used.load(std::memory_order_relaxed);
    // Unlimited sizes are reported as zeros, as Linux does.
    if (m_options.max_pages) {
        statistics.total_blocks = m_options.max_pages;
        statistics.free_blocks = statistics.available_blocks = pages < m_options.max_pages ? m_options.max_pages - pages : 0;
    }
    if (m_options.max_inodes) {
        statistics.total_inodes = m_options.max_inodes;
        statistics.free_inodes = inodes < m_options.max_inodes ? m_options.max_inodes - inodes : 0;
    }
    return statistics;
}

ErrorOr<void> TmpFs::charge_pages(u64 count)
{
    if (!try_charge(m_pages_used, count, m_options.max_pages))
        return Error::from_errno(ENOSPC);
    return {};
}

void TmpFs::uncharge_pages(u64 count)
{
    u64 old = m_pages_used.fetch_sub(count, std::memory_order_relaxed);
    VERIFY(old >= count);
}

ErrorOr<u64> TmpFs::allocate_inode()
{
    if (!try_charge(m_inodes_used, 1, m_options.max_inodes))
        return Error::from_errno(ENOSPC);
    return m_next_ino.fetch_add(1, std::memory_order_relaxed);
}

void TmpFs::release_inode()
{
    u64 old = m_inodes_used.fetch_sub(1, std::memory_order_relaxed);
    VERIFY(old >= 1);
}

bool TmpFs::adopt_dying_entries_locked(EntryList& entries)
{
    while (TmpfsDirEntry* entry = entries.pop_front())
        m_dying.append(*entry);
    if (m_releasing)
        return false;
    m_releasing = true;
    return true;
}

void TmpFs::release_dying_entries()
{
    for (;;) {
        TmpfsDirEntry* entry;
        {
            FsLocker locker(m_namespace_lock);
            entry = m_dying.pop_front();
            if (!entry) {
                m_releasing = false;
                return;
            }
        }
        // May destroy a directory, which hands its own entries to m_dying.
        delete entry;
    }
}

ErrorOr<void> register_type()
{
    return vfs::register_filesystem_type(s_type);
}

}
