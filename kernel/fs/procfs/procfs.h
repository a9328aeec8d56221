// procfs (CONCEPTS F4, C3, C9): the "proc" file system, Linux's /proc -
// processes, threads and the system shown as directories and text files
// that programs (ps, top, free, uptime, mount) read with plain open/read.
//
//   /proc/<pid>/{stat,status,statm,cmdline,comm,mounts}   one per process
//   /proc/<pid>/task/<tid>/{stat,status,statm,cmdline,comm}
//   /proc/self -> <pid>, /proc/thread-self -> <pid>/task/<tid>
//   /proc/{meminfo,uptime,loadavg,stat,cpuinfo,version,filesystems}
//   /proc/mounts -> self/mounts
//   /proc/sys/kernel/{pid_max,hostname,domainname,ostype,osrelease,version}
//
// What the files say comes from a ProcSource (fs/procfs/source.h); the
// text formats are fs/procfs/formats.h; the inodes procfs_inodes.h. The
// kernel's source is fs/procfs/kernel_source.h (procfs::init()); host
// tests give their own.
//
// Snapshots: a file's text is made when its name is looked up - which
// every open() does, since procfs keeps no directory-entry cache - and
// reads at any offset return slices of that one snapshot, so a reader
// sees a consistent file however it splits its reads. A new open sees
// new data. A process that is gone by then is ENOENT, never a crash.
// (Linux regenerates on a read at offset 0 too; the read path may sleep
// now that FsLock is a mutex, so that could follow; not done yet.)
// Host-buildable.
#pragma once

#include <atomic>
#include <fs/procfs/source.h>
#include <fs/vfs/file_system.h>
#include <fs/vfs/inode.h>
#include <lib/error_or.h>

namespace procfs {

// PROC_SUPER_MAGIC: statfs's f_type of /proc.
constexpr u64 kProcSuperMagic = 0x9fa0;

class ProcFs final : public vfs::FileSystem {
public:
    // A new instance served by `source` (which outlives it); returns its
    // root directory.
    static ErrorOr<RefPtr<vfs::Inode>> create(ProcSource& source);

    StringView type_name() const override { return "proc"; }
    vfs::FileSystemStatistics statistics() const override;

    ProcSource& source() const { return m_source; }

private:
    explicit ProcFs(ProcSource& source)
        : m_source(source)
    {
    }

    ProcSource& m_source;
};

// mount -t proc: registers the "proc" type with the VFS; mounts made from
// now on are served by `source` (a later call changes the source of later
// mounts only). Registering again is harmless.
ErrorOr<void> register_type(ProcSource& source);

}
