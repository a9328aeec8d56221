// System V semaphore sets; see sem.h.
#include <ipc/sysv/sem.h>
#include <lib/intrusive_list.h>
#include <lib/string.h>
#include <new>
#include <proc/current.h>
#include <sched/clock.h>
#include <sched/wait_queue.h>

namespace sysv {

namespace {

struct Semaphore {
    i32 value { 0 };
    i32 pid { 0 }; // of the last operation (GETPID)
};

// A semop asleep on its set, for GETNCNT/GETZCNT: the operation it waits on.
struct SemSleeper {
    IntrusiveListNode node;
    SemBuf const* blocking { nullptr };
};

struct SemArray final : public IpcObject {
    explicit SemArray(u32 count, Semaphore* array)
        : nsems(count)
        , sems(array)
    {
    }
    ~SemArray() { delete[] sems; }

    u32 nsems;
    Semaphore* sems;
    i64 otime { 0 };
    i64 ctime { 0 };
    WaitQueue waiters;
    IntrusiveList<SemSleeper, &SemSleeper::node> sleepers;
    u32 sleeper_count { 0 }; // keeps a removed set alive
    bool removed { false };

    SemidDs to_abi() const
    {
        SemidDs ds {};
        ds.perm = IpcObject::to_abi();
        ds.otime = otime;
        ds.ctime = ctime;
        ds.nsems = nsems;
        return ds;
    }
};

// One process's adjustments for one set (Linux's sem_undo).
struct UndoRecord {
    IntrusiveListNode node;
    i32 pid { 0 };
    i32 semid { 0 };
    u32 nsems { 0 };
    i32* adjust { nullptr };
};

constinit IpcIds s_ids { "sysv sem", kSemMni };
u64 s_total_sems { 0 }; // SEMMNS, under the lock
IntrusiveList<UndoRecord, &UndoRecord::node> s_undo;

SemArray* array(IpcObject* object) { return static_cast<SemArray*>(object); }

ErrorOr<SemArray*> find_locked(i32 id)
{
    IpcObject* object = s_ids.find_id(id);
    if (!object)
        return Error::from_errno(EINVAL);
    return array(object);
}

void free_undo(UndoRecord* record)
{
    delete[] record->adjust;
    delete record;
}

UndoRecord* find_undo_locked(i32 pid, i32 semid)
{
    for (auto& record : s_undo) {
        if (record.pid == pid && record.semid == semid)
            return &record;
    }
    return nullptr;
}

ErrorOr<UndoRecord*> find_or_make_undo_locked(i32 pid, SemArray& set)
{
    if (UndoRecord* record = find_undo_locked(pid, set.id()))
        return record;
    auto* record = new (std::nothrow) UndoRecord;
    auto* adjust = new (std::nothrow) i32[set.nsems];
    if (!record || !adjust) {
        delete record;
        delete[] adjust;
        return Error::from_errno(ENOMEM);
    }
    memset(adjust, 0, set.nsems * sizeof(i32));
    record->pid = pid;
    record->semid = set.id();
    record->nsems = set.nsems;
    record->adjust = adjust;
    s_undo.append(*record);
    return record;
}

// SETVAL and SETALL start the semaphore afresh: no process's adjustment
// of it applies any more. `semnum` < 0: every semaphore of the set.
void clear_undo_locked(i32 semid, int semnum)
{
    for (auto& record : s_undo) {
        if (record.semid != semid)
            continue;
        if (semnum >= 0)
            record.adjust[semnum] = 0;
        else
            memset(record.adjust, 0, record.nsems * sizeof(i32));
    }
}

enum class Outcome {
    Done,
    Blocked, // `blocking` says on which operation
};

// Linux's perform_atomic_semop: every operation in order, all or none.
ErrorOr<Outcome> try_operations(SemArray& set, SemBuf const* operations, usize count, UndoRecord* undo,
    SemBuf const*& blocking)
{
    usize applied = 0;
    ErrorOr<Outcome> result = Outcome::Done;
    for (; applied < count; ++applied) {
        SemBuf const& operation = operations[applied];
        Semaphore& sem = set.sems[operation.num];
        i32 value = sem.value + operation.op;
        bool blocks = operation.op == 0 ? sem.value != 0 : value < 0;
        if (blocks) {
            blocking = &operation;
            if (operation.flags & kIpcNowait)
                result = Error::from_errno(EAGAIN);
            else
                result = Outcome::Blocked;
            break;
        }
        if (value > kSemVmx) {
            result = Error::from_errno(ERANGE);
            break;
        }
        if ((operation.flags & kSemUndo) && undo) {
            i32 adjusted = undo->adjust[operation.num] - operation.op;
            if (adjusted < -kSemAem - 1 || adjusted > kSemAem) {
                result = Error::from_errno(ERANGE);
                break;
            }
        }
        sem.value = value;
    }
    if (result.is_error() || result.value() == Outcome::Blocked) {
        while (applied > 0) {
            --applied;
            set.sems[operations[applied].num].value -= operations[applied].op;
        }
        return result;
    }
    i32 pid = caller_pid();
    for (usize i = 0; i < count; ++i) {
        set.sems[operations[i].num].pid = pid;
        if ((operations[i].flags & kSemUndo) && undo)
            undo->adjust[operations[i].num] -= operations[i].op;
    }
    set.otime = now_seconds();
    return Outcome::Done;
}

// Sleeps on the set after a blocked try. EIDRM when it was removed
// meanwhile (the last sleeper frees it), EINTR for a signal, EAGAIN when
// the deadline passed.
ErrorOr<void> sleep(SemArray& set, SemBuf const* blocking, SpinlockLocker& locker, u64 deadline_ns)
{
    if (current::interrupted())
        return Error::from_errno(EINTR);
    if (deadline_ns && ktime::monotonic_ns() >= deadline_ns)
        return Error::from_errno(EAGAIN);
    SemSleeper sleeper;
    sleeper.blocking = blocking;
    set.sleepers.append(sleeper);
    ++set.sleeper_count;
    (void)set.waiters.wait(locker, deadline_ns);
    --set.sleeper_count;
    set.sleepers.remove(sleeper);
    if (set.removed) {
        if (set.sleeper_count == 0)
            delete &set;
        return Error::from_errno(EIDRM);
    }
    if (current::interrupted())
        return Error::from_errno(EINTR);
    return {};
}

}

ErrorOr<i32> sem_get(i32 key, int nsems, int flags)
{
    if (nsems < 0 || static_cast<u32>(nsems) > kSemMsl)
        return Error::from_errno(EINVAL);
    Credentials const& credentials = current::credentials();
    if (key != kIpcPrivate) {
        SpinlockLocker locker(s_ids.lock());
        if (IpcObject* found = s_ids.find_key(key)) {
            if ((flags & kIpcCreat) && (flags & kIpcExcl))
                return Error::from_errno(EEXIST);
            TRY(check_access(*found, credentials, static_cast<u32>(flags) & 0777));
            if (static_cast<u32>(nsems) > array(found)->nsems)
                return Error::from_errno(EINVAL);
            return found->id();
        }
        if (!(flags & kIpcCreat))
            return Error::from_errno(ENOENT);
    }
    if (nsems == 0)
        return Error::from_errno(EINVAL);
    auto* sems = new (std::nothrow) Semaphore[nsems];
    auto* created = sems ? new (std::nothrow) SemArray(static_cast<u32>(nsems), sems) : nullptr;
    if (!created) {
        delete[] sems;
        return Error::from_errno(ENOMEM);
    }
    SpinlockLocker locker(s_ids.lock());
    if (key != kIpcPrivate) {
        if (IpcObject* found = s_ids.find_key(key)) {
            // Made by someone else meanwhile: as if it had been there.
            delete created;
            if ((flags & kIpcCreat) && (flags & kIpcExcl))
                return Error::from_errno(EEXIST);
            TRY(check_access(*found, credentials, static_cast<u32>(flags) & 0777));
            if (static_cast<u32>(nsems) > array(found)->nsems)
                return Error::from_errno(EINVAL);
            return found->id();
        }
    }
    if (s_total_sems + static_cast<u32>(nsems) > kSemMns) {
        delete created;
        return Error::from_errno(ENOSPC);
    }
    created->init_owner(credentials, key, flags);
    created->ctime = now_seconds();
    auto added = s_ids.add(*created);
    if (added.is_error()) {
        delete created;
        return added.error();
    }
    s_total_sems += static_cast<u32>(nsems);
    return created->id();
}

ErrorOr<void> sem_operate(i32 id, SemBuf const* operations, usize count, u64 deadline_ns)
{
    u32 highest = 0;
    bool undo = false;
    bool alter = false;
    for (usize i = 0; i < count; ++i) {
        if (operations[i].num > highest)
            highest = operations[i].num;
        undo = undo || (operations[i].flags & kSemUndo);
        alter = alter || operations[i].op != 0;
    }
    i32 pid = caller_pid();
    SpinlockLocker locker(s_ids.lock());
    SemArray* set = TRY(find_locked(id));
    if (highest >= set->nsems)
        return Error::from_errno(EFBIG);
    for (;;) {
        TRY(check_access(*set, current::credentials(), alter ? kIpcAlter : kIpcRead));
        UndoRecord* record = undo ? TRY(find_or_make_undo_locked(pid, *set)) : nullptr;
        SemBuf const* blocking = nullptr;
        Outcome outcome = TRY(try_operations(*set, operations, count, record, blocking));
        if (outcome == Outcome::Done) {
            if (alter)
                set->waiters.wake_all(); // another sleeper's operations may fit now
            return {};
        }
        TRY(sleep(*set, blocking, locker, deadline_ns));
    }
}

ErrorOr<long> sem_read(i32 id, int semnum, int cmd)
{
    SpinlockLocker locker(s_ids.lock());
    SemArray* set = TRY(find_locked(id));
    TRY(check_access(*set, current::credentials(), kIpcRead));
    if (semnum < 0 || static_cast<u32>(semnum) >= set->nsems)
        return Error::from_errno(EINVAL);
    Semaphore const& sem = set->sems[semnum];
    switch (cmd) {
    case kGetVal:
        return sem.value;
    case kGetPid:
        return sem.pid;
    case kGetNcnt:
    case kGetZcnt: {
        long waiting = 0;
        for (auto& sleeper : set->sleepers) {
            if (sleeper.blocking->num != semnum)
                continue;
            if (cmd == kGetZcnt ? sleeper.blocking->op == 0 : sleeper.blocking->op < 0)
                ++waiting;
        }
        return waiting;
    }
    default:
        return Error::from_errno(EINVAL);
    }
}

ErrorOr<void> sem_set_value(i32 id, int semnum, int value)
{
    if (value < 0 || value > kSemVmx)
        return Error::from_errno(ERANGE);
    SpinlockLocker locker(s_ids.lock());
    SemArray* set = TRY(find_locked(id));
    if (semnum < 0 || static_cast<u32>(semnum) >= set->nsems)
        return Error::from_errno(EINVAL);
    TRY(check_access(*set, current::credentials(), kIpcAlter));
    clear_undo_locked(set->id(), semnum);
    set->sems[semnum].value = value;
    set->sems[semnum].pid = caller_pid();
    set->ctime = now_seconds();
    set->waiters.wake_all();
    return {};
}

ErrorOr<u32> sem_count(i32 id)
{
    SpinlockLocker locker(s_ids.lock());
    SemArray* set = TRY(find_locked(id));
    return set->nsems;
}

ErrorOr<void> sem_get_all(i32 id, u16* values, u32 count)
{
    SpinlockLocker locker(s_ids.lock());
    SemArray* set = TRY(find_locked(id));
    TRY(check_access(*set, current::credentials(), kIpcRead));
    if (count != set->nsems)
        return Error::from_errno(EIDRM); // another set took the identifier's place
    for (u32 i = 0; i < count; ++i)
        values[i] = static_cast<u16>(set->sems[i].value);
    return {};
}

ErrorOr<void> sem_set_all(i32 id, u16 const* values, u32 count)
{
    for (u32 i = 0; i < count; ++i) {
        if (values[i] > kSemVmx)
            return Error::from_errno(ERANGE);
    }
    SpinlockLocker locker(s_ids.lock());
    SemArray* set = TRY(find_locked(id));
    TRY(check_access(*set, current::credentials(), kIpcAlter));
    if (count != set->nsems)
        return Error::from_errno(EIDRM);
    clear_undo_locked(set->id(), -1);
    i32 pid = caller_pid();
    for (u32 i = 0; i < count; ++i) {
        set->sems[i].value = values[i];
        set->sems[i].pid = pid;
    }
    set->ctime = now_seconds();
    set->waiters.wake_all();
    return {};
}

ErrorOr<SemidDs> sem_stat(i64 id, bool by_index, bool check_read, i32& id_out)
{
    SpinlockLocker locker(s_ids.lock());
    IpcObject* object = TRY(s_ids.find_for_stat(id, by_index, check_read, id_out));
    return array(object)->to_abi();
}

ErrorOr<void> sem_set(i32 id, SemidDs const& request)
{
    SpinlockLocker locker(s_ids.lock());
    SemArray* set = TRY(find_locked(id));
    TRY(check_owner(*set, current::credentials()));
    set->set_from_abi(request.perm);
    set->ctime = now_seconds();
    return {};
}

ErrorOr<void> sem_remove(i32 id)
{
    SpinlockLocker locker(s_ids.lock());
    SemArray* set = TRY(find_locked(id));
    TRY(check_owner(*set, current::credentials()));
    for (auto& record : s_undo.removal_safe()) {
        if (record.semid == id) {
            s_undo.remove(record);
            free_undo(&record);
        }
    }
    s_ids.remove(*set);
    s_total_sems -= set->nsems;
    set->removed = true;
    if (set->sleeper_count == 0) {
        delete set;
        return {};
    }
    set->waiters.wake_all();
    return {};
}

SemInfo sem_info(bool usage)
{
    SemInfo info {};
    info.semmni = kSemMni;
    info.semmns = kSemMns;
    info.semmsl = kSemMsl;
    info.semopm = kSemOpm;
    info.semvmx = kSemVmx;
    info.semmnu = kSemMns; // SEMMNU
    info.semmap = kSemMns; // SEMMAP
    info.semume = kSemOpm; // SEMUME
    if (!usage) {
        info.semusz = 20; // SEMUSZ
        info.semaem = kSemAem;
        return info;
    }
    SpinlockLocker locker(s_ids.lock());
    info.semusz = static_cast<i32>(s_ids.in_use());
    info.semaem = static_cast<i32>(s_total_sems);
    return info;
}

i32 sem_highest_index()
{
    SpinlockLocker locker(s_ids.lock());
    i32 highest = s_ids.highest_index();
    return highest < 0 ? 0 : highest;
}

void release_process_undo(i32 pid)
{
    SpinlockLocker locker(s_ids.lock());
    for (auto& record : s_undo.removal_safe()) {
        if (record.pid != pid)
            continue;
        s_undo.remove(record);
        if (IpcObject* object = s_ids.find_id(record.semid)) {
            SemArray& set = *array(object);
            bool changed = false;
            for (u32 i = 0; i < record.nsems && i < set.nsems; ++i) {
                if (!record.adjust[i])
                    continue;
                // Linux clamps rather than fails: the process is gone.
                i32 value = set.sems[i].value + record.adjust[i];
                set.sems[i].value = value < 0 ? 0 : (value > kSemVmx ? kSemVmx : value);
                set.sems[i].pid = pid;
                changed = true;
            }
            if (changed)
                set.waiters.wake_all();
        }
        free_undo(&record);
    }
}

ErrorOr<void> sem_proc_show(procfs::TextBuffer& text)
{
    text.append("       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n");
    SpinlockLocker locker(s_ids.lock());
    s_ids.for_each([&](IpcObject& object) {
        SemArray& set = *array(&object);
        text.appendf("%10d %10d  %4o %10u %5u %5u %5u %5u %10lld %10lld\n", set.key, set.id(), set.mode, set.nsems, set.uid,
            set.gid, set.cuid, set.cgid, static_cast<long long>(set.otime), static_cast<long long>(set.ctime));
    });
    return text.finish();
}

}
