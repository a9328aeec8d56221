// Process and thread calls (CONCEPTS C2, C5, C6, C7, D1): identity, fork,
// vfork, clone, clone3, execve, exit, exit_group, wait4, waitid,
// set_tid_address, robust lists, arch_prctl, prctl names, reboot.
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/interrupts_off.h>
#include <arch/x86_64/qemu_exit.h>
#include <arch/x86_64/user_mode.h>
#include <lib/log.h>
#include <lib/string.h>
#include <proc/clone.h>
#include <proc/current.h>
#include <proc/exec.h>
#include <proc/process_manager.h>
#include <proc/user_return.h>
#include <proc/wait.h>
#include <sched/scheduler.h>
#include <security/permissions.h>
#include <syscall/syscall.h>

namespace {

constexpr int kSigChld = 17;

int exit_status(int code) { return (code & 0xff) << 8; }

ErrorOr<long> sys_getpid() { return current::process().pid(); }
REGISTER_SYSCALL(getpid, sys_getpid);

ErrorOr<long> sys_gettid() { return current::thread().tid; }
REGISTER_SYSCALL(gettid, sys_gettid);

ErrorOr<long> sys_getppid()
{
    MutexLocker locker(process::lock());
    return current::process().parent_pid();
}
REGISTER_SYSCALL(getppid, sys_getppid);

ErrorOr<long> sys_getuid() { return current::credentials().uid; }
REGISTER_SYSCALL(getuid, sys_getuid);
ErrorOr<long> sys_geteuid() { return current::credentials().euid; }
REGISTER_SYSCALL(geteuid, sys_geteuid);
ErrorOr<long> sys_getgid() { return current::credentials().gid; }
REGISTER_SYSCALL(getgid, sys_getgid);
ErrorOr<long> sys_getegid() { return current::credentials().egid; }
REGISTER_SYSCALL(getegid, sys_getegid);

ErrorOr<long> sys_setpgid(pid_t pid, pid_t pgid) { return ProcessManager::set_process_group(pid, pgid); }
REGISTER_SYSCALL(setpgid, sys_setpgid);
ErrorOr<long> sys_getpgid(pid_t pid) { return ProcessManager::process_group_of(pid, false); }
REGISTER_SYSCALL(getpgid, sys_getpgid);
ErrorOr<long> sys_getpgrp() { return ProcessManager::process_group_of(0, false); }
REGISTER_SYSCALL(getpgrp, sys_getpgrp);
ErrorOr<long> sys_getsid(pid_t pid) { return ProcessManager::process_group_of(pid, true); }
REGISTER_SYSCALL(getsid, sys_getsid);
ErrorOr<long> sys_setsid() { return ProcessManager::create_session(); }
REGISTER_SYSCALL(setsid, sys_setsid);

ErrorOr<long> sys_exit(int code) { process::exit_user_thread(exit_status(code)); }
REGISTER_SYSCALL(exit, sys_exit);

ErrorOr<long> sys_exit_group(int code) { process::exit_group(exit_status(code)); }
REGISTER_SYSCALL(exit_group, sys_exit_group);

ErrorOr<long> sys_fork(InterruptFrame& frame)
{
    CloneRequest request;
    request.exit_signal = kSigChld;
    return ProcessManager::clone(frame, request);
}
REGISTER_SYSCALL(fork, sys_fork);

ErrorOr<long> sys_vfork(InterruptFrame& frame)
{
    CloneRequest request;
    request.flags = clone_flags::kVm | clone_flags::kVfork;
    request.exit_signal = kSigChld;
    return ProcessManager::clone(frame, request);
}
REGISTER_SYSCALL(vfork, sys_vfork);

// x86-64 argument order: flags, stack, parent_tid, child_tid, tls.
ErrorOr<long> sys_clone(InterruptFrame& frame, u64 flags, u64 stack, u64 parent_tid, u64 child_tid, u64 tls)
{
    CloneRequest request;
    request.flags = flags & ~0xffull;
    request.exit_signal = static_cast<int>(flags & 0xff);
    request.stack = stack;
    request.parent_tid = parent_tid;
    request.child_tid = child_tid;
    request.tls = tls;
    if ((request.flags & clone_flags::kThread) && request.exit_signal)
        request.exit_signal = 0; // threads send no exit signal
    return ProcessManager::clone(frame, request);
}
REGISTER_SYSCALL(clone, sys_clone);

struct CloneArgs {
    u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

ErrorOr<long> sys_clone3(InterruptFrame& frame, UserPtr<CloneArgs> user_args, usize size)
{
    constexpr usize kVersion0Size = 64;
    if (size < kVersion0Size || size > 4096)
        return Error::from_errno(EINVAL);
    CloneArgs args {};
    TRY(copy_from_user(&args, user_args.address(), size < sizeof(args) ? size : sizeof(args)));
    if (args.exit_signal > 64 || args.set_tid || args.set_tid_size || (args.stack && !args.stack_size))
        return Error::from_errno(EINVAL);
    CloneRequest request;
    request.flags = args.flags;
    request.exit_signal = static_cast<int>(args.exit_signal);
    request.stack = args.stack ? args.stack + args.stack_size : 0;
    request.parent_tid = args.parent_tid;
    request.child_tid = args.child_tid;
    request.tls = args.tls;
    return ProcessManager::clone(frame, request);
}
REGISTER_SYSCALL(clone3, sys_clone3);

ErrorOr<long> sys_execve(InterruptFrame& frame, UserPtr<char const> path, u64 argv, u64 envp)
{
    return exec::execve(frame, path, argv, envp);
}
REGISTER_SYSCALL(execve, sys_execve);

ErrorOr<long> sys_wait4(pid_t pid, UserPtr<int> user_status, int options, UserPtr<u8> user_rusage)
{
    if (options & ~(wait_options::kNoHang | wait_options::kUntraced | wait_options::kContinued | wait_options::kNoThread
            | wait_options::kAll | wait_options::kClone))
        return Error::from_errno(EINVAL);
    if (pid == INT32_MIN)
        return Error::from_errno(ESRCH);
    auto selector = pid > 0 ? wait_request::Selector::Pid
        : pid == -1         ? wait_request::Selector::Any
                            : wait_request::Selector::Group;
    pid_t id = pid < -1 ? -pid : (pid > 0 ? pid : 0);
    auto result = TRY(process::wait(selector, id, options | wait_options::kExited));
    if (result.pid > 0 && !user_status.is_null())
        TRY(copy_to_user(user_status, result.status));
    if (result.pid > 0 && !user_rusage.is_null())
        TRY(clear_user(user_rusage.address(), 144)); // struct rusage; the child's times come with getrusage's work
    return result.pid;
}
REGISTER_SYSCALL(wait4, sys_wait4);

ErrorOr<long> sys_waitid(int id_type, i32 id, UserPtr<u8> user_info, int options, UserPtr<u8> user_rusage)
{
    constexpr int kPidAll = 0, kPidPid = 1, kPidGroup = 2;
    wait_request::Selector selector;
    switch (id_type) {
    case kPidAll:
        selector = wait_request::Selector::Any;
        break;
    case kPidPid:
        if (id <= 0)
            return Error::from_errno(EINVAL);
        selector = wait_request::Selector::Pid;
        break;
    case kPidGroup:
        if (id < 0)
            return Error::from_errno(EINVAL);
        selector = wait_request::Selector::Group;
        break;
    default:
        return Error::from_errno(EINVAL);
    }
    if (!(options & (wait_options::kExited | wait_options::kUntraced | wait_options::kContinued)))
        return Error::from_errno(EINVAL);
    auto result = TRY(process::wait(selector, id, options));
    if (!user_info.is_null()) {
        // siginfo_t for SIGCHLD: signo, errno, code, then pid, uid, status.
        struct {
            i32 signo, error, code, pad;
            i32 pid;
            u32 uid;
            i32 status;
            u8 rest[128 - 28];
        } info {};
        if (result.pid > 0) {
            info.signo = kSigChld;
            info.pid = result.pid;
            info.uid = result.uid;
            int signal = result.status & 0x7f;
            if (result.status == 0xffff) {
                info.code = 6; // CLD_CONTINUED
                info.status = 18; // SIGCONT
            } else if ((result.status & 0xff) == 0x7f) {
                info.code = 5; // CLD_STOPPED
                info.status = (result.status >> 8) & 0xff;
            } else if (signal == 0) {
                info.code = 1; // CLD_EXITED
                info.status = (result.status >> 8) & 0xff;
            } else {
                info.code = (result.status & 0x80) ? 3 : 2; // CLD_DUMPED, CLD_KILLED
                info.status = signal;
            }
        }
        static_assert(sizeof(info) == 128);
        TRY(copy_to_user(user_info.address(), &info, sizeof(info)));
    }
    if (!user_rusage.is_null())
        TRY(clear_user(user_rusage.address(), 144));
    return 0;
}
REGISTER_SYSCALL(waitid, sys_waitid);

ErrorOr<long> sys_set_tid_address(UserPtr<int> address)
{
    Thread& me = current::thread();
    MutexLocker locker(process::lock());
    if (ProcessThread* member = ProcessManager::member_of(current::process(), me))
        member->clear_child_tid = address.address();
    return me.tid;
}
REGISTER_SYSCALL(set_tid_address, sys_set_tid_address);

ErrorOr<long> sys_set_robust_list(u64 head, usize length)
{
    constexpr usize kRobustListHeadSize = 24;
    if (length != kRobustListHeadSize)
        return Error::from_errno(EINVAL);
    MutexLocker locker(process::lock());
    if (ProcessThread* member = ProcessManager::member_of(current::process(), current::thread()))
        member->robust_list = head;
    return 0;
}
REGISTER_SYSCALL(set_robust_list, sys_set_robust_list);

ErrorOr<long> sys_arch_prctl(int code, u64 address)
{
    constexpr int kSetGs = 0x1001, kSetFs = 0x1002, kGetFs = 0x1003, kGetGs = 0x1004;
    Thread& me = current::thread();
    switch (code) {
    case kSetFs:
    case kSetGs: {
        if (!user_mode::is_canonical_user_address(address))
            return Error::from_errno(EPERM);
        InterruptsOff off;
        if (code == kSetFs) {
            me.fs_base = address;
            cpu::wrmsr(cpu::MSR_FS_BASE, address);
        } else {
            me.user_gs_base = address;
            cpu::wrmsr(cpu::MSR_KERNEL_GS_BASE, address); // the user's GS while the kernel runs
        }
        return 0;
    }
    case kGetFs:
        TRY(copy_to_user(UserPtr<u64>(address), me.fs_base));
        return 0;
    case kGetGs:
        TRY(copy_to_user(UserPtr<u64>(address), me.user_gs_base));
        return 0;
    default:
        return Error::from_errno(EINVAL);
    }
}
REGISTER_SYSCALL(arch_prctl, sys_arch_prctl);

ErrorOr<long> sys_prctl(int option, u64 argument2, u64, u64, u64)
{
    constexpr int kSetName = 15, kGetName = 16;
    Thread& me = current::thread();
    switch (option) {
    case kSetName: {
        char name[16] {};
        auto length = strncpy_from_user(name, argument2, sizeof(name));
        if (length.is_error() && length.error().code() != ENAMETOOLONG)
            return length.error();
        name[15] = 0;
        memcpy(me.name, name, sizeof(me.name));
        return 0;
    }
    case kGetName: {
        char name[16] {};
        memcpy(name, me.name, sizeof(name) - 1);
        TRY(copy_to_user(argument2, name, sizeof(name)));
        return 0;
    }
    default:
        log_notice("prctl: option %d is not supported: EINVAL", option);
        return Error::from_errno(EINVAL);
    }
}
REGISTER_SYSCALL(prctl, sys_prctl);

ErrorOr<long> sys_reboot(u32 magic1, u32 magic2, u32 command, u64)
{
    constexpr u32 kMagic1 = 0xfee1dead;
    constexpr u32 kMagic2[] = { 672274793, 85072278, 369367448, 537993216 };
    constexpr u32 kRestart = 0x01234567, kHalt = 0xcdef0123, kPowerOff = 0x4321fedc, kCadOn = 0x89abcdef,
                  kCadOff = 0;
    // Linux asks for CAP_SYS_BOOT before it looks at the magic numbers.
    TRY(security::check_admin(current::credentials()));
    if (magic1 != kMagic1)
        return Error::from_errno(EINVAL);
    bool magic_ok = false;
    for (u32 magic : kMagic2)
        magic_ok = magic_ok || magic == magic2;
    if (!magic_ok)
        return Error::from_errno(EINVAL);
    switch (command) {
    case kCadOn:
    case kCadOff:
        return 0;
    case kRestart:
    case kHalt:
    case kPowerOff:
        log_notice("reboot: %s requested by pid %d", command == kRestart ? "restart" : "power off",
            current::process().pid());
        // Under QEMU the isa-debug-exit device ends the emulator: an
        // orderly power-off is a successful run.
        qemu::exit(true);
    default:
        return Error::from_errno(EINVAL);
    }
}
REGISTER_SYSCALL(reboot, sys_reboot);

}
