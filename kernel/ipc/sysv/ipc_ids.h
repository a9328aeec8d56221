// System V IPC identifiers and permissions (CONCEPTS F1, F6, F7): what
// shared memory (shm.h), message queues (msg.h) and semaphore sets (sem.h)
// have in common - Linux's kern_ipc_perm and ipc_ids. Each kind keeps its
// objects in one IpcIds table under one spinlock: a key finds an object
// (shmget, msgget, semget), an identifier names it (every other call).
//
// Identifiers are Linux's: seq * 32768 + index, where the index is the
// object's slot (handed out cyclically) and seq grows each time the slots
// wrap, so a stale identifier of a removed object is EINVAL rather than a
// newer object in the same slot. The *_STAT commands of ipcs name objects
// by index.
//
// Callers: ipc/sysv/{shm,msg,sem}.cpp, under their kind's lock.
#pragma once

#include <arch/x86_64/spinlock.h>
#include <lib/error_or.h>
#include <lib/types.h>
#include <security/credentials.h>

namespace sysv {

// include/uapi/linux/ipc.h
constexpr i32 kIpcPrivate = 0;
constexpr int kIpcCreat = 01000;
constexpr int kIpcExcl = 02000;
constexpr int kIpcNowait = 04000;
constexpr int kIpcRmid = 0;
constexpr int kIpcSet = 1;
constexpr int kIpcStat = 2;
constexpr int kIpcInfo = 3;
constexpr int kIpc64 = 0x0100; // the "new" structure layout flag some libcs add to cmd

constexpr u32 kIpcMni = 32768; // IPCMNI: slots per kind, the multiplier of seq in an id

// struct ipc64_perm of x86-64.
struct IpcPermAbi {
    i32 key;
    u32 uid;
    u32 gid;
    u32 cuid;
    u32 cgid;
    u16 mode;
    u16 pad1;
    u16 seq;
    u16 pad2;
    u64 unused1;
    u64 unused2;
};
static_assert(sizeof(IpcPermAbi) == 48);

// Access asked of an object, in the owner's position (S_IRUSR...): what
// ipcperms() compares with the object's mode.
constexpr u32 kIpcRead = 0400;
constexpr u32 kIpcWrite = 0200;
constexpr u32 kIpcAlter = 0200; // semaphores: changing values needs the write bit

struct IpcObject {
    i32 key { kIpcPrivate };
    u32 uid { 0 };
    u32 gid { 0 };
    u32 cuid { 0 };
    u32 cgid { 0 };
    u32 mode { 0 }; // permission bits, plus SHM_DEST/SHM_LOCKED for segments
    u32 seq { 0 };
    u32 index { 0 };
    bool linked { false }; // in its IpcIds table

    i32 id() const { return static_cast<i32>(seq * kIpcMni + index); }
    IpcPermAbi to_abi() const;
    // The creator's credentials and the permission bits of the get call.
    void init_owner(Credentials const& creator, i32 new_key, int flags);
    // IPC_SET: owner, group and the permission bits.
    void set_from_abi(IpcPermAbi const& perm);
};

// ipcperms(): EACCES unless the owner, group or other bits, whichever
// class the caller falls in, grant every bit of `may` (kIpcRead/kIpcWrite,
// or the 0777 bits of a get call's flags). The superuser may do anything.
ErrorOr<void> check_access(IpcObject const& object, Credentials const& credentials, u32 may);
// IPC_SET and IPC_RMID: the owner, the creator or the superuser (EPERM).
ErrorOr<void> check_owner(IpcObject const& object, Credentials const& credentials);

// One kind's table. Every call is made under lock().
class IpcIds {
public:
    constexpr explicit IpcIds(const char* name, u32 limit)
        : m_lock(name)
        , m_limit(limit)
    {
    }

    Spinlock& lock() { return m_lock; }

    IpcObject* find_key(i32 key);
    // The object an identifier names; nullptr for a free slot or a stale seq.
    IpcObject* find_id(i32 id);
    // The object in slot `index` (the *_STAT commands), or nullptr.
    IpcObject* at_index(i64 index);
    // What IPC_STAT (by identifier) and the *_STAT commands (by slot index)
    // report on: EINVAL when nothing is there, EACCES without read
    // permission when `check_read`; `id_out` gets its identifier.
    ErrorOr<IpcObject*> find_for_stat(i64 id, bool by_index, bool check_read, i32& id_out);

    // A slot and an identifier for `object`: ENOSPC when the kind's limit
    // of objects is reached, ENOMEM when the table cannot grow.
    ErrorOr<void> add(IpcObject& object);
    void remove(IpcObject& object);

    u32 in_use() const { return m_in_use; }
    // The highest slot in use, or -1 (IPC_INFO, SHM_INFO...).
    i32 highest_index() const;

    template<typename Callback>
    void for_each(Callback callback)
    {
        for (u32 i = 0; i < m_capacity; ++i) {
            if (m_slots[i])
                callback(*m_slots[i]);
        }
    }

private:
    Spinlock m_lock;
    u32 m_limit;
    IpcObject** m_slots { nullptr };
    u32 m_capacity { 0 };
    u32 m_in_use { 0 };
    i32 m_last_index { -1 };
    u32 m_seq { 0 };
};

// The wall clock in seconds, for the *_time fields.
i64 now_seconds();

// The calling process's PID.
i32 caller_pid();

}
