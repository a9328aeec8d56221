// Files that other subsystems add to /proc without procfs knowing them:
// System V IPC's /proc/sysvipc/{shm,msg,sem} and its limits in
// /proc/sys/kernel (kernel/ipc/sysv/procfs_files.cpp). Each is a name in
// one of a few directories and a function that writes the file's text,
// called at every lookup like procfs's own files (procfs.h: snapshots).
//
// Registration happens at boot, from static constructors, before anything
// can read /proc; after that the table only is read, so it needs no lock.
// Host-buildable.
#pragma once

#include <fs/procfs/text_buffer.h>
#include <lib/error_or.h>
#include <lib/types.h>

namespace procfs {

enum class ExtraDirectory : u8 {
    SysKernel, // /proc/sys/kernel
    Sysvipc,   // /proc/sysvipc
};

using ExtraGenerator = ErrorOr<void> (*)(TextBuffer& text);

struct ExtraFile {
    ExtraDirectory directory;
    const char* name;
    ExtraGenerator generate;
};

constexpr usize kMaxExtraFiles = 16;

// Adds a file; false when the table is full.
bool register_extra_file(ExtraFile file);
usize extra_file_count();
ExtraFile const& extra_file(usize index);

// Registers a file from a static constructor:
//   static procfs::ExtraFileRegistrar s_shm { { ExtraDirectory::Sysvipc, "shm", shm_proc_show } };
struct ExtraFileRegistrar {
    explicit ExtraFileRegistrar(ExtraFile file) { (void)register_extra_file(file); }
};

}
