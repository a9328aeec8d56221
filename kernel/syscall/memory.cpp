// The memory system calls (CONCEPTS C8): brk, mmap, munmap, mprotect,
// mremap, madvise, msync, mincore, mlock, munlock, mlock2, mlockall,
// munlockall, membarrier. The argument rules are syscall_args.cpp's (host
// tested); the areas and page tables are mm/address_space.h's; this file
// turns one into the other and adds what needs a file or the caller's
// limits: file mappings (mm/file_object.h over Inode::page_for_mapping),
// /dev/zero, RLIMIT_AS, MAP_POPULATE.
//
// Locking: the address space's spinlock is taken here only to read its
// areas (never across a user copy, a fault or an AddressSpace call, which
// take it themselves). Checks made under it and the change made after it
// can race with another thread of the process changing the same range;
// Linux holds mmap_lock across both, here the loser of such a race sees
// the winner's result (EEXIST, ENOMEM or a fresh area), never a broken map.
//
// Memory never swaps yet, so mlock/mlockall only validate (and mlock
// faults the pages in, as Linux does).
#include <arch/x86_64/smp.h>
#include <fs/vfs/abi.h>
#include <fs/vfs/inode.h>
#include <fs/vfs/open_file.h>
#include <fs/vfs/vfs.h>
#include <lib/format.h>
#include <fs/vfs/inode_memory_object.h>
#include <mm/address_space.h>
#include <mm/page_ref.h>
#include <mm/file_object.h>
#include <mm/layout.h>
#include <mm/shared_memory.h>
#include <new>
#include <proc/current.h>
#include <syscall/syscall.h>
#include <syscall/syscall_args.h>

namespace {

using namespace sysargs;
using mm::AddressSpace;
using mm::Vma;

static_assert(sysargs::kUserLowest == mm::kUserLowest && sysargs::kUserHighest == mm::kUserHighest);
static_assert(kProtRead == mm::kProtRead && kProtWrite == mm::kProtWrite && kProtExec == mm::kProtExec);

constexpr u32 kProtAny = kProtRead | kProtWrite | kProtExec;
constexpr VirtAddr k32BitTop = 0x80000000; // MAP_32BIT: below 2 GiB

VirtAddr min_address(VirtAddr a, VirtAddr b) { return a < b ? a : b; }
VirtAddr max_address(VirtAddr a, VirtAddr b) { return a > b ? a : b; }

// Bytes of [start, end) that areas cover. Under the address space lock.
usize mapped_between_locked(AddressSpace& space, VirtAddr start, VirtAddr end)
{
    usize total = 0;
    space.areas().for_each([&](Vma& area) {
        VirtAddr from = max_address(area.start, start);
        VirtAddr to = min_address(area.end, end);
        if (from < to)
            total += to - from;
    });
    return total;
}

// Every byte of [start, end) lies in some area. Under the lock.
bool is_fully_mapped_locked(AddressSpace& space, VirtAddr start, VirtAddr end)
{
    for (VirtAddr at = start; at < end;) {
        Vma* area = space.areas().find(at);
        if (!area)
            return false;
        at = area->end;
    }
    return true;
}

bool is_fully_mapped(AddressSpace& space, VirtAddr start, VirtAddr end)
{
    SpinlockLocker locker(space.lock());
    return is_fully_mapped_locked(space, start, end);
}

// RLIMIT_AS (Linux's may_expand_vm): ENOMEM when the address space would
// cover more than the limit once `added` bytes are mapped and whatever
// [replaced_start, replaced_end) covers now (MAP_FIXED) is gone.
ErrorOr<void> check_address_space_limit(AddressSpace& space, usize added, VirtAddr replaced_start = 0,
    VirtAddr replaced_end = 0)
{
    u64 limit = current::limit(rlimit::kAs);
    if (limit == rlimit::kInfinity)
        return {};
    usize mapped;
    usize replaced = 0;
    {
        SpinlockLocker locker(space.lock());
        mapped = space.areas().mapped_bytes();
        if (replaced_end > replaced_start)
            replaced = mapped_between_locked(space, replaced_start, replaced_end);
    }
    if (mapped - replaced + added > limit)
        return Error::from_errno(ENOMEM);
    return {};
}

enum class Populate {
    AsMapped, // MAP_POPULATE, mlock: what a first touch would bring, writable private memory copied now
    Read,     // MADV_POPULATE_READ
    Write,    // MADV_POPULATE_WRITE
};

// Faults in [start, end) as user code touching every page would. ENOMEM
// where no area is; EFAULT where the touch would raise SIGSEGV or SIGBUS
// (PROT_NONE, past the end of a file) or memory ran out.
ErrorOr<void> populate(AddressSpace& space, VirtAddr start, VirtAddr end, Populate mode)
{
    for (VirtAddr at = start; at < end;) {
        u32 prot;
        u32 flags;
        VirtAddr area_end;
        {
            SpinlockLocker locker(space.lock());
            Vma* area = space.areas().find(at);
            if (!area)
                return Error::from_errno(ENOMEM);
            prot = area->prot;
            flags = area->flags;
            area_end = min_address(area->end, end);
        }
        bool write = mode == Populate::Write;
        if (mode == Populate::AsMapped) {
            if (!(prot & kProtAny)) {
                at = area_end; // PROT_NONE: nothing a touch could bring
                continue;
            }
            // Linux's FOLL_WRITE for private writable areas: their own
            // copies now, not at the first write.
            write = (prot & kProtWrite) && !(flags & mm::kVmaShared);
        }
        for (; at < area_end; at += mm::kPageSize) {
            if (space.handle_fault(at, write, false) != mm::FaultResult::Handled)
                return Error::from_errno(EFAULT);
        }
    }
    return {};
}

// Anonymous memory: private needs no object (zero pages on demand);
// shared is one SharedMemory object that fork() shares.
ErrorOr<void> prepare_anonymous(MmapRequest& request, u32& vma_flags, RefPtr<mm::MemoryObject>& object)
{
    vma_flags = mm::kVmaAnonymous;
    request.offset = 0;
    if (request.shared) {
        object = TRY(mm::SharedMemory::create(request.length));
        vma_flags |= mm::kVmaShared;
    }
    return {};
}

bool is_dev_zero(vfs::Inode const& inode)
{
    return vfs::file_type(inode.type()) == S_IFCHR && inode.rdev() == vfs::make_device(1, 5);
}

// Linux's order (do_mmap): write access for a writable shared mapping,
// then read access, then whether the file can be mapped at all.
ErrorOr<void> prepare_file(vfs::OpenFile& file, MmapRequest& request, u32& vma_flags, RefPtr<mm::MemoryObject>& object)
{
    if (file.is_path_only())
        return Error::from_errno(EBADF);
    if (request.shared && (request.prot & kProtWrite) && !file.is_writable())
        return Error::from_errno(EACCES);
    if (!file.is_readable())
        return Error::from_errno(EACCES);
    vfs::Inode* inode = file.inode();
    if (inode && is_dev_zero(*inode))
        return prepare_anonymous(request, vma_flags, object); // as Linux: /dev/zero maps anonymous memory
    if (!inode || !inode->is_regular())
        return Error::from_errno(ENODEV); // directories, pipes, sockets, other devices
    // A file system that cannot hand out pages says ENODEV on the first
    // one; ask now so mmap fails rather than every access (SIGBUS).
    if (inode->size() > 0) {
        auto probe = inode->page_for_mapping(0);
        if (probe.is_error() && probe.error().code() == ENODEV)
            return Error::from_errno(ENODEV);
        if (!probe.is_error())
            mm::page_unref(mm::virt_to_phys(probe.value())); // the probe's reference: nothing maps it yet
    }
    vma_flags = 0;
    if (request.shared) {
        vma_flags |= mm::kVmaShared;
        if (!file.is_writable())
            vma_flags |= mm::kVmaNoSharedWrite;
    }
    // Its path for /proc/<pid>/maps (none if it cannot be found).
    auto name = vfs::describe_location(current::vfs_context(), file.location());
    object = TRY(vfs::create_inode_memory_object(RefPtr<vfs::Inode>(inode), name.is_error() ? StringView() : name.value().view()));
    return {};
}

// Where the area goes: MAP_FIXED exactly, MAP_32BIT in the low 2 GiB,
// otherwise at the hint when free, else top-down from mm::kMmapBase.
ErrorOr<VirtAddr> place(AddressSpace& space, MmapRequest const& request, u32 vma_flags, RefPtr<mm::MemoryObject> const& object)
{
    bool replace = request.fixed && !request.no_replace;
    if (request.fixed || !(request.flags & kMap32Bit))
        return space.map(request.address, request.length, request.prot, vma_flags, object, request.offset, replace,
            request.no_replace);
    VirtAddr hint = request.address + request.length <= k32BitTop ? request.address : 0;
    // Find a gap, then claim it without replacing anything; another thread
    // may take it in between (EEXIST): look again.
    for (int attempt = 0; attempt < 8; ++attempt) {
        VirtAddr candidate;
        {
            SpinlockLocker locker(space.lock());
            candidate = TRY(space.areas().find_free(request.length, hint, k32BitTop));
        }
        if (candidate + request.length > k32BitTop)
            return Error::from_errno(ENOMEM);
        auto mapped = space.map(candidate, request.length, request.prot, vma_flags, object, request.offset, false, true);
        if (!mapped.is_error() || mapped.error().code() != EEXIST)
            return mapped;
        hint = 0;
    }
    return Error::from_errno(ENOMEM);
}

ErrorOr<long> sys_mmap(u64 address, u64 length, u64 prot, u64 flags, int fd, u64 offset)
{
    MmapRequest request = TRY(check_mmap(address, length, prot, flags, offset));
    auto& space = current::address_space();
    u32 vma_flags = 0;
    RefPtr<mm::MemoryObject> object;
    if (request.anonymous) {
        TRY(prepare_anonymous(request, vma_flags, object));
    } else {
        auto file = TRY(current::fd_table().get(fd));
        TRY(prepare_file(*file, request, vma_flags, object));
    }
    // MAP_STACK, MAP_DENYWRITE, MAP_EXECUTABLE, MAP_NORESERVE's accounting
    // and MAP_UNINITIALIZED change nothing on Linux either.
    if (request.flags & kMapGrowsDown)
        vma_flags |= mm::kVmaGrowsDown;
    if (request.flags & kMapNoReserve)
        vma_flags |= mm::kVmaNoReserve;
    if (request.fixed)
        TRY(check_address_space_limit(space, request.length, request.address, request.address + request.length));
    else
        TRY(check_address_space_limit(space, request.length));
    VirtAddr start = TRY(place(space, request, vma_flags, object));
    // Linux ignores what populating could not bring (it is a hint).
    if (request.populate)
        (void)populate(space, start, start + request.length, Populate::AsMapped);
    return static_cast<long>(start);
}
REGISTER_SYSCALL(mmap, sys_mmap);

ErrorOr<long> sys_munmap(u64 address, u64 length)
{
    u64 aligned = TRY(check_munmap(address, length));
    TRY(current::address_space().unmap(address, aligned));
    return 0;
}
REGISTER_SYSCALL(munmap, sys_munmap);

ErrorOr<long> sys_mprotect(u64 address, u64 length, u64 prot)
{
    ProtectRequest request = TRY(check_mprotect(address, length, prot));
    if (request.length == 0)
        return 0;
    auto& space = current::address_space();
    VirtAddr start = request.address;
    VirtAddr end = start + request.length;
    {
        SpinlockLocker locker(space.lock());
        if (request.grows_down) {
            // PROT_GROWSDOWN: down to the start of the grows-down area.
            Vma* area = space.areas().find(start);
            if (!area)
                return Error::from_errno(ENOMEM);
            if (!(area->flags & mm::kVmaGrowsDown))
                return Error::from_errno(EINVAL);
            start = area->start;
        }
        for (VirtAddr at = start; at < end;) {
            Vma* area = space.areas().find(at);
            if (!area)
                return Error::from_errno(ENOMEM);
            if ((request.prot & kProtWrite) && (area->flags & mm::kVmaNoSharedWrite))
                return Error::from_errno(EACCES);
            at = area->end;
        }
    }
    TRY(space.protect(start, end - start, request.prot));
    return 0;
}
REGISTER_SYSCALL(mprotect, sys_mprotect);

ErrorOr<long> sys_brk(u64 address)
{
    auto& space = current::address_space();
    VirtAddr old_break = space.brk();
    // Linux answers every failure with the unchanged break.
    if (address > kUserHighest)
        return static_cast<long>(old_break);
    if (address > old_break) {
        // TODO(rlimit): RLIMIT_DATA needs the heap's start, which
        // AddressSpace does not expose yet; RLIMIT_AS is enforced.
        usize growth = align_up(address, mm::kPageSize) - align_up(old_break, mm::kPageSize);
        if (growth && check_address_space_limit(space, growth).is_error())
            return static_cast<long>(old_break);
    }
    auto result = space.set_brk(address);
    if (result.is_error())
        return static_cast<long>(old_break);
    return static_cast<long>(result.value());
}
REGISTER_SYSCALL(brk, sys_brk);

// One area's attributes, copied out from under the lock.
struct AreaCopy {
    VirtAddr start;
    VirtAddr end;
    u32 prot;
    u32 flags;
    RefPtr<mm::MemoryObject> object;
    u64 object_offset; // of the address the copy was made for
};

// Copies the pages of [from, from + length) that exist into the fresh
// area at `to` (a page never touched stays untouched: it is zero, or the
// object's, in the new area too). The copy goes through the user mapping
// (copy_from_user), so a PROT_NONE source is made readable for it.
//
// TODO(mm): moving the page-table entries (an AddressSpace::move_range)
// would make this O(pages) without copying; this keeps mm/ untouched.
ErrorOr<void> copy_resident_pages(AddressSpace& space, AreaCopy const& area, VirtAddr from, VirtAddr to, usize length)
{
    bool unreadable = !(area.prot & kProtAny);
    if (unreadable)
        TRY(space.protect(from, length, kProtRead));
    ErrorOr<void> result;
    auto* buffer = new (std::nothrow) u8[mm::kPageSize];
    if (!buffer)
        result = Error::from_errno(ENOMEM);
    for (usize offset = 0; buffer && offset < length; offset += mm::kPageSize) {
        if (space.translate(from + offset).is_error())
            continue; // never touched
        result = copy_from_user(buffer, from + offset, mm::kPageSize);
        if (!result.is_error())
            result = space.write_bytes(to + offset, buffer, mm::kPageSize);
        if (result.is_error())
            break;
    }
    delete[] buffer;
    if (unreadable)
        (void)space.protect(from, length, area.prot);
    if (result.is_error() && result.error().code() == EFAULT)
        return Error::from_errno(ENOMEM); // out of memory for the copy's page
    return result;
}

// mremap's move: a new area with the old one's attributes and backing,
// the private pages copied, then the old range unmapped (or, with
// MREMAP_DONTUNMAP, emptied).
ErrorOr<long> move_area(AddressSpace& space, AreaCopy const& area, MremapRequest const& request)
{
    usize added = request.new_length;
    if (request.old_length && !request.dont_unmap)
        added = request.new_length > request.old_length ? request.new_length - request.old_length : 0;
    if (request.fixed)
        TRY(check_address_space_limit(space, added, request.new_address, request.new_address + request.new_length));
    else
        TRY(check_address_space_limit(space, added));
    VirtAddr target = TRY(space.map(request.fixed ? request.new_address : 0, request.new_length, area.prot, area.flags,
        area.object, area.object_offset, request.fixed, false));
    if (!(area.flags & mm::kVmaShared) && request.old_length) {
        usize length = request.old_length < request.new_length ? request.old_length : request.new_length;
        auto copied = copy_resident_pages(space, area, request.old_address, target, length);
        if (copied.is_error()) {
            (void)space.unmap(target, request.new_length);
            return copied.error();
        }
    }
    if (request.old_length) {
        if (request.dont_unmap)
            (void)space.discard(request.old_address, request.old_length);
        else
            (void)space.unmap(request.old_address, request.old_length);
    }
    return static_cast<long>(target);
}

ErrorOr<long> sys_mremap(u64 old_address, u64 old_length, u64 new_length, u64 flags, u64 new_address)
{
    MremapRequest request = TRY(check_mremap(old_address, old_length, new_length, flags, new_address));
    auto& space = current::address_space();
    AreaCopy area {};
    {
        SpinlockLocker locker(space.lock());
        // The old range must lie within one area.
        Vma* found = space.areas().find(request.old_address);
        if (!found || request.old_length > found->end - request.old_address)
            return Error::from_errno(EFAULT);
        area = { found->start, found->end, found->prot, found->flags, found->object,
            found->object_offset + (request.old_address - found->start) };
    }
    if (request.old_length == 0) {
        // A second mapping of the same pages: only shared areas have them.
        if (!(area.flags & mm::kVmaShared))
            return Error::from_errno(EINVAL);
        if (!request.may_move)
            return Error::from_errno(ENOMEM);
        return move_area(space, area, request);
    }
    if (!request.fixed && !request.dont_unmap) {
        if (request.new_length <= request.old_length) {
            if (request.new_length < request.old_length)
                TRY(space.unmap(request.old_address + request.new_length, request.old_length - request.new_length));
            return static_cast<long>(request.old_address);
        }
        // Grow in place when the range ends its area and the space after
        // it is free: the area just gets longer.
        VirtAddr old_end = request.old_address + request.old_length;
        usize growth = request.new_length - request.old_length;
        if (old_end == area.end) {
            TRY(check_address_space_limit(space, growth));
            SpinlockLocker locker(space.lock());
            Vma* now = space.areas().find(request.old_address);
            if (now && now->end == old_end && space.areas().is_free(old_end, growth)) {
                RefPtr<mm::MemoryObject> object = now->object;
                u64 offset = now->object_offset + (old_end - now->start);
                auto grown = space.areas().insert(old_end, growth, now->prot, now->flags, std::move(object), offset);
                if (!grown.is_error())
                    return static_cast<long>(request.old_address);
                if (grown.error().code() == ENOMEM)
                    return Error::from_errno(ENOMEM);
            }
        }
        if (!request.may_move)
            return Error::from_errno(ENOMEM);
    }
    return move_area(space, area, request);
}
REGISTER_SYSCALL(mremap, sys_mremap);

ErrorOr<long> sys_madvise(u64 address, u64 length, int advice)
{
    Advice kind = TRY(classify_madvise(advice));
    RangeRequest range = TRY(check_range(address, length, EINVAL));
    if (range.length == 0)
        return 0;
    auto& space = current::address_space();
    VirtAddr end = range.address + range.length;
    switch (kind) {
    case Advice::Hint:
        // Hints change nothing here (no read-ahead, no huge pages, no
        // swap), which Linux permits; the range must still be mapped.
        if (!is_fully_mapped(space, range.address, end))
            return Error::from_errno(ENOMEM);
        return 0;
    case Advice::Free: {
        // Private anonymous memory only; freeing at once is one of the
        // outcomes MADV_FREE allows (the contents may read back as zeros).
        SpinlockLocker locker(space.lock());
        for (VirtAddr at = range.address; at < end;) {
            Vma* area = space.areas().find(at);
            if (!area)
                return Error::from_errno(ENOMEM);
            if (area->object || area->is_shared())
                return Error::from_errno(EINVAL);
            at = area->end;
        }
    }
        [[fallthrough]];
    case Advice::Discard:
        TRY(space.discard(range.address, range.length));
        return 0;
    case Advice::PopulateRead:
        TRY(populate(space, range.address, end, Populate::Read));
        return 0;
    case Advice::PopulateWrite:
        TRY(populate(space, range.address, end, Populate::Write));
        return 0;
    }
    return Error::from_errno(EINVAL);
}
REGISTER_SYSCALL(madvise, sys_madvise);

ErrorOr<long> sys_msync(u64 address, u64 length, u64 flags)
{
    TRY(check_msync_flags(flags));
    RangeRequest range = TRY(check_range(address, length, ENOMEM));
    // tmpfs pages are the file: a shared mapping's writes are in it
    // already, so there is nothing to write back.
    if (!is_fully_mapped(current::address_space(), range.address, range.address + range.length))
        return Error::from_errno(ENOMEM);
    return 0;
}
REGISTER_SYSCALL(msync, sys_msync);

ErrorOr<long> sys_mincore(u64 address, u64 length, UserPtr<u8> vector)
{
    RangeRequest range = TRY(check_range(address, length, ENOMEM));
    auto& space = current::address_space();
    constexpr usize kChunk = 256;
    u8 resident[kChunk];
    usize pages = range.length / mm::kPageSize;
    for (usize first = 0; first < pages; first += kChunk) {
        usize count = pages - first < kChunk ? pages - first : kChunk;
        VirtAddr start = range.address + first * mm::kPageSize;
        if (!is_fully_mapped(space, start, start + count * mm::kPageSize))
            return Error::from_errno(ENOMEM);
        // Resident means a page table entry here (this mapping's view,
        // not the file's page cache).
        for (usize i = 0; i < count; ++i)
            resident[i] = space.translate(start + i * mm::kPageSize).is_error() ? 0 : 1;
        TRY(copy_to_user(vector.offset(first).address(), resident, count));
    }
    return 0;
}
REGISTER_SYSCALL(mincore, sys_mincore);

// mlock's rules (can_do_mlock, RLIMIT_MEMLOCK): without privilege a zero
// limit is EPERM and more than the limit ENOMEM. Locked memory is not
// counted per process yet, so the limit applies to each call's range.
ErrorOr<void> check_lock_limit(usize bytes)
{
    if (current::credentials().is_superuser())
        return {};
    u64 limit = current::limit(rlimit::kMemlock);
    if (limit == 0)
        return Error::from_errno(EPERM);
    if (limit != rlimit::kInfinity && bytes > limit)
        return Error::from_errno(ENOMEM);
    return {};
}

ErrorOr<long> lock_range(u64 address, u64 length, bool on_fault)
{
    RangeRequest range = TRY(check_lock_range(address, length));
    TRY(check_lock_limit(range.length));
    auto& space = current::address_space();
    VirtAddr end = range.address + range.length;
    if (!is_fully_mapped(space, range.address, end))
        return Error::from_errno(ENOMEM);
    // Nothing swaps, so "locked" holds already; Linux also brings the
    // pages in now unless MLOCK_ONFAULT (a page that cannot come is left
    // for its fault, as Linux leaves it).
    if (!on_fault)
        (void)populate(space, range.address, end, Populate::AsMapped);
    return 0;
}

ErrorOr<long> sys_mlock(u64 address, u64 length) { return lock_range(address, length, false); }
REGISTER_SYSCALL(mlock, sys_mlock);

ErrorOr<long> sys_mlock2(u64 address, u64 length, u64 flags)
{
    TRY(check_mlock2_flags(flags));
    return lock_range(address, length, flags & kMlockOnFault);
}
REGISTER_SYSCALL(mlock2, sys_mlock2);

ErrorOr<long> sys_munlock(u64 address, u64 length)
{
    RangeRequest range = TRY(check_lock_range(address, length));
    if (!is_fully_mapped(current::address_space(), range.address, range.address + range.length))
        return Error::from_errno(ENOMEM);
    return 0;
}
REGISTER_SYSCALL(munlock, sys_munlock);

ErrorOr<long> sys_mlockall(u64 flags)
{
    TRY(check_mlockall_flags(flags));
    usize mapped = 0;
    if (flags & kMclCurrent) {
        auto& space = current::address_space();
        SpinlockLocker locker(space.lock());
        mapped = space.areas().mapped_bytes();
    }
    // Validates and succeeds: nothing swaps. The pages are not brought in
    // (a process may have reserved far more than it will touch).
    TRY(check_lock_limit(mapped));
    return 0;
}
REGISTER_SYSCALL(mlockall, sys_mlockall);

ErrorOr<long> sys_munlockall() { return 0; }
REGISTER_SYSCALL(munlockall, sys_munlockall);

// membarrier(2) commands.
constexpr int kMembarrierQuery = 0;
constexpr int kMembarrierGlobal = 1 << 0;
constexpr int kMembarrierGlobalExpedited = 1 << 1;
constexpr int kMembarrierRegisterGlobalExpedited = 1 << 2;
constexpr int kMembarrierPrivateExpedited = 1 << 3;
constexpr int kMembarrierRegisterPrivateExpedited = 1 << 4;
constexpr int kMembarrierPrivateExpeditedSyncCore = 1 << 5;
constexpr int kMembarrierRegisterPrivateExpeditedSyncCore = 1 << 6;
constexpr int kMembarrierSupported = kMembarrierGlobal | kMembarrierGlobalExpedited | kMembarrierRegisterGlobalExpedited
    | kMembarrierPrivateExpedited | kMembarrierRegisterPrivateExpedited | kMembarrierPrivateExpeditedSyncCore
    | kMembarrierRegisterPrivateExpeditedSyncCore;

void full_barrier(void*) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

// Every barrier command interrupts every online CPU (an interrupt is a
// serializing event on x86, and the handler adds a full fence), which is
// stronger than each command needs. Registration is not tracked: the
// private commands work without it, where Linux says EPERM.
ErrorOr<long> sys_membarrier(int command, u32 flags, int cpu_id)
{
    if (flags != 0)
        return Error::from_errno(EINVAL);
    switch (command) {
    case kMembarrierQuery:
        return kMembarrierSupported;
    case kMembarrierRegisterGlobalExpedited:
    case kMembarrierRegisterPrivateExpedited:
    case kMembarrierRegisterPrivateExpeditedSyncCore:
        return 0;
    case kMembarrierGlobal:
    case kMembarrierGlobalExpedited:
    case kMembarrierPrivateExpedited:
    case kMembarrierPrivateExpeditedSyncCore:
        smp::call_on_each_cpu(full_barrier, nullptr);
        return 0;
    default:
        return Error::from_errno(EINVAL);
    }
}
REGISTER_SYSCALL(membarrier, sys_membarrier);

}
