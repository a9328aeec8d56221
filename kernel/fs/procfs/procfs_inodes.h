// The inodes of procfs (fs/procfs/procfs.h): directories, text files and
// symlinks, each naming a Node - which file of the tree it is - and the
// process and thread it belongs to. Nothing is stored: a directory's
// entries come from a table (procfs_directory.cpp) or from the source (the
// PIDs of /proc, the TIDs of a task directory), and every lookup makes a
// new inode, so there is no cache to go stale when processes come and go.
// Inode numbers are computed from (node, pid, tid), so they are stable
// across lookups, as `find` and `ls -i` expect.
//
// To add a file: a Node, an entry in its directory's table
// (procfs_directory.cpp), a case in generate() (procfs_file.cpp) and its
// format (formats.h).
// Host-buildable.
#pragma once

#include <fs/procfs/procfs.h>
#include <fs/procfs/text_buffer.h>
#include <fs/vfs/inode.h>

namespace procfs {

enum class Node : u16 {
    // The tree's fixed part.
    Root = 1,
    Self,
    ThreadSelf,
    Mounts, // symlink to self/mounts
    Meminfo,
    Uptime,
    Loadavg,
    Stat,
    Cpuinfo,
    Version,
    Filesystems,
    Sys,
    SysKernel,
    SysKernelPidMax,
    SysKernelHostname,
    SysKernelDomainname,
    SysKernelOstype,
    SysKernelOsrelease,
    SysKernelVersion,
    SysKernelThreadsMax,
    Interrupts,
    Devices,

    // /proc/<pid>/...
    PidDirectory = 64,
    PidStat,
    PidStatus,
    PidStatm,
    PidCmdline,
    PidComm,
    PidMounts,
    PidTask,
    PidEnviron,
    PidMaps,
    PidLimits,
    PidExe,
    PidCwd,
    PidRoot,
    PidFd,         // the fd/ directory
    PidFdinfo,     // the fdinfo/ directory
    PidFdLink,     // fd/<n>: tid holds the descriptor
    PidFdinfoFile, // fdinfo/<n>

    // /proc/<pid>/task/<tid>/...
    TidDirectory = 96,
    TidStat,
    TidStatus,
    TidStatm,
    TidCmdline,
    TidComm,
};

// (node, pid, tid) -> inode number: pid in bits 40-62, tid in bits 16-39,
// node below. PIDs and TIDs stay below Linux's limit of 2^22.
constexpr u64 inode_number(Node node, i32 pid, i32 tid)
{
    return (static_cast<u64>(static_cast<u32>(pid)) << 40) | (static_cast<u64>(static_cast<u32>(tid) & 0xffffff) << 16)
        | static_cast<u16>(node);
}

class ProcInode : public vfs::Inode {
public:
    ProcFs& procfs() const { return static_cast<ProcFs&>(fs()); }
    Node node() const { return m_node; }
    i32 pid() const { return m_pid; }
    i32 tid() const { return m_tid; }

    // "/42/stat", "/42/task/43/comm", "/42/fd/3" (procfs_directory.cpp).
    ErrorOr<KString> path_in_file_system() const override;

protected:
    ProcInode(ProcFs& fs, Node node, i32 pid, i32 tid, u32 mode, vfs::Owner owner)
        : Inode(fs, inode_number(node, pid, tid), mode, owner, 0)
        , m_node(node)
        , m_pid(pid)
        , m_tid(tid)
    {
    }

private:
    Node m_node;
    i32 m_pid;
    i32 m_tid;
};

class ProcDirectory final : public ProcInode {
public:
    // The root of a new instance.
    static ErrorOr<RefPtr<ProcDirectory>> create_root(ProcFs& fs);

    ErrorOr<RefPtr<vfs::Inode>> lookup(StringView name) override;
    ErrorOr<u64> iterate(u64 position, vfs::DirectoryVisitor& visitor) override;

private:
    ProcDirectory(ProcFs& fs, Node node, i32 pid, i32 tid, vfs::Owner owner, RefPtr<ProcDirectory> parent, GrowableArray<i32> tids, u32 mode);

    ErrorOr<RefPtr<vfs::Inode>> lookup_pid(StringView name);
    ErrorOr<RefPtr<vfs::Inode>> lookup_tid(StringView name);
    ErrorOr<RefPtr<vfs::Inode>> lookup_descriptor(StringView name);
    ErrorOr<u64> iterate_pids(u64 position, vfs::DirectoryVisitor& visitor);

    // ".." (null for the root, whose ".." the VFS resolves across the mount).
    RefPtr<ProcDirectory> m_parent;
    // A task directory's threads, or an fd/ or fdinfo/ directory's
    // descriptors, as they were when it was looked up.
    GrowableArray<i32> m_tids;
};

// A file's text, made when it was looked up (procfs.h: snapshots).
class ProcTextFile final : public ProcInode {
public:
    ProcTextFile(ProcFs& fs, Node node, i32 pid, i32 tid, u32 mode, vfs::Owner owner, TextBuffer text)
        : ProcInode(fs, node, pid, tid, mode, owner)
        , m_text(std::move(text))
    {
    }

    ErrorOr<usize> read(u64 offset, IoBuffer& buffer, usize count) override;

    StringView text() const { return m_text.view(); }

private:
    TextBuffer const m_text; // immutable, so reads need no lock
};

class ProcSymlink final : public ProcInode {
public:
    ProcSymlink(ProcFs& fs, Node node, i32 pid = 0, i32 tid = 0, vfs::Owner owner = { 0, 0 }, u32 mode = S_IFLNK | 0777)
        : ProcInode(fs, node, pid, tid, mode, owner)
    {
    }

    // self: the caller's PID; thread-self: <pid>/task/<tid>; mounts:
    // self/mounts. ENOENT for a caller outside every process. exe, cwd,
    // root and fd/<n>: what the process has there now (the source's
    // link() and open_files()).
    ErrorOr<KString> readlink() override;
};

// The text of file `node` of process `pid`, thread `tid` (0 outside a task
// directory). ENOENT when the process or thread is gone.
ErrorOr<TextBuffer> generate(ProcSource& source, Node node, i32 pid, i32 tid);

}
