// What /proc/<pid>/ shows of a user process that procfs cannot see itself
// (fs/procfs/process_hooks.h): its argv, its memory, umask, descriptors,
// children's CPU time, and the mount table and root it sees.
#include <fs/procfs/process_hooks.h>
#include <fs/root.h>
#include <fs/vfs/fd_table.h>
#include <fs/vfs/fs_context.h>
#include <mm/address_space.h>
#include <mm/layout.h>
#include <proc/process.h>
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

}
