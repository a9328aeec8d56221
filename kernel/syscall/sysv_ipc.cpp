// The System V IPC system calls (CONCEPTS F1, F6, F7): shmget, shmat,
// shmdt, shmctl; msgget, msgsnd, msgrcv, msgctl; semget, semop,
// semtimedop, semctl. The objects and their rules are kernel/ipc/sysv/;
// this file checks the arguments in Linux's order and moves the data
// between user memory and the kernel (never under an IPC lock).
#include <ipc/sysv/msg.h>
#include <ipc/sysv/sem.h>
#include <ipc/sysv/shm.h>
#include <new>
#include <sched/clock.h>
#include <syscall/syscall.h>

namespace {

using namespace sysv;

// Every *ctl command word may carry IPC_64 (the layout this kernel always uses).
int command_of(int cmd) { return cmd & ~kIpc64; }

template<typename T>
ErrorOr<void> copy_out(u64 address, T const& value)
{
    return copy_to_user(address, &value, sizeof(T));
}

template<typename T>
ErrorOr<T> copy_in(u64 address)
{
    T value;
    TRY(copy_from_user(&value, address, sizeof(T)));
    return value;
}

// ---- shared memory ----

ErrorOr<long> sys_shmget(int key, u64 size, int flags) { return TRY(shm_get(key, size, flags)); }
REGISTER_SYSCALL(shmget, sys_shmget);

ErrorOr<long> sys_shmat(int id, u64 address, int flags)
{
    return static_cast<long>(TRY(shm_attach(id, address, flags)));
}
REGISTER_SYSCALL(shmat, sys_shmat);

ErrorOr<long> sys_shmdt(u64 address)
{
    TRY(shm_detach(address));
    return 0;
}
REGISTER_SYSCALL(shmdt, sys_shmdt);

ErrorOr<long> sys_shmctl(int id, int cmd, u64 buffer)
{
    cmd = command_of(cmd);
    if (cmd < 0 || id < 0)
        return Error::from_errno(EINVAL);
    i32 found_id = 0;
    switch (cmd) {
    case kIpcInfo:
        TRY(copy_out(buffer, shm_limits()));
        return shm_highest_index();
    case kShmInfo:
        TRY(copy_out(buffer, shm_usage()));
        return shm_highest_index();
    case kShmStat:
    case kShmStatAny: {
        ShmidDs ds = TRY(shm_stat(id, true, cmd == kShmStat, found_id));
        TRY(copy_out(buffer, ds));
        return found_id;
    }
    case kIpcStat: {
        ShmidDs ds = TRY(shm_stat(id, false, true, found_id));
        TRY(copy_out(buffer, ds));
        return 0;
    }
    case kIpcSet: {
        auto request = TRY(copy_in<ShmidDs>(buffer));
        TRY(shm_set(id, request));
        return 0;
    }
    case kIpcRmid:
        TRY(shm_remove(id));
        return 0;
    case kShmLock:
    case kShmUnlock:
        TRY(shm_set_locked(id, cmd == kShmLock));
        return 0;
    default:
        return Error::from_errno(EINVAL);
    }
}
REGISTER_SYSCALL(shmctl, sys_shmctl);

// ---- message queues ----

ErrorOr<long> sys_msgget(int key, int flags) { return TRY(msg_get(key, flags)); }
REGISTER_SYSCALL(msgget, sys_msgget);

// struct msgbuf: a long type, then the text.
constexpr u64 kTextOffset = sizeof(i64);

ErrorOr<long> sys_msgsnd(int id, u64 buffer, u64 size, int flags)
{
    auto type = TRY(copy_in<i64>(buffer));
    if (size > kMsgMax || static_cast<i64>(size) < 0 || id < 0)
        return Error::from_errno(EINVAL);
    if (type < 1)
        return Error::from_errno(EINVAL);
    Message* message = TRY(allocate_message(size));
    message->type = type;
    auto result = copy_from_user(message->text(), buffer + kTextOffset, size);
    if (!result.is_error())
        result = msg_send(id, message, flags);
    if (result.is_error()) {
        free_message(message);
        return result.error();
    }
    return 0;
}
REGISTER_SYSCALL(msgsnd, sys_msgsnd);

ErrorOr<long> sys_msgrcv(int id, u64 buffer, u64 size, i64 type, int flags)
{
    if (id < 0 || static_cast<i64>(size) < 0)
        return Error::from_errno(EINVAL);
    Message* message = TRY(msg_receive(id, size, type, flags));
    // Taken off the queue: a bad buffer now loses it, as on Linux.
    usize count = message->size < size ? message->size : size;
    auto result = copy_out(buffer, message->type);
    if (!result.is_error())
        result = copy_to_user(buffer + kTextOffset, message->text(), count);
    free_message(message);
    if (result.is_error())
        return result.error();
    return static_cast<long>(count);
}
REGISTER_SYSCALL(msgrcv, sys_msgrcv);

ErrorOr<long> sys_msgctl(int id, int cmd, u64 buffer)
{
    cmd = command_of(cmd);
    if (cmd < 0 || id < 0)
        return Error::from_errno(EINVAL);
    i32 found_id = 0;
    switch (cmd) {
    case kIpcInfo:
    case kMsgInfo:
        TRY(copy_out(buffer, msg_info(cmd == kMsgInfo)));
        return msg_highest_index();
    case kMsgStat:
    case kMsgStatAny: {
        MsqidDs ds = TRY(msg_stat(id, true, cmd == kMsgStat, found_id));
        TRY(copy_out(buffer, ds));
        return found_id;
    }
    case kIpcStat: {
        MsqidDs ds = TRY(msg_stat(id, false, true, found_id));
        TRY(copy_out(buffer, ds));
        return 0;
    }
    case kIpcSet: {
        auto request = TRY(copy_in<MsqidDs>(buffer));
        TRY(msg_set(id, request));
        return 0;
    }
    case kIpcRmid:
        TRY(msg_remove(id));
        return 0;
    default:
        return Error::from_errno(EINVAL);
    }
}
REGISTER_SYSCALL(msgctl, sys_msgctl);

// ---- semaphores ----

ErrorOr<long> sys_semget(int key, int nsems, int flags) { return TRY(sem_get(key, nsems, flags)); }
REGISTER_SYSCALL(semget, sys_semget);

struct TimeSpec {
    i64 seconds;
    i64 nanoseconds;
};

ErrorOr<long> sys_semtimedop(int id, u64 operations, u64 count, u64 timeout)
{
    if (count < 1 || id < 0)
        return Error::from_errno(EINVAL);
    if (count > kSemOpm)
        return Error::from_errno(E2BIG);
    // Most calls carry a few operations: those stay on the stack.
    constexpr usize kInline = 16;
    SemBuf inline_buffer[kInline];
    SemBuf* buffer = inline_buffer;
    if (count > kInline) {
        buffer = new (std::nothrow) SemBuf[count];
        if (!buffer)
            return Error::from_errno(ENOMEM);
    }
    auto result = [&]() -> ErrorOr<void> {
        TRY(copy_from_user(buffer, operations, count * sizeof(SemBuf)));
        u64 deadline = 0;
        if (timeout) {
            auto spec = TRY(copy_in<TimeSpec>(timeout));
            if (spec.seconds < 0 || spec.nanoseconds < 0 || spec.nanoseconds >= 1000000000)
                return Error::from_errno(EINVAL);
            u64 seconds = static_cast<u64>(spec.seconds);
            u64 ns = seconds > 1000000000ull * 100 ? ~0ull / 4 : seconds * 1000000000ull + static_cast<u64>(spec.nanoseconds);
            deadline = ktime::monotonic_ns() + ns;
            if (deadline == 0)
                deadline = 1; // 0 would mean no timeout
        }
        return sem_operate(id, buffer, count, deadline);
    }();
    if (buffer != inline_buffer)
        delete[] buffer;
    if (result.is_error())
        return result.error();
    return 0;
}
REGISTER_SYSCALL(semtimedop, sys_semtimedop);

ErrorOr<long> sys_semop(int id, u64 operations, u64 count) { return sys_semtimedop(id, operations, count, 0); }
REGISTER_SYSCALL(semop, sys_semop);

// GETALL and SETALL: the values of the whole set, through a kernel copy.
ErrorOr<long> transfer_all(int id, int cmd, u64 array)
{
    u32 count = TRY(sem_count(id));
    auto* values = new (std::nothrow) u16[count];
    if (!values)
        return Error::from_errno(ENOMEM);
    ErrorOr<void> result;
    if (cmd == kGetAll) {
        result = sem_get_all(id, values, count);
        if (!result.is_error())
            result = copy_to_user(array, values, count * sizeof(u16));
    } else {
        result = copy_from_user(values, array, count * sizeof(u16));
        if (!result.is_error())
            result = sem_set_all(id, values, count);
    }
    delete[] values;
    if (result.is_error())
        return result.error();
    return 0;
}

// The fourth argument is union semun, passed by value: an int for SETVAL,
// a pointer for the rest.
ErrorOr<long> sys_semctl(int id, int semnum, int cmd, u64 argument)
{
    cmd = command_of(cmd);
    if (id < 0)
        return Error::from_errno(EINVAL);
    i32 found_id = 0;
    switch (cmd) {
    case kIpcInfo:
    case kSemInfo:
        TRY(copy_out(argument, sem_info(cmd == kSemInfo)));
        return sem_highest_index();
    case kSemStat:
    case kSemStatAny: {
        SemidDs ds = TRY(sem_stat(id, true, cmd == kSemStat, found_id));
        TRY(copy_out(argument, ds));
        return found_id;
    }
    case kIpcStat: {
        SemidDs ds = TRY(sem_stat(id, false, true, found_id));
        TRY(copy_out(argument, ds));
        return 0;
    }
    case kGetVal:
    case kGetPid:
    case kGetNcnt:
    case kGetZcnt:
        return TRY(sem_read(id, semnum, cmd));
    case kSetVal:
        TRY(sem_set_value(id, semnum, static_cast<int>(argument)));
        return 0;
    case kGetAll:
    case kSetAll:
        return transfer_all(id, cmd, argument);
    case kIpcSet: {
        auto request = TRY(copy_in<SemidDs>(argument));
        TRY(sem_set(id, request));
        return 0;
    }
    case kIpcRmid:
        TRY(sem_remove(id));
        return 0;
    default:
        return Error::from_errno(EINVAL);
    }
}
REGISTER_SYSCALL(semctl, sys_semctl);

}
