// The pure signal rules (kernel/proc/signal_abi.h) against Linux: the
// numbers, flags, codes and struct layouts the host's own <signal.h>
// uses, the order signals are taken in, sigprocmask and sigaction checks,
// default actions, siginfo builders, wait statuses, sigaltstack, the
// restart decision for interrupted system calls, kill permissions,
// interval timers and the FPU fault codes.
#include <cstddef>
#include <gtest/gtest.h>
#include <lib/errno.h>
#include <proc/signal_abi.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>

using namespace signals;

TEST(SignalAbi, numbers_match_linux)
{
    EXPECT_EQ(kSigHup, SIGHUP);
    EXPECT_EQ(kSigInt, SIGINT);
    EXPECT_EQ(kSigQuit, SIGQUIT);
    EXPECT_EQ(kSigIll, SIGILL);
    EXPECT_EQ(kSigTrap, SIGTRAP);
    EXPECT_EQ(kSigAbrt, SIGABRT);
    EXPECT_EQ(kSigBus, SIGBUS);
    EXPECT_EQ(kSigFpe, SIGFPE);
    EXPECT_EQ(kSigKill, SIGKILL);
    EXPECT_EQ(kSigUsr1, SIGUSR1);
    EXPECT_EQ(kSigSegv, SIGSEGV);
    EXPECT_EQ(kSigUsr2, SIGUSR2);
    EXPECT_EQ(kSigPipe, SIGPIPE);
    EXPECT_EQ(kSigAlrm, SIGALRM);
    EXPECT_EQ(kSigTerm, SIGTERM);
    EXPECT_EQ(kSigStkflt, SIGSTKFLT);
    EXPECT_EQ(kSigChld, SIGCHLD);
    EXPECT_EQ(kSigCont, SIGCONT);
    EXPECT_EQ(kSigStop, SIGSTOP);
    EXPECT_EQ(kSigTstp, SIGTSTP);
    EXPECT_EQ(kSigTtin, SIGTTIN);
    EXPECT_EQ(kSigTtou, SIGTTOU);
    EXPECT_EQ(kSigUrg, SIGURG);
    EXPECT_EQ(kSigXcpu, SIGXCPU);
    EXPECT_EQ(kSigXfsz, SIGXFSZ);
    EXPECT_EQ(kSigVtalrm, SIGVTALRM);
    EXPECT_EQ(kSigProf, SIGPROF);
    EXPECT_EQ(kSigWinch, SIGWINCH);
    EXPECT_EQ(kSigIo, SIGIO);
    EXPECT_EQ(kSigPwr, SIGPWR);
    EXPECT_EQ(kSigSys, SIGSYS);
    EXPECT_EQ(kSigRtMin, __SIGRTMIN);
    EXPECT_EQ(kSigMax, __SIGRTMAX);
}

TEST(SignalAbi, flags_and_codes_match_linux)
{
    EXPECT_EQ(kSaNoCldStop, static_cast<u64>(SA_NOCLDSTOP));
    EXPECT_EQ(kSaNoCldWait, static_cast<u64>(SA_NOCLDWAIT));
    EXPECT_EQ(kSaSigInfo, static_cast<u64>(SA_SIGINFO));
    EXPECT_EQ(kSaOnStack, static_cast<u64>(SA_ONSTACK));
    EXPECT_EQ(kSaRestart, static_cast<u64>(SA_RESTART));
    EXPECT_EQ(kSaNoDefer, static_cast<u64>(SA_NODEFER));
    EXPECT_EQ(kSaResetHand, static_cast<u64>(static_cast<u32>(SA_RESETHAND)));
    EXPECT_EQ(kSigBlock, SIG_BLOCK);
    EXPECT_EQ(kSigUnblock, SIG_UNBLOCK);
    EXPECT_EQ(kSigSetMask, SIG_SETMASK);
    EXPECT_EQ(kSiUser, SI_USER);
    EXPECT_EQ(kSiKernel, SI_KERNEL);
    EXPECT_EQ(kSiQueue, SI_QUEUE);
    EXPECT_EQ(kSiTimer, SI_TIMER);
    EXPECT_EQ(kSiTkill, SI_TKILL);
    EXPECT_EQ(kIllIllopn, ILL_ILLOPN);
    EXPECT_EQ(kIllPrvopc, ILL_PRVOPC);
    EXPECT_EQ(kFpeIntdiv, FPE_INTDIV);
    EXPECT_EQ(kFpeFltinv, FPE_FLTINV);
    EXPECT_EQ(kFpeFltres, FPE_FLTRES);
    EXPECT_EQ(kSegvMaperr, SEGV_MAPERR);
    EXPECT_EQ(kSegvAccerr, SEGV_ACCERR);
    EXPECT_EQ(kBusAdraln, BUS_ADRALN);
    EXPECT_EQ(kBusAdrerr, BUS_ADRERR);
    EXPECT_EQ(kTrapBrkpt, TRAP_BRKPT);
    EXPECT_EQ(kTrapTrace, TRAP_TRACE);
    EXPECT_EQ(kCldExited, CLD_EXITED);
    EXPECT_EQ(kCldKilled, CLD_KILLED);
    EXPECT_EQ(kCldDumped, CLD_DUMPED);
    EXPECT_EQ(kCldStopped, CLD_STOPPED);
    EXPECT_EQ(kCldContinued, CLD_CONTINUED);
    EXPECT_EQ(kSsOnStack, SS_ONSTACK);
    EXPECT_EQ(kSsDisable, SS_DISABLE);
    EXPECT_EQ(kMinSigStackSize, 2048u); // the kernel's MINSIGSTKSZ (glibc's now asks sysconf)
    EXPECT_EQ(kItimerReal, ITIMER_REAL);
    EXPECT_EQ(kItimerVirtual, ITIMER_VIRTUAL);
    EXPECT_EQ(kItimerProf, ITIMER_PROF);
}

TEST(SignalAbi, siginfo_layout_matches_linux)
{
    EXPECT_EQ(sizeof(SigInfo), sizeof(siginfo_t));
    EXPECT_EQ(offsetof(SigInfo, signo), offsetof(siginfo_t, si_signo));
    EXPECT_EQ(offsetof(SigInfo, error), offsetof(siginfo_t, si_errno));
    EXPECT_EQ(offsetof(SigInfo, code), offsetof(siginfo_t, si_code));
    EXPECT_EQ(offsetof(SigInfo, fields.kill.pid), offsetof(siginfo_t, si_pid));
    EXPECT_EQ(offsetof(SigInfo, fields.kill.uid), offsetof(siginfo_t, si_uid));
    EXPECT_EQ(offsetof(SigInfo, fields.kill.value), offsetof(siginfo_t, si_value));
    EXPECT_EQ(offsetof(SigInfo, fields.child.status), offsetof(siginfo_t, si_status));
    EXPECT_EQ(offsetof(SigInfo, fields.child.utime), offsetof(siginfo_t, si_utime));
    EXPECT_EQ(offsetof(SigInfo, fields.child.stime), offsetof(siginfo_t, si_stime));
    EXPECT_EQ(offsetof(SigInfo, fields.fault.address), offsetof(siginfo_t, si_addr));
    EXPECT_EQ(offsetof(SigInfo, fields.fault.address_lsb), offsetof(siginfo_t, si_addr_lsb));

    EXPECT_EQ(sizeof(StackT), sizeof(stack_t));
    EXPECT_EQ(offsetof(StackT, sp), offsetof(stack_t, ss_sp));
    EXPECT_EQ(offsetof(StackT, flags), offsetof(stack_t, ss_flags));
    EXPECT_EQ(offsetof(StackT, size), offsetof(stack_t, ss_size));

    // struct sigaction as rt_sigaction takes it (the kernel's own, not
    // glibc's): handler, flags, restorer, then the 8-byte mask.
    EXPECT_EQ(offsetof(KernelSigAction, handler), 0u);
    EXPECT_EQ(offsetof(KernelSigAction, flags), 8u);
    EXPECT_EQ(offsetof(KernelSigAction, restorer), 16u);
    EXPECT_EQ(offsetof(KernelSigAction, mask), 24u);

    EXPECT_EQ(sizeof(ITimerVal), sizeof(itimerval));
    EXPECT_EQ(offsetof(ITimerVal, value), offsetof(itimerval, it_value));
}

TEST(SignalSets, next_signal_takes_synchronous_then_lowest)
{
    EXPECT_EQ(next_signal(0), 0);
    EXPECT_EQ(next_signal(bit(kSigTerm)), kSigTerm);
    EXPECT_EQ(next_signal(bit(kSigTerm) | bit(kSigInt)), kSigInt);
    EXPECT_EQ(next_signal(bit(kSigHup) | bit(kSigSegv)), kSigSegv);
    EXPECT_EQ(next_signal(bit(kSigFpe) | bit(kSigSegv) | bit(kSigKill)), kSigFpe);
    EXPECT_EQ(next_signal(bit(kSigMax)), kSigMax);
    EXPECT_EQ(next_signal(bit(kSigRtMin + 3) | bit(kSigRtMin + 1)), kSigRtMin + 1);
}

TEST(SignalSets, sigprocmask_never_blocks_kill_or_stop)
{
    SigSet blocked = 0;
    EXPECT_TRUE(apply_sigprocmask(kSigBlock, ~SigSet(0), blocked));
    EXPECT_EQ(blocked, ~kUnblockable);
    EXPECT_TRUE(apply_sigprocmask(kSigUnblock, bit(kSigUsr1), blocked));
    EXPECT_FALSE(contains(blocked, kSigUsr1));
    EXPECT_TRUE(contains(blocked, kSigUsr2));
    EXPECT_TRUE(apply_sigprocmask(kSigSetMask, bit(kSigKill) | bit(kSigInt), blocked));
    EXPECT_EQ(blocked, bit(kSigInt));
    SigSet unchanged = blocked;
    EXPECT_FALSE(apply_sigprocmask(3, 0, blocked));
    EXPECT_FALSE(apply_sigprocmask(-1, 0, blocked));
    EXPECT_EQ(blocked, unchanged);
}

TEST(SignalActions, sigkill_and_sigstop_cannot_be_caught)
{
    KernelSigAction action { 0x401000, kSaSigInfo, 0x402000, 0 };
    EXPECT_EQ(check_new_action(kSigKill, action), EINVAL);
    EXPECT_EQ(check_new_action(kSigStop, action), EINVAL);
    EXPECT_EQ(check_new_action(0, action), EINVAL);
    EXPECT_EQ(check_new_action(65, action), EINVAL);
    EXPECT_EQ(check_new_action(kSigTerm, action), 0);
}

TEST(SignalActions, unknown_flags_and_unblockable_mask_bits_are_dropped)
{
    KernelSigAction action { 0x401000, kSaRestart | kSaRestorer | kSaUnsupported | 0x100, 0x402000,
        bit(kSigKill) | bit(kSigStop) | bit(kSigUsr1) };
    EXPECT_EQ(check_new_action(kSigUsr2, action), 0);
    EXPECT_EQ(action.flags, kSaRestart | kSaRestorer);
    EXPECT_EQ(action.mask, bit(kSigUsr1));
}

TEST(SignalActions, default_actions_follow_posix)
{
    for (int signal : { kSigHup, kSigInt, kSigKill, kSigUsr1, kSigUsr2, kSigPipe, kSigAlrm, kSigTerm, kSigStkflt,
             kSigVtalrm, kSigProf, kSigIo, kSigPwr, kSigRtMin, kSigMax })
        EXPECT_EQ(default_action(signal), DefaultAction::Terminate) << signal;
    for (int signal : { kSigQuit, kSigIll, kSigTrap, kSigAbrt, kSigBus, kSigFpe, kSigSegv, kSigXcpu, kSigXfsz, kSigSys })
        EXPECT_EQ(default_action(signal), DefaultAction::CoreDump) << signal;
    for (int signal : { kSigStop, kSigTstp, kSigTtin, kSigTtou })
        EXPECT_EQ(default_action(signal), DefaultAction::Stop) << signal;
    EXPECT_EQ(default_action(kSigCont), DefaultAction::Continue);
    for (int signal : { kSigChld, kSigUrg, kSigWinch })
        EXPECT_EQ(default_action(signal), DefaultAction::Ignore) << signal;
}

TEST(SignalActions, ignored_means_sig_ign_or_a_default_that_does_nothing)
{
    KernelSigAction dfl {};
    KernelSigAction ign { kSigIgn, 0, 0, 0 };
    KernelSigAction handler { 0x401000, 0, 0, 0 };
    EXPECT_TRUE(is_ignored(dfl, kSigChld));
    EXPECT_TRUE(is_ignored(dfl, kSigCont));
    EXPECT_TRUE(is_ignored(dfl, kSigWinch));
    EXPECT_FALSE(is_ignored(dfl, kSigTerm));
    EXPECT_FALSE(is_ignored(dfl, kSigStop));
    EXPECT_TRUE(is_ignored(ign, kSigTerm));
    EXPECT_FALSE(is_ignored(handler, kSigChld));
}

TEST(SignalActions, exec_resets_handlers_and_keeps_ignored)
{
    KernelSigAction handler { 0x401000, kSaRestart | kSaSigInfo, 0x402000, bit(kSigInt) };
    reset_action_for_exec(handler);
    EXPECT_EQ(handler.handler, kSigDfl);
    EXPECT_EQ(handler.flags, 0u);
    EXPECT_EQ(handler.restorer, 0u);
    EXPECT_EQ(handler.mask, 0u);
    KernelSigAction ignored { kSigIgn, kSaRestart, 0x402000, bit(kSigInt) };
    reset_action_for_exec(ignored);
    EXPECT_EQ(ignored.handler, kSigIgn);
    EXPECT_EQ(ignored.flags, 0u);
}

TEST(SignalInfo, builders_fill_the_right_fields)
{
    auto sender = make_sender_info(kSigUsr1, kSiTkill, 42, 1000);
    EXPECT_EQ(sender.signo, kSigUsr1);
    EXPECT_EQ(sender.code, kSiTkill);
    EXPECT_EQ(sender.fields.kill.pid, 42);
    EXPECT_EQ(sender.fields.kill.uid, 1000u);
    auto fault = make_fault_info(kSigSegv, kSegvAccerr, 0xdead000);
    siginfo_t host;
    static_assert(sizeof(host) == sizeof(fault));
    memcpy(&host, &fault, sizeof(host));
    EXPECT_EQ(host.si_signo, SIGSEGV);
    EXPECT_EQ(host.si_code, SEGV_ACCERR);
    EXPECT_EQ(reinterpret_cast<u64>(host.si_addr), 0xdead000u);
    auto child = make_child_info(kSigChld, kCldExited, 77, 5, 3, 2500000000ull, 10000000ull);
    memcpy(&host, &child, sizeof(host));
    EXPECT_EQ(host.si_pid, 77);
    EXPECT_EQ(host.si_uid, 5u);
    EXPECT_EQ(host.si_status, 3);
    EXPECT_EQ(host.si_utime, 250); // clock ticks of 10 ms
    EXPECT_EQ(host.si_stime, 1);
    auto kernel = make_kernel_info(kSigAlrm);
    EXPECT_EQ(kernel.code, kSiKernel);
}

TEST(SignalInfo, child_exit_codes_from_wait_statuses)
{
    int code = 0;
    int status = 0;
    child_exit_code(wait_status_exited(7), code, status);
    EXPECT_EQ(code, kCldExited);
    EXPECT_EQ(status, 7);
    child_exit_code(wait_status_killed(kSigTerm, false), code, status);
    EXPECT_EQ(code, kCldKilled);
    EXPECT_EQ(status, kSigTerm);
    child_exit_code(wait_status_killed(kSigSegv, true), code, status);
    EXPECT_EQ(code, kCldDumped);
    EXPECT_EQ(status, kSigSegv);
}

TEST(SignalInfo, wait_statuses_decode_with_the_c_library_macros)
{
    int exited = wait_status_exited(300);
    EXPECT_TRUE(WIFEXITED(exited));
    EXPECT_EQ(WEXITSTATUS(exited), 300 & 0xff);
    int killed = wait_status_killed(kSigKill, false);
    EXPECT_TRUE(WIFSIGNALED(killed));
    EXPECT_EQ(WTERMSIG(killed), SIGKILL);
    EXPECT_FALSE(WCOREDUMP(killed));
    EXPECT_TRUE(WCOREDUMP(wait_status_killed(kSigSegv, true)));
    int stopped = wait_status_stopped(kSigTstp);
    EXPECT_TRUE(WIFSTOPPED(stopped));
    EXPECT_EQ(WSTOPSIG(stopped), SIGTSTP);
    EXPECT_FALSE(WIFSIGNALED(stopped));
    EXPECT_TRUE(WIFCONTINUED(kWaitStatusContinued));
    EXPECT_FALSE(WIFEXITED(kWaitStatusContinued));
}

TEST(SignalAltStack, set_query_and_errors)
{
    AltStack stack;
    EXPECT_EQ(stack.status(0x7000), kSsDisable);
    StackT request { 0x10000, 0, 0, 0x4000 };
    EXPECT_EQ(apply_sigaltstack(stack, request, 0x7fff0000), 0);
    EXPECT_TRUE(stack.is_enabled());
    EXPECT_EQ(stack.status(0x7fff0000), 0);
    EXPECT_EQ(stack.status(0x12000), kSsOnStack);
    EXPECT_EQ(stack.status(0x14000), kSsOnStack); // the top itself is on it (sp > base, sp - base <= size)
    EXPECT_EQ(stack.status(0x10000), 0);
    // Changing it while running on it: EPERM.
    EXPECT_EQ(apply_sigaltstack(stack, request, 0x12000), EPERM);
    StackT small { 0x10000, 0, 0, 1024 };
    EXPECT_EQ(apply_sigaltstack(stack, small, 0x7fff0000), ENOMEM);
    StackT bad_flags { 0x10000, 0x1234, 0, 0x4000 };
    EXPECT_EQ(apply_sigaltstack(stack, bad_flags, 0x7fff0000), EINVAL);
    StackT disable { 0, kSsDisable, 0, 0 };
    EXPECT_EQ(apply_sigaltstack(stack, disable, 0x7fff0000), 0);
    EXPECT_FALSE(stack.is_enabled());
    auto described = describe_altstack(stack, 0x7fff0000);
    EXPECT_EQ(described.flags, kSsDisable);
}

TEST(SignalAltStack, autodisarm_is_never_on_stack_and_is_reported)
{
    AltStack stack;
    StackT request { 0x10000, static_cast<i32>(kSsAutoDisarm), 0, 0x4000 };
    EXPECT_EQ(apply_sigaltstack(stack, request, 0x7fff0000), 0);
    EXPECT_FALSE(stack.contains(0x12000));
    auto described = describe_altstack(stack, 0x12000);
    EXPECT_EQ(static_cast<u32>(described.flags), kSsAutoDisarm);
    // Since it never counts as "on" it, it may be changed from it.
    EXPECT_EQ(apply_sigaltstack(stack, request, 0x12000), 0);
}

TEST(SignalRestart, read_restarts_with_sa_restart_and_fails_without)
{
    auto restart = restart_class(SYS_read, -EINTR, 0);
    EXPECT_EQ(restart, RestartClass::Sys);
    EXPECT_EQ(decide_restart(restart, true, kSaRestart), RestartDecision::Restart);
    EXPECT_EQ(decide_restart(restart, true, 0), RestartDecision::Eintr);
    EXPECT_EQ(decide_restart(restart, false, 0), RestartDecision::Restart);
    EXPECT_EQ(restart_class(SYS_wait4, -EINTR, 0), RestartClass::Sys);
    EXPECT_EQ(restart_class(SYS_write, -EINTR, 0), RestartClass::Sys);
}

TEST(SignalRestart, sleeps_and_pause_return_eintr_after_a_handler)
{
    for (long number : { SYS_nanosleep, SYS_clock_nanosleep, SYS_pause, SYS_rt_sigsuspend, SYS_poll, SYS_select }) {
        auto restart = restart_class(number, -EINTR, 0);
        EXPECT_EQ(restart, RestartClass::NoHand) << number;
        EXPECT_EQ(decide_restart(restart, true, kSaRestart), RestartDecision::Eintr) << number;
        EXPECT_EQ(decide_restart(restart, false, 0), RestartDecision::Restart) << number;
    }
}

TEST(SignalRestart, futex_waits_with_a_timeout_are_not_restarted_after_a_handler)
{
    EXPECT_EQ(restart_class(SYS_futex, -EINTR, 0), RestartClass::Sys);
    EXPECT_EQ(restart_class(SYS_futex, -EINTR, 0x7fff0000), RestartClass::NoHand);
}

TEST(SignalRestart, kernel_restart_codes_and_other_results)
{
    EXPECT_EQ(restart_class(SYS_getpid, -kErestartSys, 0), RestartClass::Sys);
    EXPECT_EQ(restart_class(SYS_getpid, -kErestartNoIntr, 0), RestartClass::NoIntr);
    EXPECT_EQ(restart_class(SYS_getpid, -kErestartNoHand, 0), RestartClass::NoHand);
    EXPECT_EQ(restart_class(SYS_getpid, -kErestartRestartBlock, 0), RestartClass::NoHand);
    EXPECT_EQ(decide_restart(RestartClass::NoIntr, true, 0), RestartDecision::Restart);
    // Results other than EINTR stand.
    EXPECT_EQ(restart_class(SYS_read, 5, 0), RestartClass::None);
    EXPECT_EQ(restart_class(SYS_read, -EAGAIN, 0), RestartClass::None);
    EXPECT_EQ(decide_restart(RestartClass::None, true, kSaRestart), RestartDecision::Keep);
    // Calls Linux never restarts keep their EINTR, handler or not.
    auto never = restart_class(SYS_rt_sigtimedwait, -EINTR, 0);
    EXPECT_EQ(never, RestartClass::NeverRestart);
    EXPECT_EQ(decide_restart(never, false, 0), RestartDecision::Eintr);
    EXPECT_EQ(decide_restart(never, true, kSaRestart), RestartDecision::Eintr);
}

TEST(SignalPermission, root_same_user_or_sigcont_in_the_session)
{
    auto root = Credentials::root();
    auto alice = Credentials::user(1000, 1000);
    auto bob = Credentials::user(1001, 1001);
    EXPECT_TRUE(may_signal(root, bob, kSigKill, false));
    EXPECT_TRUE(may_signal(alice, alice, kSigTerm, false));
    EXPECT_FALSE(may_signal(alice, bob, kSigTerm, false));
    EXPECT_FALSE(may_signal(alice, root, kSigTerm, false));
    EXPECT_FALSE(may_signal(alice, bob, kSigCont, false));
    EXPECT_TRUE(may_signal(alice, bob, kSigCont, true));
    // A setuid program (effective root, real alice) may be signalled by alice,
    // through its real uid; one that changed only its saved uid likewise.
    auto setuid = Credentials::user(1000, 1000);
    setuid.euid = 0;
    EXPECT_TRUE(may_signal(alice, setuid, kSigTerm, false));
    auto saved = Credentials::user(1001, 1001);
    saved.suid = 1000;
    EXPECT_TRUE(may_signal(alice, saved, kSigTerm, false));
    // The sender's effective uid counts too.
    auto effective = Credentials::user(1001, 1001);
    effective.euid = 1000;
    EXPECT_TRUE(may_signal(effective, alice, kSigTerm, false));
    // ... but not the target's effective uid.
    auto target_effective = Credentials::user(1001, 1001);
    target_effective.euid = 1000;
    EXPECT_FALSE(may_signal(alice, target_effective, kSigTerm, false));
}

TEST(SignalTimers, timeval_checks_and_conversions)
{
    EXPECT_TRUE(is_valid_timeval({ 0, 0 }));
    EXPECT_TRUE(is_valid_timeval({ 5, 999999 }));
    EXPECT_FALSE(is_valid_timeval({ 0, 1000000 }));
    EXPECT_FALSE(is_valid_timeval({ -1, 0 }));
    EXPECT_FALSE(is_valid_timeval({ 0, -1 }));
    EXPECT_EQ(timeval_to_ns({ 2, 500 }), 2000500000u);
    auto back = ns_to_timeval(2000500999u);
    EXPECT_EQ(back.sec, 2);
    EXPECT_EQ(back.usec, 500);
}

TEST(SignalTimers, alarm_rounds_what_is_left)
{
    EXPECT_EQ(alarm_seconds_left(0), 0u);
    EXPECT_EQ(alarm_seconds_left(1000), 1u);          // 1 us left: still pending
    EXPECT_EQ(alarm_seconds_left(4400000000ull), 4u);
    EXPECT_EQ(alarm_seconds_left(4500000000ull), 5u); // from half a second up
    EXPECT_EQ(alarm_seconds_left(5000000000ull), 5u);
}

TEST(SignalTimers, cpu_timers_expire_and_reload)
{
    IntervalTimer timer;
    EXPECT_FALSE(timer.charge(1000)); // disarmed
    timer = { true, 100, 0 };
    EXPECT_FALSE(timer.charge(60));
    EXPECT_EQ(timer.value_ns, 40u);
    EXPECT_TRUE(timer.charge(60));
    EXPECT_FALSE(timer.armed);
    timer = { true, 100, 30 };
    EXPECT_TRUE(timer.charge(250));
    EXPECT_TRUE(timer.armed);
    EXPECT_EQ(timer.value_ns, 30u);
    EXPECT_TRUE(timer.charge(30));
}

TEST(SignalFaults, floating_point_codes)
{
    // x87: FSW bits raised and not masked in FCW.
    EXPECT_EQ(x87_fault_code(0x0004, 0x037b), kFpeFltdiv); // ZE unmasked
    EXPECT_EQ(x87_fault_code(0x0004, 0x037f), 0);           // ZE masked
    EXPECT_EQ(x87_fault_code(0x0001 | 0x0004, 0x0000), kFpeFltinv);
    EXPECT_EQ(x87_fault_code(0x0008, 0x0000), kFpeFltovf);
    EXPECT_EQ(x87_fault_code(0x0010, 0x0000), kFpeFltund);
    EXPECT_EQ(x87_fault_code(0x0020, 0x0000), kFpeFltres);
    // SIMD: MXCSR flags 0-5 against masks 7-12.
    EXPECT_EQ(simd_fault_code((0x1f80 & ~(1u << 9)) | (1u << 2)), kFpeFltdiv);
    EXPECT_EQ(simd_fault_code(0x1f80 | (1u << 2)), 0);
    EXPECT_EQ(simd_fault_code((1u << 0)), kFpeFltinv);
}
