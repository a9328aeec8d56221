// System V shared memory segments; see shm.h.
#include <ipc/sysv/shm.h>
#include <lib/format.h>
#include <mm/address_space.h>
#include <mm/file_object.h>
#include <mm/layout.h>
#include <mm/shared_memory.h>
#include <new>
#include <proc/current.h>

namespace sysv {

namespace {

class ShmSegment final : public mm::MemoryObject, public IpcObject {
public:
    ShmSegment(RefPtr<mm::SharedMemory> memory, u64 size)
        : m_memory(std::move(memory))
        , m_size(size)
    {
    }
    ~ShmSegment() override;

    // As /proc/<pid>/maps names it on Linux.
    const char* describe() const override { return m_name; }
    // Linux's shm file has the segment's identifier as its inode number.
    u64 inode_number() const override { return static_cast<u64>(id()); }
    ErrorOr<PhysAddr> get_page(u64 page_index) override { return m_memory->get_page(page_index); }

    // Under the table lock.
    void name_after_key() { format(m_name, sizeof(m_name), "/SYSV%08x (deleted)", static_cast<u32>(key)); }
    u64 size() const { return m_size; }
    u64 pages() const { return align_up(m_size, mm::kPageSize) / mm::kPageSize; }
    u64 resident_pages() const { return m_memory->resident_pages(); }
    // Areas that map it: every reference but the table's.
    u64 attachments() const { return ref_count() - (m_table_holds_reference ? 1 : 0); }

    ShmidDs to_abi() const
    {
        ShmidDs ds {};
        ds.perm = IpcObject::to_abi();
        ds.segsz = m_size;
        ds.atime = atime;
        ds.dtime = dtime;
        ds.ctime = ctime;
        ds.cpid = cpid;
        ds.lpid = lpid;
        ds.nattch = attachments();
        return ds;
    }

    i64 atime { 0 };
    i64 dtime { 0 };
    i64 ctime { 0 };
    i32 cpid { 0 };
    i32 lpid { 0 };
    bool m_table_holds_reference { true }; // until IPC_RMID

private:
    RefPtr<mm::SharedMemory> m_memory;
    u64 m_size;
    char m_name[32] {};
};

constinit IpcIds s_ids { "sysv shm", kShmMni };
u64 s_total_pages { 0 }; // of every segment not yet destroyed (SHMALL), under the lock

ShmSegment* segment(IpcObject* object) { return static_cast<ShmSegment*>(object); }

ShmSegment::~ShmSegment()
{
    SpinlockLocker locker(s_ids.lock());
    if (linked) {
        s_ids.remove(*this);
        s_total_pages -= pages();
    }
}

// The segment behind an area's object, if it is one. Under the lock.
ShmSegment* as_segment_locked(mm::MemoryObject const* object)
{
    ShmSegment* found = nullptr;
    s_ids.for_each([&](IpcObject& candidate) {
        if (static_cast<mm::MemoryObject const*>(segment(&candidate)) == object)
            found = segment(&candidate);
    });
    return found;
}

ErrorOr<ShmSegment*> find_locked(i32 id)
{
    IpcObject* object = s_ids.find_id(id);
    if (!object)
        return Error::from_errno(EINVAL);
    return segment(object);
}

// shmget on an existing key: Linux's order of checks.
ErrorOr<i32> open_existing_locked(ShmSegment& found, u64 size, int flags, Credentials const& credentials)
{
    if ((flags & kIpcCreat) && (flags & kIpcExcl))
        return Error::from_errno(EEXIST);
    TRY(check_access(found, credentials, static_cast<u32>(flags) & 0777));
    if (size > found.size())
        return Error::from_errno(EINVAL);
    return found.id();
}

}

ErrorOr<i32> shm_get(i32 key, u64 size, int flags)
{
    Credentials const& credentials = current::credentials();
    if (key != kIpcPrivate) {
        SpinlockLocker locker(s_ids.lock());
        IpcObject* found = s_ids.find_key(key);
        if (found)
            return open_existing_locked(*segment(found), size, flags, credentials);
        if (!(flags & kIpcCreat))
            return Error::from_errno(ENOENT);
    }
    if (size < kShmMin || size > kShmMax)
        return Error::from_errno(EINVAL);
    // The pages' table is allocated now (outside the lock), the pages
    // themselves at their first touch.
    auto memory = TRY(mm::SharedMemory::create(size));
    auto* created = new (std::nothrow) ShmSegment(std::move(memory), size);
    if (!created)
        return Error::from_errno(ENOMEM);
    RefPtr<ShmSegment> reference = adopt_ref(created); // becomes the table's
    SpinlockLocker locker(s_ids.lock());
    if (key != kIpcPrivate) {
        // Someone may have made the key meanwhile.
        if (IpcObject* found = s_ids.find_key(key)) {
            auto result = open_existing_locked(*segment(found), size, flags, credentials);
            locker.unlock();
            return result; // `reference` goes, unlinked
        }
    }
    if (s_total_pages + created->pages() < s_total_pages || s_total_pages + created->pages() > kShmAll)
        return Error::from_errno(ENOSPC);
    created->init_owner(credentials, key, flags);
    created->name_after_key();
    created->cpid = caller_pid();
    created->ctime = now_seconds();
    auto added = s_ids.add(*created);
    if (added.is_error()) {
        locker.unlock();
        return added.error();
    }
    s_total_pages += created->pages();
    i32 id = created->id();
    (void)reference.leak_ref(); // the table's reference now
    return id;
}

ErrorOr<VirtAddr> shm_attach(i32 id, VirtAddr address, int flags)
{
    if (address & (mm::kPageSize - 1)) {
        if (!(flags & kShmRnd))
            return Error::from_errno(EINVAL);
        address &= ~(mm::kPageSize - 1); // SHMLBA is the page size on x86
    }
    if ((flags & kShmRemap) && !address)
        return Error::from_errno(EINVAL);
    u32 prot = mm::kProtRead;
    u32 may = kIpcRead;
    if (!(flags & kShmRdonly)) {
        prot |= mm::kProtWrite;
        may |= kIpcWrite;
    }
    if (flags & kShmExec) {
        prot |= mm::kProtExec;
        may |= 0100;
    }
    RefPtr<mm::MemoryObject> object;
    u64 length;
    {
        SpinlockLocker locker(s_ids.lock());
        ShmSegment* found = TRY(find_locked(id));
        TRY(check_access(*found, current::credentials(), may));
        if (!found->try_ref())
            return Error::from_errno(EIDRM); // its last area is going right now
        object = adopt_ref(static_cast<mm::MemoryObject*>(found));
        found->atime = now_seconds();
        found->lpid = caller_pid();
        length = found->pages() * mm::kPageSize;
    }
    bool remap = flags & kShmRemap;
    // A read-only attachment can never be made writable (mprotect: EACCES).
    u32 area_flags = mm::kVmaShared | ((flags & kShmRdonly) ? mm::kVmaNoSharedWrite : 0);
    auto mapped = current::address_space().map(address, length, prot, area_flags, object, 0,
        address && remap, address && !remap);
    if (mapped.is_error() && mapped.error().code() == EEXIST)
        return Error::from_errno(EINVAL); // something is mapped there (Linux without SHM_REMAP)
    return mapped;
}

ErrorOr<void> shm_detach(VirtAddr address)
{
    if (address & (mm::kPageSize - 1))
        return Error::from_errno(EINVAL);
    auto& space = current::address_space();
    // The segment attached exactly at `address` (its first page there).
    RefPtr<mm::MemoryObject> object;
    VirtAddr end;
    {
        SpinlockLocker space_locker(space.lock());
        mm::Vma* area = space.areas().find(address);
        if (!area || area->start != address || area->object_offset != 0 || !area->object)
            return Error::from_errno(EINVAL);
        SpinlockLocker locker(s_ids.lock());
        ShmSegment* found = as_segment_locked(area->object.ptr());
        if (!found)
            return Error::from_errno(EINVAL);
        object = area->object;
        end = address + found->pages() * mm::kPageSize;
    }
    // Every area of this attachment: the segment's object at the offset
    // that puts its start at `address` (mprotect may have split it).
    for (;;) {
        VirtAddr from = 0;
        VirtAddr to = 0;
        {
            SpinlockLocker space_locker(space.lock());
            for (mm::Vma* area = space.areas().find_next(address); area && area->start < end;
                 area = space.areas().find_next(area->end)) {
                if (area->object.ptr() == object.ptr() && area->object_offset == area->start - address) {
                    from = area->start;
                    to = area->end < end ? area->end : end;
                    break;
                }
            }
        }
        if (from == to)
            break;
        TRY(space.unmap(from, to - from));
    }
    {
        SpinlockLocker locker(s_ids.lock());
        ShmSegment* found = as_segment_locked(object.ptr());
        if (found) {
            found->dtime = now_seconds();
            found->lpid = caller_pid();
        }
    }
    return {}; // `object` goes here, outside every lock: it may be the last attachment
}

ErrorOr<ShmidDs> shm_stat(i64 id, bool by_index, bool check_read, i32& id_out)
{
    SpinlockLocker locker(s_ids.lock());
    IpcObject* object = TRY(s_ids.find_for_stat(id, by_index, check_read, id_out));
    return segment(object)->to_abi();
}

ErrorOr<void> shm_set(i32 id, ShmidDs const& request)
{
    SpinlockLocker locker(s_ids.lock());
    ShmSegment* found = TRY(find_locked(id));
    TRY(check_owner(*found, current::credentials()));
    found->set_from_abi(request.perm);
    found->ctime = now_seconds();
    return {};
}

ErrorOr<void> shm_remove(i32 id)
{
    ShmSegment* dropped;
    {
        SpinlockLocker locker(s_ids.lock());
        dropped = TRY(find_locked(id));
        TRY(check_owner(*dropped, current::credentials()));
        if (!dropped->m_table_holds_reference)
            return {}; // marked already: Linux marks it again, which changes nothing
        // Marked and made private: no shmget finds it again; it stays
        // listed (ipcs shows "dest") until its last area goes.
        dropped->mode |= kShmDest;
        dropped->key = kIpcPrivate;
        dropped->m_table_holds_reference = false;
    }
    // The table's reference, outside the lock: without attachments this
    // is the last one, and the destructor takes the segment out.
    dropped->unref();
    return {};
}

ErrorOr<void> shm_set_locked(i32 id, bool locked)
{
    SpinlockLocker locker(s_ids.lock());
    ShmSegment* found = TRY(find_locked(id));
    TRY(check_owner(*found, current::credentials()));
    if (locked)
        found->mode |= kShmLocked;
    else
        found->mode &= ~kShmLocked;
    return {};
}

ShmLimits shm_limits()
{
    ShmLimits limits {};
    limits.shmmax = kShmMax;
    limits.shmmin = kShmMin;
    limits.shmmni = kShmMni;
    limits.shmseg = kShmMni;
    limits.shmall = kShmAll;
    return limits;
}

ShmUsage shm_usage()
{
    ShmUsage usage {};
    SpinlockLocker locker(s_ids.lock());
    usage.used_ids = static_cast<i32>(s_ids.in_use());
    s_ids.for_each([&](IpcObject& object) {
        usage.shm_tot += segment(&object)->pages();
        usage.shm_rss += segment(&object)->resident_pages();
    });
    return usage;
}

i32 shm_highest_index()
{
    SpinlockLocker locker(s_ids.lock());
    i32 highest = s_ids.highest_index();
    return highest < 0 ? 0 : highest;
}

ErrorOr<void> shm_proc_show(procfs::TextBuffer& text)
{
    text.append("       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime"
                "      dtime      ctime                   rss                  swap\n");
    SpinlockLocker locker(s_ids.lock());
    s_ids.for_each([&](IpcObject& object) {
        ShmSegment& found = *segment(&object);
        text.appendf("%10d %10d  %4o %21llu %5d %5d  %5llu %5u %5u %5u %5u %10lld %10lld %10lld %21llu %21llu\n", found.key,
            found.id(), found.mode, static_cast<unsigned long long>(found.size()), found.cpid, found.lpid,
            static_cast<unsigned long long>(found.attachments()), found.uid, found.gid, found.cuid, found.cgid,
            static_cast<long long>(found.atime), static_cast<long long>(found.dtime), static_cast<long long>(found.ctime),
            static_cast<unsigned long long>(found.resident_pages() * mm::kPageSize), 0ull);
    });
    return text.finish();
}

}
