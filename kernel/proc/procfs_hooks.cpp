// What /proc/<pid>/ shows of a user process that procfs cannot see itself
// (fs/procfs/process_hooks.h): its argv, its memory, umask, descriptors,
// children's CPU time, and the mount table and root it sees.
#include <fs/procfs/process_hooks.h>
#include <lib/format.h>
#include <mm/kmalloc.h>
#include <fs/root.h>
#include <fs/vfs/fd_table.h>
#include <fs/vfs/fs_context.h>
#include <mm/address_space.h>
#include <mm/layout.h>
#include <fs/vfs/open_file.h>
#include <fs/vfs/vfs.h>
#include <proc/current.h>
#include <proc/process.h>
#include <proc/signals.h>
#include <sched/thread.h>
#include <syscall/hostname.h>

namespace {

// The process's user resources, referenced, or nulls once it has exited.
struct Resources {
    RefPtr<mm::AddressSpace> space;
    RefPtr<vfs::FdTable> files;
    RefPtr<vfs::FsContext> fs;
};

Resources resources_of(Process& process)
{
    MutexLocker locker(process::lock());
    return { RefPtr<mm::AddressSpace>(process.address_space()), RefPtr<vfs::FdTable>(process.fd_table()),
        RefPtr<vfs::FsContext>(process.fs_context()) };
}

template<usize N>
void copy_field(char (&field)[N], const char* text)
{
    usize i = 0;
    for (; text[i] && i + 1 < N; ++i)
        field[i] = text[i];
    field[i] = 0;
}

}

namespace procfs::hooks {

ErrorOr<void> cmdline(Process& process, KString& argv)
{
    MutexLocker locker(process::lock());
    argv = TRY(KString::create(process.command_line()));
    return {};
}

void memory(Process& process, ProcessMemory& memory, u64& minor_faults, u64& major_faults)
{
    minor_faults = 0;
    major_faults = 0;
    auto space = resources_of(process).space;
    if (!space)
        return;
    memory.has_address_space = true;
    SpinlockLocker locker(space->lock());
    space->areas().for_each([&](mm::Vma& area) {
        u64 pages = area.size() / mm::kPageSize;
        memory.total_pages += pages;
        if (area.flags & mm::kVmaStack) {
            memory.stack_pages += pages;
            memory.start_stack = area.end;
        } else if ((area.prot & mm::kProtExec) && !(area.prot & mm::kProtWrite)) {
            memory.exec_pages += pages;
            if (!memory.start_code || area.start < memory.start_code)
                memory.start_code = area.start;
            if (area.end > memory.end_code)
                memory.end_code = area.end;
        } else if ((area.prot & mm::kProtWrite) && !area.is_shared()) {
            memory.data_pages += pages;
        }
        if (area.flags & mm::kVmaHeap)
            memory.start_brk = area.start;
    });
    memory.rss_anon_pages = space->resident_pages();
    memory.peak_total_pages = memory.total_pages;
    memory.peak_rss_pages = memory.rss_anon_pages;
}

u32 umask(Process& process)
{
    auto fs = resources_of(process).fs;
    return fs ? fs->umask() : 022;
}

u32 fd_table_size(Process& process)
{
    auto files = resources_of(process).files;
    return files ? static_cast<u32>(files->open_count()) : 0;
}

void children_usage(Process& process, u64& user_ns, u64& system_ns, u64& minor_faults, u64& major_faults)
{
    MutexLocker locker(process::lock());
    auto times = process.children_times();
    user_ns = times.user_ns;
    system_ns = times.system_ns;
    minor_faults = 0;
    major_faults = 0;
}

bool mount_namespace(Process* process, vfs::MountTable*& table, vfs::Location& root)
{
    table = &vfs::system_mounts();
    RefPtr<vfs::FsContext> fs;
    if (process)
        fs = resources_of(*process).fs;
    root = fs ? fs->root() : vfs::system_mounts().root();
    return true;
}

void identity(SystemIdentity& identity)
{
    copy_field(identity.version, "#1 SMP PREEMPT Haneul 0.1"); // as uname(2) reports it
    hostname::copy_host_name(identity.nodename);
    hostname::copy_domain_name(identity.domainname);
}

ErrorOr<void> environment(Process& process, KString& text)
{
    auto space = resources_of(process).space;
    Process::UserRange range;
    {
        MutexLocker locker(process::lock());
        range = process.environment_range();
    }
    if (!space || range.end <= range.start)
        return {};
    usize size = range.end - range.start;
    auto* bytes = static_cast<char*>(kmalloc(size));
    if (!bytes)
        return Error::from_errno(ENOMEM);
    // Pages the program has since unmapped (or that were never resident)
    // end the text early, as a failed access_remote_vm does on Linux.
    usize copied = 0;
    while (copied < size) {
        usize chunk = mm::kPageSize - ((range.start + copied) & (mm::kPageSize - 1));
        if (chunk > size - copied)
            chunk = size - copied;
        if (space->read_bytes(range.start + copied, bytes + copied, chunk).is_error())
            break;
        copied += chunk;
    }
    auto made = KString::create(StringView(bytes, copied));
    kfree(bytes);
    text = TRY(std::move(made));
    return {};
}

ErrorOr<void> mappings(Process& process, GrowableArray<MappingInfo>& mappings)
{
    auto space = resources_of(process).space;
    if (!space)
        return {};
    // Names are copied after the walk: no allocation under the
    // address-space lock beyond the array itself.
    struct Raw {
        VirtAddr start;
        VirtAddr end;
        u32 prot;
        u32 flags;
        u64 offset;
        RefPtr<mm::MemoryObject> object;
    };
    GrowableArray<Raw> raw;
    ErrorOr<void> result;
    {
        SpinlockLocker locker(space->lock());
        space->areas().for_each([&](mm::Vma& area) {
            if (!result.is_error())
                result = raw.try_append(Raw { area.start, area.end, area.prot, area.flags, area.object_offset, area.object });
        });
    }
    TRY(result);
    for (auto& area : raw) {
        MappingInfo info;
        info.start = area.start;
        info.end = area.end;
        info.prot = area.prot;
        info.shared = area.flags & mm::kVmaShared;
        if (area.flags & mm::kVmaHeap)
            info.name = TRY(KString::create("[heap]"));
        else if (area.flags & mm::kVmaStack)
            info.name = TRY(KString::create("[stack]"));
        if (area.object) {
            info.offset = area.offset;
            info.inode = area.object->inode_number();
            info.device = area.object->device_number();
            if (info.name.is_empty() && info.inode)
                info.name = TRY(KString::create(area.object->describe()));
            else if (info.name.is_empty() && info.shared)
                info.name = TRY(KString::create(area.object->describe())); // "/dev/zero (deleted)"
        }
        TRY(mappings.try_append(std::move(info)));
    }
    return {};
}

ErrorOr<void> open_files(Process& process, GrowableArray<OpenFileInfo>& files)
{
    auto table = resources_of(process).files;
    if (!table)
        return {};
    vfs::Context context = current::vfs_context();
    int highest = table->highest_open();
    for (int fd = 0; fd <= highest; ++fd) {
        auto file = table->get(fd);
        if (file.is_error())
            continue;
        auto descriptor_flags = table->descriptor_flags(fd);
        OpenFileInfo info;
        info.fd = fd;
        vfs::OpenFile& open = *file.value();
        info.position = open.offset();
        info.flags = open.flags() | (!descriptor_flags.is_error() && (descriptor_flags.value() & FD_CLOEXEC) ? O_CLOEXEC : 0);
        info.inode = open.inode()->ino();
        info.mount_id = open.location().mount ? static_cast<u32>(open.location().mount->id()) : 0;
        auto target = vfs::describe_location(context, open.location());
        if (target.is_error()) {
            char text[32];
            format(text, sizeof(text), "inode:[%lu]", info.inode);
            info.target = TRY(KString::create(text));
        } else {
            info.target = target.release_value();
        }
        TRY(files.try_append(std::move(info)));
    }
    return {};
}

ErrorOr<KString> link(Process& process, ProcessLink link)
{
    if (link == ProcessLink::Executable) {
        MutexLocker locker(process::lock());
        if (process.executable_path().is_empty())
            return Error::from_errno(ENOENT);
        return KString::create(process.executable_path());
    }
    auto fs = resources_of(process).fs;
    if (!fs)
        return Error::from_errno(ENOENT);
    vfs::Location where = link == ProcessLink::Cwd ? fs->cwd() : fs->root();
    return vfs::describe_location(current::vfs_context(), where);
}

void signals(Process& process, SignalState& state)
{
    auto& signals = process.signal_state();
    RefPtr<signals::SignalActions> actions;
    {
        SpinlockLocker locker(signals.lock);
        state.shared_pending = signals.shared.set;
        actions = signals.actions;
    }
    if (actions) {
        SpinlockLocker locker(actions->lock);
        for (int signal = 1; signal <= static_cast<int>(signals::kSigMax); ++signal) {
            u64 handler = actions->of(signal).handler;
            if (handler == signals::kSigIgn)
                state.ignored |= signals::bit(signal);
            else if (handler != signals::kSigDfl)
                state.caught |= signals::bit(signal);
        }
    }
    MutexLocker locker(process::lock());
    state.exit_signal = process.exit_signal();
}

void thread_signals(Process& process, i32 tid, u64& pending, u64& blocked)
{
    pending = 0;
    blocked = 0;
    auto& signals = process.signal_state();
    SpinlockLocker locker(signals.lock);
    for (auto& thread : signals.threads) {
        if (thread.thread && static_cast<i32>(thread.thread->tid) == tid) {
            pending = thread.pending.set;
            blocked = thread.blocked;
        }
    }
}

void limits(Process& process, LimitInfo (&limits)[kLimitCount])
{
    MutexLocker locker(process::lock());
    for (int i = 0; i < static_cast<int>(kLimitCount) && i < rlimit::kCount; ++i) {
        auto limit = process.resource_limit(i);
        limits[i] = { limit.current, limit.maximum };
    }
}

}
