// System V shared memory (CONCEPTS F1): segments made by shmget, mapped
// into address spaces by shmat, unmapped by shmdt, exit and exec.
//
// A segment is a MemoryObject over the pages of an mm::SharedMemory, so
// attaching it is an ordinary shared mapping: the page-fault handler, fork
// (the child's copy of the area is another attachment) and exit/exec
// (the address space goes, and with it its areas) need nothing special.
// The attach count (shm_nattch) is the number of areas that map the
// segment, which is its reference count less the table's own reference.
// IPC_RMID with attachments marks it SHM_DEST and gives up the table's
// reference; the last area to go then destroys it (and its destructor
// takes it out of the table), as on Linux.
//
// Lock order: an address space's lock, then the shm table's lock (shmdt
// looks at areas and asks the table; an area dropped under the address
// space lock may run the destructor, which takes the table lock). No
// reference to a segment is dropped under the table lock.
#pragma once

#include <fs/procfs/text_buffer.h>
#include <ipc/sysv/ipc_ids.h>
#include <lib/error_or.h>

namespace sysv {

// include/uapi/linux/shm.h
constexpr int kShmRdonly = 010000;
constexpr int kShmRnd = 020000;
constexpr int kShmRemap = 040000;
constexpr int kShmExec = 0100000;
constexpr int kShmLock = 11;
constexpr int kShmUnlock = 12;
constexpr int kShmStat = 13;
constexpr int kShmInfo = 14;
constexpr int kShmStatAny = 15;
constexpr u32 kShmDest = 01000;   // mode bit: removed, waiting for the last detach
constexpr u32 kShmLocked = 02000; // mode bit: SHM_LOCK (nothing swaps, so it only shows)

// Linux's defaults (include/uapi/linux/shm.h), /proc/sys/kernel/shm*.
constexpr u64 kShmMax = ~0ull - (1ull << 24);
constexpr u64 kShmAll = ~0ull - (1ull << 24); // pages
constexpr u64 kShmMin = 1;
constexpr u32 kShmMni = 4096;

// struct shmid64_ds of x86-64.
struct ShmidDs {
    IpcPermAbi perm;
    u64 segsz;
    i64 atime;
    i64 dtime;
    i64 ctime;
    i32 cpid;
    i32 lpid;
    u64 nattch;
    u64 unused4;
    u64 unused5;
};
static_assert(sizeof(ShmidDs) == 112);

// struct shminfo64 (IPC_INFO).
struct ShmLimits {
    u64 shmmax;
    u64 shmmin;
    u64 shmmni;
    u64 shmseg;
    u64 shmall;
    u64 unused[4];
};

// struct shm_info (SHM_INFO).
struct ShmUsage {
    i32 used_ids;
    u32 pad;
    u64 shm_tot; // pages
    u64 shm_rss; // pages
    u64 shm_swp;
    u64 swap_attempts;
    u64 swap_successes;
};

ErrorOr<i32> shm_get(i32 key, u64 size, int flags);
// The address the segment was attached at.
ErrorOr<VirtAddr> shm_attach(i32 id, VirtAddr address, int flags);
ErrorOr<void> shm_detach(VirtAddr address);

// IPC_STAT (by identifier) and SHM_STAT/SHM_STAT_ANY (by index, which
// `id` then is; the identifier is returned through `id_out`).
ErrorOr<ShmidDs> shm_stat(i64 id, bool by_index, bool check_read, i32& id_out);
ErrorOr<void> shm_set(i32 id, ShmidDs const& request);
ErrorOr<void> shm_remove(i32 id);
ErrorOr<void> shm_set_locked(i32 id, bool locked);
ShmLimits shm_limits();
ShmUsage shm_usage();
// For IPC_INFO and SHM_INFO's result: the highest slot in use, or 0.
i32 shm_highest_index();

// /proc/sysvipc/shm.
ErrorOr<void> shm_proc_show(procfs::TextBuffer& text);

}
