// procfs directories (fs/procfs/procfs_inodes.h): the fixed tables of
// entries, PID and TID directories, and getdents64 positions.
//
// Positions, as Linux's: "." 0, ".." 1, table entries from 2; in /proc the
// process directories follow at 256 + pid (Linux's FIRST_PROCESS_ENTRY), so
// a listing resumed at a saved position neither repeats nor skips a
// process however many were created or reaped in between.
#include <fs/procfs/formats.h>
#include <fs/procfs/procfs_inodes.h>
#include <lib/format.h>

namespace procfs {

namespace {

constexpr u64 kFirstPidPosition = 256;

constexpr u32 kDirectoryMode = S_IFDIR | 0555;
constexpr u32 kFileMode = S_IFREG | 0444;
constexpr u32 kWritableFileMode = S_IFREG | 0644; // writes arrive with issue 5
constexpr u32 kSymlinkMode = S_IFLNK | 0777;
constexpr u32 kOwnerReadableMode = S_IFREG | 0400;     // environ: the owner's secrets
constexpr u32 kOwnerDirectoryMode = S_IFDIR | 0500;    // fd/: dr-x------ as on Linux
constexpr vfs::Owner kRootOwner { 0, 0 };

struct Entry {
    const char* name;
    Node node;
    u32 mode;
};

constexpr Entry kRootEntries[] = {
    { "self", Node::Self, kSymlinkMode },
    { "thread-self", Node::ThreadSelf, kSymlinkMode },
    { "cpuinfo", Node::Cpuinfo, kFileMode },
    { "devices", Node::Devices, kFileMode },
    { "filesystems", Node::Filesystems, kFileMode },
    { "interrupts", Node::Interrupts, kFileMode },
    { "loadavg", Node::Loadavg, kFileMode },
    { "meminfo", Node::Meminfo, kFileMode },
    { "mounts", Node::Mounts, kSymlinkMode },
    { "stat", Node::Stat, kFileMode },
    { "sys", Node::Sys, kDirectoryMode },
    { "uptime", Node::Uptime, kFileMode },
    { "version", Node::Version, kFileMode },
};

constexpr Entry kSysEntries[] = {
    { "kernel", Node::SysKernel, kDirectoryMode },
};

constexpr Entry kSysKernelEntries[] = {
    { "domainname", Node::SysKernelDomainname, kWritableFileMode },
    { "hostname", Node::SysKernelHostname, kWritableFileMode },
    { "osrelease", Node::SysKernelOsrelease, kFileMode },
    { "ostype", Node::SysKernelOstype, kFileMode },
    { "pid_max", Node::SysKernelPidMax, kWritableFileMode },
    { "threads-max", Node::SysKernelThreadsMax, kFileMode },
    { "version", Node::SysKernelVersion, kFileMode },
};

constexpr Entry kPidEntries[] = {
    { "cmdline", Node::PidCmdline, kFileMode },
    { "comm", Node::PidComm, kWritableFileMode },
    { "cwd", Node::PidCwd, kSymlinkMode },
    { "environ", Node::PidEnviron, kOwnerReadableMode },
    { "exe", Node::PidExe, kSymlinkMode },
    { "fd", Node::PidFd, kOwnerDirectoryMode },
    { "fdinfo", Node::PidFdinfo, kDirectoryMode },
    { "limits", Node::PidLimits, kFileMode },
    { "maps", Node::PidMaps, kFileMode },
    { "mounts", Node::PidMounts, kFileMode },
    { "root", Node::PidRoot, kSymlinkMode },
    { "stat", Node::PidStat, kFileMode },
    { "statm", Node::PidStatm, kFileMode },
    { "status", Node::PidStatus, kFileMode },
    { "task", Node::PidTask, kDirectoryMode },
};

constexpr Entry kTidEntries[] = {
    { "cmdline", Node::TidCmdline, kFileMode },
    { "comm", Node::TidComm, kWritableFileMode },
    { "stat", Node::TidStat, kFileMode },
    { "statm", Node::TidStatm, kFileMode },
    { "status", Node::TidStatus, kFileMode },
};

struct EntryTable {
    Entry const* entries;
    usize count;
};

template<usize N>
constexpr EntryTable table(Entry const (&entries)[N])
{
    return { entries, N };
}

EntryTable entries_of(Node directory)
{
    switch (directory) {
    case Node::Root:
        return table(kRootEntries);
    case Node::Sys:
        return table(kSysEntries);
    case Node::SysKernel:
        return table(kSysKernelEntries);
    case Node::PidDirectory:
        return table(kPidEntries);
    case Node::TidDirectory:
        return table(kTidEntries);
    default:
        return { nullptr, 0 }; // the task directory: TIDs only
    }
}

// Subdirectories in the table, for nlink (2 + subdirectories, as on disk).
u32 subdirectory_count(EntryTable entries)
{
    u32 count = 0;
    for (usize i = 0; i < entries.count; ++i)
        count += vfs::is_directory(entries.entries[i].mode);
    return count;
}

// A PID or TID as a directory name: decimal, no sign, no leading zero
// (Linux's name_to_int). 0 for anything else.
i32 parse_id(StringView name)
{
    if (name.is_empty() || name.length() > 10 || name[0] == '0')
        return 0;
    u64 value = 0;
    for (char c : name) {
        if (c < '0' || c > '9')
            return 0;
        value = value * 10 + static_cast<u64>(c - '0');
    }
    return value <= 0x7fffffff ? static_cast<i32>(value) : 0;
}

// A process that is gone reads as a name that is not there.
Error not_found_if_gone(Error error)
{
    return error.code() == ESRCH ? Error::from_errno(ENOENT) : error;
}

}

ProcDirectory::ProcDirectory(ProcFs& fs, Node node, i32 pid, i32 tid, vfs::Owner owner, RefPtr<ProcDirectory> parent, GrowableArray<i32> tids, u32 mode)
    : ProcInode(fs, node, pid, tid, mode, owner)
    , m_parent(std::move(parent))
    , m_tids(std::move(tids))
{
    // The root's link count would be 2 + every process; 1 says "unknown"
    // (find then does not assume it knows how many subdirectories it has).
    bool lists_threads = node == Node::PidTask;
    m_nlink = node == Node::Root ? 1 : 2 + subdirectory_count(entries_of(node)) + (lists_threads ? static_cast<u32>(m_tids.size()) : 0);
}

ErrorOr<RefPtr<ProcDirectory>> ProcDirectory::create_root(ProcFs& fs)
{
    auto* root = new (std::nothrow) ProcDirectory(fs, Node::Root, 0, 0, kRootOwner, nullptr, {}, kDirectoryMode);
    if (!root)
        return Error::from_errno(ENOMEM);
    return adopt_ref(root);
}

ErrorOr<RefPtr<vfs::Inode>> ProcDirectory::lookup(StringView name)
{
    if (name == "..")
        return m_parent ? RefPtr<vfs::Inode>(m_parent) : RefPtr<vfs::Inode>(this);
    EntryTable entries = entries_of(node());
    Entry const* entry = nullptr;
    for (usize i = 0; i < entries.count; ++i) {
        if (name == entries.entries[i].name)
            entry = &entries.entries[i];
    }
    if (!entry) {
        if (node() == Node::Root)
            return lookup_pid(name);
        if (node() == Node::PidTask)
            return lookup_tid(name);
        if (node() == Node::PidFd || node() == Node::PidFdinfo)
            return lookup_descriptor(name);
        return Error::from_errno(ENOENT);
    }

    ProcSource& source = procfs().source();
    vfs::Owner owner { ownership().uid, ownership().gid };
    if (vfs::is_symlink(entry->mode)) {
        auto* link = new (std::nothrow) ProcSymlink(procfs(), entry->node, pid(), tid(), owner);
        if (!link)
            return Error::from_errno(ENOMEM);
        return RefPtr<vfs::Inode>(adopt_ref(link));
    }
    if (vfs::is_directory(entry->mode)) {
        GrowableArray<i32> tids;
        if (entry->node == Node::PidTask) {
            // The threads as they are now: what this directory lists.
            ProcessInfo info;
            auto found = source.process(pid(), info);
            if (found.is_error())
                return not_found_if_gone(found.error());
            for (auto const& thread : info.threads)
                TRY(tids.try_append(thread.tid));
            if (tids.is_empty())
                TRY(tids.try_append(pid())); // a zombie's leader
        } else if (entry->node == Node::PidFd || entry->node == Node::PidFdinfo) {
            // The descriptors open now: what this directory lists.
            GrowableArray<OpenFileInfo> files;
            auto listed = source.open_files(pid(), files);
            if (listed.is_error())
                return not_found_if_gone(listed.error());
            for (auto const& file : files)
                TRY(tids.try_append(file.fd));
        }
        auto* directory = new (std::nothrow) ProcDirectory(procfs(), entry->node, pid(), tid(), owner, RefPtr<ProcDirectory>(this), std::move(tids), entry->mode);
        if (!directory)
            return Error::from_errno(ENOMEM);
        return RefPtr<vfs::Inode>(adopt_ref(directory));
    }
    auto text = generate(source, entry->node, pid(), tid());
    if (text.is_error())
        return not_found_if_gone(text.error());
    auto* file = new (std::nothrow) ProcTextFile(procfs(), entry->node, pid(), tid(), entry->mode, owner, text.release_value());
    if (!file)
        return Error::from_errno(ENOMEM);
    return RefPtr<vfs::Inode>(adopt_ref(file));
}

ErrorOr<RefPtr<vfs::Inode>> ProcDirectory::lookup_pid(StringView name)
{
    i32 pid = parse_id(name);
    if (pid <= 0)
        return Error::from_errno(ENOENT);
    ProcessInfo info;
    auto found = procfs().source().process(pid, info);
    if (found.is_error())
        return not_found_if_gone(found.error());
    // Owned by the process's effective ids, as on Linux (ps reads its
    // USER column from here).
    vfs::Owner owner { info.credentials.euid, info.credentials.egid };
    auto* directory = new (std::nothrow) ProcDirectory(procfs(), Node::PidDirectory, pid, 0, owner, RefPtr<ProcDirectory>(this), {}, kDirectoryMode);
    if (!directory)
        return Error::from_errno(ENOMEM);
    return RefPtr<vfs::Inode>(adopt_ref(directory));
}

ErrorOr<RefPtr<vfs::Inode>> ProcDirectory::lookup_tid(StringView name)
{
    i32 tid = parse_id(name);
    if (tid <= 0)
        return Error::from_errno(ENOENT);
    // The thread must still be there, not merely listed when the task
    // directory was looked up.
    ProcessInfo info;
    auto found = procfs().source().process(pid(), info);
    if (found.is_error())
        return not_found_if_gone(found.error());
    bool present = info.threads.is_empty() ? tid == pid() : false;
    for (auto const& thread : info.threads)
        present = present || thread.tid == tid;
    if (!present)
        return Error::from_errno(ENOENT);
    vfs::Owner owner { info.credentials.euid, info.credentials.egid };
    auto* directory = new (std::nothrow) ProcDirectory(procfs(), Node::TidDirectory, pid(), tid, owner, RefPtr<ProcDirectory>(this), {}, kDirectoryMode);
    if (!directory)
        return Error::from_errno(ENOMEM);
    return RefPtr<vfs::Inode>(adopt_ref(directory));
}

ErrorOr<KString> ProcInode::path_in_file_system() const
{
    char path[96];
    if (node() == Node::PidFdLink || node() == Node::PidFdinfoFile) {
        format(path, sizeof(path), "/%d/%s/%d", pid(), node() == Node::PidFdLink ? "fd" : "fdinfo", tid());
        return KString::create(path);
    }
    struct Place {
        EntryTable entries;
        const char* format;
    };
    const Place places[] = {
        { table(kRootEntries), "/%s" },
        { table(kSysEntries), "/sys/%s" },
        { table(kSysKernelEntries), "/sys/kernel/%s" },
        { table(kPidEntries), "/%d/%s" },
        { table(kTidEntries), "/%d/task/%d/%s" },
    };
    for (auto const& place : places) {
        for (usize i = 0; i < place.entries.count; ++i) {
            Entry const& entry = place.entries.entries[i];
            if (entry.node != node())
                continue;
            if (place.entries.entries == kPidEntries)
                format(path, sizeof(path), place.format, pid(), entry.name);
            else if (place.entries.entries == kTidEntries)
                format(path, sizeof(path), place.format, pid(), tid(), entry.name);
            else
                format(path, sizeof(path), place.format, entry.name);
            return KString::create(path);
        }
    }
    return Error::from_errno(ENOTSUP);
}

// fd/<n> (a symlink whose mode says how the file is open, as Linux's
// lr-x------ for reading) or fdinfo/<n> (its position and flags).
ErrorOr<RefPtr<vfs::Inode>> ProcDirectory::lookup_descriptor(StringView name)
{
    i32 fd = name == "0" ? 0 : parse_id(name);
    if (fd == 0 && name != "0")
        return Error::from_errno(ENOENT);
    GrowableArray<OpenFileInfo> files;
    auto listed = procfs().source().open_files(pid(), files);
    if (listed.is_error())
        return not_found_if_gone(listed.error());
    OpenFileInfo const* file = nullptr;
    for (auto const& open : files) {
        if (open.fd == fd)
            file = &open;
    }
    if (!file)
        return Error::from_errno(ENOENT);
    vfs::Owner owner { ownership().uid, ownership().gid };
    if (node() == Node::PidFd) {
        u32 access = file->flags & O_ACCMODE;
        u32 mode = S_IFLNK | 0100 | (access != O_WRONLY ? 0400 : 0) | (access != O_RDONLY ? 0200 : 0);
        auto* link = new (std::nothrow) ProcSymlink(procfs(), Node::PidFdLink, pid(), fd, owner, mode);
        if (!link)
            return Error::from_errno(ENOMEM);
        return RefPtr<vfs::Inode>(adopt_ref(link));
    }
    TextBuffer text;
    formats::process_fdinfo(*file, text);
    TRY(text.finish());
    auto* info = new (std::nothrow) ProcTextFile(procfs(), Node::PidFdinfoFile, pid(), fd, kFileMode, owner, std::move(text));
    if (!info)
        return Error::from_errno(ENOMEM);
    return RefPtr<vfs::Inode>(adopt_ref(info));
}

ErrorOr<u64> ProcDirectory::iterate(u64 position, vfs::DirectoryVisitor& visitor)
{
    if (position == vfs::kDotPosition) {
        if (!visitor.visit(".", ino(), DT_DIR, vfs::kDotDotPosition))
            return position;
        position = vfs::kDotDotPosition;
    }
    if (position == vfs::kDotDotPosition) {
        u64 parent = m_parent ? m_parent->ino() : ino();
        if (!visitor.visit("..", parent, DT_DIR, vfs::kFirstEntryPosition))
            return position;
        position = vfs::kFirstEntryPosition;
    }
    EntryTable entries = entries_of(node());
    for (; position - vfs::kFirstEntryPosition < entries.count; ++position) {
        Entry const& entry = entries.entries[position - vfs::kFirstEntryPosition];
        if (!visitor.visit(entry.name, inode_number(entry.node, pid(), tid()), vfs::dirent_type(entry.mode), position + 1))
            return position;
    }
    if (node() == Node::Root)
        return iterate_pids(position, visitor);
    // The task directory: its threads, at 2 + their index; fd/ and
    // fdinfo/: the descriptors.
    Node child = node() == Node::PidFd ? Node::PidFdLink : node() == Node::PidFdinfo ? Node::PidFdinfoFile : Node::TidDirectory;
    u8 type = child == Node::PidFdLink ? DT_LNK : child == Node::PidFdinfoFile ? DT_REG : DT_DIR;
    for (; position - vfs::kFirstEntryPosition < m_tids.size(); ++position) {
        i32 id = m_tids[position - vfs::kFirstEntryPosition];
        char name[12];
        format(name, sizeof(name), "%d", id);
        if (!visitor.visit(name, inode_number(child, pid(), id), type, position + 1))
            return position;
    }
    return position;
}

ErrorOr<u64> ProcDirectory::iterate_pids(u64 position, vfs::DirectoryVisitor& visitor)
{
    if (position < kFirstPidPosition)
        position = kFirstPidPosition;
    GrowableArray<i32> pids;
    TRY(procfs().source().list_pids(pids));
    pids.sort([](i32 a, i32 b) { return a < b; });
    for (i32 pid : pids) {
        if (pid <= 0 || kFirstPidPosition + static_cast<u64>(pid) < position)
            continue;
        u64 at = kFirstPidPosition + static_cast<u64>(pid);
        char name[12];
        format(name, sizeof(name), "%d", pid);
        if (!visitor.visit(name, inode_number(Node::PidDirectory, pid, 0), DT_DIR, at + 1))
            return at;
        position = at + 1;
    }
    return position;
}

}
