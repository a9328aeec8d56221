// System V semaphore sets (CONCEPTS F7): semget, semop/semtimedop,
// semctl. A set is an array of counters in 0..32767; one semop applies a
// list of operations to it all at once or not at all: it sleeps until
// every "decrement" fits and every "wait for zero" holds, then applies
// them together. SEM_UNDO keeps, per process and set, the opposite of
// what the process did (semadj), applied when it exits.
//
// One spinlock guards every set and every undo record. Sleepers wait on
// their set's wait queue and try again after each change (there are few
// of them, and each try is a pass over its own operations). A sleeping
// semop keeps a removed set's memory alive; the last to leave frees it.
#pragma once

#include <fs/procfs/text_buffer.h>
#include <ipc/sysv/ipc_ids.h>
#include <lib/error_or.h>

namespace sysv {

// include/uapi/linux/sem.h
constexpr int kSemUndo = 0x1000;
constexpr int kGetPid = 11;
constexpr int kGetVal = 12;
constexpr int kGetAll = 13;
constexpr int kGetNcnt = 14;
constexpr int kGetZcnt = 15;
constexpr int kSetVal = 16;
constexpr int kSetAll = 17;
constexpr int kSemStat = 18;
constexpr int kSemInfo = 19;
constexpr int kSemStatAny = 20;

// Linux's defaults, /proc/sys/kernel/sem ("SEMMSL SEMMNS SEMOPM SEMMNI").
constexpr u32 kSemMsl = 32000;
constexpr u32 kSemMns = 1024000000;
constexpr u32 kSemOpm = 500;
constexpr u32 kSemMni = 32000;
constexpr i32 kSemVmx = 32767;
constexpr i32 kSemAem = kSemVmx;

// struct sembuf.
struct SemBuf {
    u16 num;
    i16 op;
    i16 flags;
};
static_assert(sizeof(SemBuf) == 6);

// struct semid64_ds of x86-64.
struct SemidDs {
    IpcPermAbi perm;
    i64 otime;
    u64 unused1;
    i64 ctime;
    u64 unused2;
    u64 nsems;
    u64 unused3;
    u64 unused4;
};
static_assert(sizeof(SemidDs) == 104);

// struct seminfo (IPC_INFO, SEM_INFO).
struct SemInfo {
    i32 semmap;
    i32 semmni;
    i32 semmns;
    i32 semmnu;
    i32 semmsl;
    i32 semopm;
    i32 semume;
    i32 semusz;
    i32 semvmx;
    i32 semaem;
};

ErrorOr<i32> sem_get(i32 key, int nsems, int flags);
// `deadline_ns` on the monotonic clock, 0 for none (EAGAIN when it passes).
ErrorOr<void> sem_operate(i32 id, SemBuf const* operations, usize count, u64 deadline_ns);

// GETVAL, GETPID, GETNCNT, GETZCNT.
ErrorOr<long> sem_read(i32 id, int semnum, int cmd);
ErrorOr<void> sem_set_value(i32 id, int semnum, int value);
// The number of semaphores of set `id` (for GETALL/SETALL's buffers).
ErrorOr<u32> sem_count(i32 id);
ErrorOr<void> sem_get_all(i32 id, u16* values, u32 count);
ErrorOr<void> sem_set_all(i32 id, u16 const* values, u32 count);

ErrorOr<SemidDs> sem_stat(i64 id, bool by_index, bool check_read, i32& id_out);
ErrorOr<void> sem_set(i32 id, SemidDs const& request);
ErrorOr<void> sem_remove(i32 id);
// IPC_INFO (limits) or SEM_INFO (`usage`: sets and semaphores in use).
SemInfo sem_info(bool usage);
i32 sem_highest_index();

// The process `pid` is gone: apply and drop its SEM_UNDO adjustments.
void release_process_undo(i32 pid);

// /proc/sysvipc/sem.
ErrorOr<void> sem_proc_show(procfs::TextBuffer& text);

}
