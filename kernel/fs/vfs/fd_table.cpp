// File descriptor tables (fs/vfs/fd_table.h).
//
// The slots are one array that doubles when a descriptor beyond it is
// needed. Allocation happens with the lock dropped, and whoever finds the
// array already grown by someone else simply retries.
#include <fs/vfs/fd_table.h>

namespace vfs {

namespace {
constexpr u64 kInitialCapacity = 16;

u64 clamp_limit(u64 limit)
{
    return limit < FdTable::kMaxDescriptors ? limit : FdTable::kMaxDescriptors;
}
}

ErrorOr<RefPtr<FdTable>> FdTable::create()
{
    auto* table = new (std::nothrow) FdTable;
    if (!table)
        return Error::from_errno(ENOMEM);
    return adopt_ref(table);
}

FdTable::~FdTable()
{
    close_all();
    delete[] m_slots;
}

ErrorOr<void> FdTable::reserve(u64 fd)
{
    VERIFY(fd < kMaxDescriptors);
    for (;;) {
        u64 capacity;
        {
            FsLocker locker(m_lock);
            if (fd < m_capacity)
                return {};
            capacity = m_capacity;
        }
        u64 grown = capacity ? capacity : kInitialCapacity;
        while (grown <= fd)
            grown *= 2;
        if (grown > kMaxDescriptors)
            grown = kMaxDescriptors;
        Slot* slots = new (std::nothrow) Slot[grown];
        if (!slots)
            return Error::from_errno(ENOMEM);
        Slot* old = slots;
        {
            FsLocker locker(m_lock);
            if (m_capacity == capacity) {
                for (u64 i = 0; i < m_capacity; ++i)
                    slots[i] = m_slots[i];
                old = m_slots;
                m_slots = slots;
                m_capacity = grown;
            }
        }
        delete[] old;
    }
}

ErrorOr<int> FdTable::allocate(RefPtr<OpenFile> file, bool close_on_exec, u64 limit, int minimum)
{
    VERIFY(file && minimum >= 0);
    limit = clamp_limit(limit);
    for (;;) {
        u64 wanted;
        {
            FsLocker locker(m_lock);
            u64 end = m_capacity < limit ? m_capacity : limit;
            for (u64 fd = static_cast<u64>(minimum); fd < end; ++fd) {
                if (!m_slots[fd].file) {
                    m_slots[fd] = Slot { file.leak_ref(), close_on_exec };
                    ++m_open;
                    return static_cast<int>(fd);
                }
            }
            wanted = m_capacity > static_cast<u64>(minimum) ? m_capacity : static_cast<u64>(minimum);
        }
        if (wanted >= limit)
            return Error::from_errno(EMFILE);
        TRY(reserve(wanted));
    }
}

ErrorOr<RefPtr<OpenFile>> FdTable::get(int fd) const
{
    FsLocker locker(m_lock);
    if (!is_open_locked(fd))
        return Error::from_errno(EBADF);
    return RefPtr<OpenFile>(m_slots[fd].file);
}

ErrorOr<void> FdTable::close(int fd)
{
    OpenFile* file;
    {
        FsLocker locker(m_lock);
        if (!is_open_locked(fd))
            return Error::from_errno(EBADF);
        file = m_slots[fd].file;
        m_slots[fd] = Slot {};
        --m_open;
    }
    file->unref();
    return {};
}

ErrorOr<int> FdTable::dup(int fd, u64 limit)
{
    return dup_from(fd, 0, false, limit);
}

ErrorOr<int> FdTable::dup_from(int fd, int minimum, bool close_on_exec, u64 limit)
{
    if (minimum < 0 || static_cast<u64>(minimum) >= clamp_limit(limit))
        return Error::from_errno(EINVAL);
    RefPtr<OpenFile> file = TRY(get(fd));
    return allocate(std::move(file), close_on_exec, limit, minimum);
}

ErrorOr<int> FdTable::dup2(int old_fd, int new_fd, u64 limit)
{
    if (old_fd == new_fd) {
        TRY(get(old_fd));
        return new_fd;
    }
    return dup3(old_fd, new_fd, 0, limit);
}

ErrorOr<int> FdTable::dup3(int old_fd, int new_fd, u32 flags, u64 limit)
{
    if (flags & ~static_cast<u32>(O_CLOEXEC))
        return Error::from_errno(EINVAL);
    if (old_fd == new_fd)
        return Error::from_errno(EINVAL);
    if (new_fd < 0 || static_cast<u64>(new_fd) >= clamp_limit(limit))
        return Error::from_errno(EBADF);
    TRY(reserve(static_cast<u64>(new_fd)));
    OpenFile* replaced;
    {
        FsLocker locker(m_lock);
        if (!is_open_locked(old_fd))
            return Error::from_errno(EBADF);
        OpenFile* file = m_slots[old_fd].file;
        file->ref();
        replaced = m_slots[new_fd].file;
        if (!replaced)
            ++m_open;
        m_slots[new_fd] = Slot { file, (flags & O_CLOEXEC) != 0 };
    }
    if (replaced)
        replaced->unref();
    return new_fd;
}

ErrorOr<u32> FdTable::descriptor_flags(int fd) const
{
    FsLocker locker(m_lock);
    if (!is_open_locked(fd))
        return Error::from_errno(EBADF);
    return m_slots[fd].close_on_exec ? static_cast<u32>(FD_CLOEXEC) : 0u;
}

ErrorOr<void> FdTable::set_descriptor_flags(int fd, u32 flags)
{
    FsLocker locker(m_lock);
    if (!is_open_locked(fd))
        return Error::from_errno(EBADF);
    m_slots[fd].close_on_exec = flags & FD_CLOEXEC;
    return {};
}

ErrorOr<RefPtr<FdTable>> FdTable::clone() const
{
    RefPtr<FdTable> copy = TRY(create());
    for (;;) {
        u64 capacity;
        {
            FsLocker locker(m_lock);
            capacity = m_capacity;
        }
        if (capacity)
            TRY(copy->reserve(capacity - 1));
        FsLocker locker(m_lock);
        if (m_capacity != capacity)
            continue; // grew meanwhile: make the copy bigger too
        for (u64 fd = 0; fd < m_capacity; ++fd) {
            if (m_slots[fd].file) {
                m_slots[fd].file->ref();
                copy->m_slots[fd] = m_slots[fd];
            }
        }
        copy->m_open = m_open;
        return copy;
    }
}

template<typename Predicate>
void FdTable::close_where(Predicate predicate)
{
    for (u64 fd = 0;; ++fd) {
        OpenFile* file = nullptr;
        {
            FsLocker locker(m_lock);
            if (fd >= m_capacity)
                return;
            if (m_slots[fd].file && predicate(m_slots[fd])) {
                file = m_slots[fd].file;
                m_slots[fd] = Slot {};
                --m_open;
            }
        }
        if (file)
            file->unref();
    }
}

void FdTable::close_on_exec()
{
    close_where([](Slot const& slot) { return slot.close_on_exec; });
}

void FdTable::close_all()
{
    close_where([](Slot const&) { return true; });
}

usize FdTable::open_count() const
{
    FsLocker locker(m_lock);
    return m_open;
}

int FdTable::highest_open() const
{
    FsLocker locker(m_lock);
    for (u64 fd = m_capacity; fd > 0; --fd) {
        if (m_slots[fd - 1].file)
            return static_cast<int>(fd - 1);
    }
    return -1;
}

}
