// Signals, the kernel side: sending, delivery, stop and continue, SIGCHLD,
// interval timers, and the hooks of pipes, terminals and faults. See
// signals.h for the state and the lock order; signal_abi.h for the rules
// and signal_frame.h for the handler's frame.
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/fpu.h>
#include <arch/x86_64/gdt.h>
#include <arch/x86_64/interrupts_off.h>
#include <arch/x86_64/percpu.h>
#include <arch/x86_64/smp.h>
#include <arch/x86_64/user_mode.h>
#include <fs/vfs/poll_waiters.h>
#include <lib/log.h>
#include <lib/string.h>
#include <mm/kmalloc.h>
#include <proc/clone.h>
#include <proc/current.h>
#include <proc/posix_timers.h>
#include <proc/process_manager.h>
#include <proc/signal_frame.h>
#include <proc/signals.h>
#include <proc/user_return.h>
#include <proc/wait.h>
#include <sched/clock.h>
#include <sched/scheduler.h>
#include <syscall/uaccess.h>
#include <tty/tty_hooks.h>

static_assert(signals::kUserCs == gdt::kUserCode64);
static_assert(signals::kUserSs == gdt::kUserData);

namespace signals {

namespace {

// RLIMIT_SIGPENDING: how many real-time siginfos may wait, counted per
// receiving process (Linux counts per user).
constexpr int kRlimitSigpending = 11;
// How long after a send that found its thread running the second wake-up
// comes (see ThreadSignals::kick).
constexpr u64 kKickDelayNs = 1000000;
constexpr u32 kDefaultMxcsrMask = 0xffbf;

ProcessSignals& state_of(Process& process) { return process.signal_state(); }

// The calling thread's ProcessThread. Every thread proc/ makes starts in
// run_process_thread with its ProcessThread as the argument (process.cpp,
// add_thread_locked), which the scheduler keeps in Thread::entry_argument;
// the ProcessThread lives until the thread exits.
ProcessThread* current_member_or_null()
{
    Thread* thread = sched::current();
    auto* member = static_cast<ProcessThread*>(thread->entry_argument);
    if (!member || member->thread != thread)
        return nullptr;
    return member;
}

ProcessThread& current_member()
{
    ProcessThread* member = current_member_or_null();
    VERIFY(member);
    return *member;
}

// --- pending sets (under the siglock) ---

// A queue entry leaves its queue: freed unless a POSIX timer owns it.
void free_entry(QueuedSignal* entry)
{
    if (!entry->preallocated)
        delete entry;
}

void drop_entries(ProcessSignals& state, PendingSignals& pending, SigSet which)
{
    for (auto& entry : pending.queue.removal_safe()) {
        if (!contains(which, entry.info.signo))
            continue;
        pending.queue.remove(entry);
        if (is_realtime(entry.info.signo) && state.queued_realtime)
            --state.queued_realtime;
        free_entry(&entry);
    }
    pending.set &= ~which;
}

void drop_everywhere(ProcessSignals& state, SigSet which)
{
    if (state.shared.set & which)
        drop_entries(state, state.shared, which);
    for (auto& thread : state.threads) {
        if (thread.pending.set & which)
            drop_entries(state, thread.pending, which);
    }
}

KernelSigAction action_of(ProcessSignals& state, int signal)
{
    if (!state.actions)
        return {};
    SpinlockLocker locker(state.actions->lock);
    return state.actions->of(signal);
}

// The actions must exist before one is changed or shared: null means all
// SIG_DFL. Takes the siglock.
ErrorOr<void> ensure_actions(ProcessSignals& state)
{
    {
        SpinlockLocker locker(state.lock);
        if (state.actions)
            return {};
    }
    auto* fresh = new SignalActions;
    if (!fresh)
        return Error::from_errno(ENOMEM);
    RefPtr<SignalActions> made = adopt_ref(fresh);
    SpinlockLocker locker(state.lock);
    if (!state.actions)
        state.actions = made;
    return {};
}

// --- waking the thread that is to take a signal ---

void kick_fired(Timer& timer) { sched::wake(static_cast<Thread*>(timer.context)); }

// Under the siglock. A sleeping thread wakes, and its interruptible wait
// ends (current::interrupted()); a thread running in user mode on another
// CPU is sent through the kernel by a reschedule IPI; and since a thread
// running in the kernel may have checked for signals just before it went
// to sleep, a second wake-up follows shortly.
void wake_for_signal(ThreadSignals& target)
{
    Thread* thread = target.thread;
    if (!thread || !target.node.is_linked())
        return;
    if (sched::wake(thread) || thread == sched::current())
        return;
    u32 cpu = __atomic_load_n(&thread->cpu, __ATOMIC_RELAXED);
    if (thread->state == ThreadState::Running && cpu != this_cpu().id)
        smp_send_reschedule(cpu);
    timer::arm(target.kick, ktime::monotonic_ns() + kKickDelayNs, kick_fired, thread);
}

// A thread of the process that does not block `signal`: the caller's own
// when it qualifies (it notices on its way out), else the first.
ThreadSignals* choose_thread(ProcessSignals& state, int signal)
{
    Thread* me = sched::current();
    ThreadSignals* chosen = nullptr;
    for (auto& thread : state.threads) {
        if (contains(thread.blocked, signal))
            continue;
        if (thread.thread == me)
            return &thread;
        if (!chosen)
            chosen = &thread;
    }
    return chosen;
}

// Linux drops a signal the target ignores at once, unless a thread blocks
// it (its action may change before it is unblocked, or sigtimedwait waits
// for it). Init takes only the signals it has handlers for.
bool is_dropped(Process& target, ProcessSignals& state, ThreadSignals* thread, KernelSigAction const& action, int signal)
{
    if (target.pid() == pid::kInitPid && action.handler == kSigDfl)
        return true;
    if (!is_ignored(action, signal))
        return false;
    if (thread)
        return !contains(thread->blocked | thread->real_blocked, signal);
    for (auto& member : state.threads) {
        if (contains(member.blocked | member.real_blocked, signal))
            return false;
    }
    return true;
}

struct SendOutcome {
    int error { 0 };
    bool continued { false }; // a stopped process was resumed: tell its parent
};

// The heart of sending, under the target's siglock. `spare` is a queue
// entry allocated beforehand (null in interrupt context or when memory ran
// out: the signal is still sent, its siginfo is made up when taken); it is
// consumed (set to null) when queued.
SendOutcome send_locked(Process& target, ProcessSignals& state, ThreadSignals* thread, SigInfo const& info,
    QueuedSignal*& spare, bool forced)
{
    SendOutcome outcome;
    int signal = info.signo;
    if (thread && !thread->node.is_linked())
        return outcome; // the thread is exiting
    // Stops and continues act when sent, whatever the signal's action.
    if (contains(kStopSignals, signal)) {
        drop_everywhere(state, bit(kSigCont));
    } else if (signal == kSigCont) {
        drop_everywhere(state, kStopSignals);
        ++state.continue_count;
        if (state.stopped) {
            state.stopped = false;
            state.report = ChildReport::Continued;
            state.report_signal = kSigCont;
            outcome.continued = true;
            state.continued.wake_all();
        }
    }
    KernelSigAction action = action_of(state, signal);
    if (!forced && is_dropped(target, state, thread, action, signal))
        return outcome;
    PendingSignals& pending = thread ? thread->pending : state.shared;
    if (!is_realtime(signal) && contains(pending.set, signal))
        return outcome; // standard signals do not queue
    bool room = !is_realtime(signal) || state.queued_realtime < target.resource_limit(kRlimitSigpending).current;
    if (spare && room) {
        spare->info = info;
        pending.queue.append(*spare);
        spare = nullptr;
        if (is_realtime(signal))
            ++state.queued_realtime;
    } else if (is_realtime(signal) && info.code != kSiUser && info.code != kSiKernel) {
        // sigqueue() must not lose its value silently (Linux: EAGAIN).
        outcome.error = EAGAIN;
        return outcome;
    }
    pending.set |= bit(signal);
    // signalfd readers and pollers (they may block the signal, so no
    // wake-up below reaches them).
    signalfd_head().notify();

    if (signal == kSigKill) {
        for (auto& member : state.threads)
            wake_for_signal(member);
        state.continued.wake_all();
    } else if (thread) {
        if (!contains(thread->blocked, signal))
            wake_for_signal(*thread);
    } else if (ThreadSignals* chosen = choose_thread(state, signal)) {
        wake_for_signal(*chosen);
    }
    return outcome;
}

// Under the process lock: SIGCHLD (unless SA_NOCLDSTOP) and a wake-up for
// the parent of a child that stopped or continued.
void notify_parent_of_job_control(Process& child, int code, int signal)
{
    Process* parent = child.parent();
    if (!parent || parent->is_kernel_process())
        return;
    KernelSigAction action;
    {
        ProcessSignals& parent_state = state_of(*parent);
        SpinlockLocker locker(parent_state.lock);
        action = action_of(parent_state, kSigChld);
    }
    if (!(action.flags & kSaNoCldStop))
        (void)send(*parent, make_child_info(kSigChld, code, child.pid(), child.credentials().uid, signal, 0, 0));
    ProcessManager::notify_parent(child);
}

void report_continued(Process& target)
{
    Mutex& lock = process::lock();
    bool held = lock.is_locked_by_current_thread();
    if (!held)
        lock.lock();
    if (target.state() == ProcessState::Live)
        notify_parent_of_job_control(target, kCldContinued, kSigCont);
    if (!held)
        lock.unlock();
}

// A signal the calling thread cannot ignore or block: a fault's. Under the
// siglock. Linux's force_sig_info: blocked or ignored, it gets the default
// action (and is unblocked), which for a fault kills.
void force_locked(Process& me, ProcessSignals& state, ThreadSignals& thread, SigInfo const& info, QueuedSignal*& spare)
{
    int signal = info.signo;
    KernelSigAction action = action_of(state, signal);
    if (contains(thread.blocked, signal) || action.handler == kSigIgn) {
        if (state.actions) {
            SpinlockLocker locker(state.actions->lock);
            state.actions->of(signal).handler = kSigDfl;
        }
        thread.blocked &= ~bit(signal);
    }
    (void)send_locked(me, state, &thread, info, spare, true);
}

void join_locked(ProcessSignals& state, ThreadSignals& thread, Thread* scheduler_thread)
{
    thread.thread = scheduler_thread;
    thread.counted_user_ns = scheduler_thread->user_ns;
    thread.counted_system_ns = scheduler_thread->system_ns;
    state.threads.append(thread);
}

// --- taking a signal (under the siglock) ---

struct Taken {
    int signal { 0 };
    SigInfo info {};
    KernelSigAction action {};
    bool from_fault { false };
};

bool take_from(ProcessSignals& state, PendingSignals& pending, SigSet allowed, Taken& taken)
{
    int signal = next_signal(pending.set & allowed);
    if (!signal)
        return false;
    QueuedSignal* found = nullptr;
    bool more = false;
    for (auto& entry : pending.queue) {
        if (entry.info.signo != signal)
            continue;
        if (found) {
            more = true;
            break;
        }
        found = &entry;
    }
    if (found) {
        taken.info = found->info;
        pending.queue.remove(*found);
        if (is_realtime(signal) && state.queued_realtime)
            --state.queued_realtime;
        free_entry(found);
    } else {
        // Sent without a queue entry (a timer, or memory ran out).
        taken.info = make_kernel_info(signal);
    }
    if (!more)
        pending.set &= ~bit(signal);
    taken.signal = signal;
    return true;
}

// The thread's own signals first, then the process's (Linux's order).
bool take(ProcessSignals& state, ThreadSignals& thread, SigSet allowed, Taken& taken)
{
    return take_from(state, thread.pending, allowed, taken) || take_from(state, state.shared, allowed, taken);
}

// --- the FPU image of a signal frame ---

FpuFormat fpu_format() { return { fpu::uses_xsave(), fpu::state_size(), fpu::xcr0() }; }

u32 s_mxcsr_mask;

// The MXCSR bits this CPU accepts (MXCSR_MASK of an FXSAVE image; 0 there
// means the original 0xffbf).
u32 mxcsr_mask(Thread& thread)
{
    if (u32 known = __atomic_load_n(&s_mxcsr_mask, __ATOMIC_RELAXED))
        return known;
    u32 mask;
    {
        InterruptsOff off;
        fpu::save(thread.fpu_state);
        memcpy(&mask, thread.fpu_state + kMxcsrMaskOffset, sizeof(mask));
    }
    if (!mask)
        mask = kDefaultMxcsrMask;
    __atomic_store_n(&s_mxcsr_mask, mask, __ATOMIC_RELAXED);
    return mask;
}

// Writes the thread's user FPU state to `address`. The registers hold the
// user's state (the kernel never uses them); once saved, the save area
// keeps it even if the thread is switched out meanwhile (a switch saves
// the same registers again).
bool write_fpu_image(Thread& thread, u64 address, FpuFormat const& format)
{
    {
        InterruptsOff off;
        fpu::save(thread.fpu_state);
    }
    if (copy_to_user(address, thread.fpu_state, format.size).is_error())
        return false;
    if (!format.xsave)
        return true;
    FpxSwBytes sw {};
    sw.magic1 = kFpXstateMagic1;
    sw.extended_size = static_cast<u32>(format.size + kFpXstateMagic2Size);
    sw.xfeatures = format.xfeatures;
    sw.xstate_size = static_cast<u32>(format.size);
    u32 magic2 = kFpXstateMagic2;
    return !copy_to_user(address + kSwBytesOffset, &sw, sizeof(sw)).is_error()
        && !copy_to_user(address + format.size, &magic2, sizeof(magic2)).is_error();
}

// The handler starts with the FPU in its initial state (Linux's
// fpu__clear_user_states).
void reset_fpu(Thread& thread)
{
    InterruptsOff off;
    fpu::init_state(thread.fpu_state);
    fpu::restore(thread.fpu_state);
}

// rt_sigreturn's FPU state from the image at `address` (0: none, the
// initial state). False when it cannot be read.
bool restore_fpu(Thread& thread, u64 address)
{
    if (!address) {
        reset_fpu(thread);
        return true;
    }
    FpuFormat format = fpu_format();
    usize capacity = align_up(format.size + kFpXstateMagic2Size, fpu::kStateAlignment);
    auto* buffer = static_cast<u8*>(kmalloc_aligned(capacity, fpu::kStateAlignment));
    if (!buffer)
        return false;
    usize got = kFxsaveSize;
    bool ok = !copy_from_user(buffer, address, kFxsaveSize).is_error();
    if (ok) {
        usize wanted = fpu_bytes_to_read(buffer, format);
        if (wanted > got) {
            ok = !copy_from_user(buffer + got, address + got, wanted - got).is_error();
            got = wanted;
        }
    }
    if (ok) {
        sanitize_fpu_area(buffer, got, format, mxcsr_mask(thread));
        InterruptsOff off;
        fpu::restore(buffer);
    }
    kfree(buffer);
    return ok;
}

// --- delivery ---

// Builds the handler's frame on the user (or alternate) stack and points
// the registers at the handler. False if the frame cannot be written.
bool setup_frame(InterruptFrame& frame, ProcessSignals& state, ThreadSignals& thread, Taken const& taken)
{
    KernelSigAction const& action = taken.action;
    // x86-64 handlers return through sa_restorer (glibc and musl always
    // set it); without one Linux fails the frame too.
    if (!(action.flags & kSaRestorer))
        return false;
    FpuFormat format = fpu_format();
    FramePlan plan = plan_frame(frame.rsp, thread.altstack, action.flags & kSaOnStack, fpu_frame_size(format));
    if (!plan.ok)
        return false;
    SigSet old_mask;
    {
        SpinlockLocker locker(state.lock);
        old_mask = thread.restore_blocked ? thread.saved_blocked : thread.blocked;
    }
    RtSigFrame signal_frame {};
    signal_frame.pretcode = action.restorer;
    signal_frame.uc.flags = kUcSigcontextSs | kUcStrictRestoreSs | (format.xsave ? kUcFpXstate : 0);
    signal_frame.uc.stack.sp = thread.altstack.sp;
    signal_frame.uc.stack.size = thread.altstack.size;
    signal_frame.uc.stack.flags = thread.altstack.is_enabled() ? static_cast<i32>(thread.altstack.flags) : kSsDisable;
    SigContext& context = signal_frame.uc.mcontext;
    save_registers(frame, context);
    if (taken.from_fault) {
        context.trapno = thread.fault_trapno;
        context.err = thread.fault_error;
        context.cr2 = thread.fault_address;
    }
    context.oldmask = old_mask;
    context.fpstate = plan.fpstate;
    signal_frame.uc.sigmask = old_mask;
    signal_frame.info = taken.info;
    Thread& me = current::thread();
    if (!write_fpu_image(me, plan.fpstate, format))
        return false;
    if (copy_to_user(plan.frame, &signal_frame, sizeof(signal_frame)).is_error())
        return false;

    if (thread.altstack.flags & kSsAutoDisarm)
        thread.altstack = AltStack {};
    {
        SpinlockLocker locker(state.lock);
        thread.blocked |= action.mask;
        if (!(action.flags & kSaNoDefer))
            thread.blocked |= bit(taken.signal);
        thread.blocked &= ~kUnblockable;
        thread.restore_blocked = false;
    }
    enter_handler(frame, plan.frame, taken.signal, action.handler);
    reset_fpu(me);
    return true;
}

// A system call the signal interrupted ends, on the way out, as Linux
// decides: restarted (rip back over `syscall`, the number back in rax), or
// EINTR, or its result stands. Once per call: the frame then names no call.
void finish_system_call(InterruptFrame& frame, bool handler_ran, u64 sa_flags)
{
    if (frame.vector != user_mode::kSyscallVector || frame.error_code == kNoSyscall)
        return;
    auto restart = restart_class(frame.error_code, static_cast<long>(frame.rax), frame.r10);
    switch (decide_restart(restart, handler_ran, sa_flags)) {
    case RestartDecision::Keep:
        break;
    case RestartDecision::Eintr:
        frame.rax = static_cast<u64>(-static_cast<long>(EINTR));
        break;
    case RestartDecision::Restart:
        frame.rax = frame.error_code;
        frame.rip -= 2; // the `syscall` instruction
        break;
    }
    frame.error_code = kNoSyscall;
}

// Sleeps while the process is group-stopped (until SIGCONT, SIGKILL or an
// exit). True if it was stopped.
bool wait_while_stopped(Process& me, ProcessSignals& state, ThreadSignals& thread)
{
    SpinlockLocker locker(state.lock);
    if (!state.stopped)
        return false;
    // A SIGKILL (or an exit) that came while it was stopped is taken by
    // the caller's delivery loop: reporting "was stopped" again would
    // bring it straight back here, for ever.
    if (contains(thread.pending.set | state.shared.set, kSigKill) || me.is_exiting())
        return false;
    // ps and /proc show the wait as the stop it is (T).
    Thread& scheduler_thread = current::thread();
    scheduler_thread.job_stopped = true;
    while (state.stopped && !contains(thread.pending.set | state.shared.set, kSigKill) && !me.is_exiting())
        (void)state.continued.wait(locker);
    scheduler_thread.job_stopped = false;
    return true;
}

// Linux's is_current_pgrp_orphaned: no process of the group has a parent
// in another group of the same session (init's children do not count).
// ^Z, SIGTTIN and SIGTTOU do not stop an orphaned group.
bool process_group_is_orphaned(Process& me)
{
    pid_t group = me.process_group();
    bool orphaned = true;
    process::for_each([&](Process& process, ThreadSnapshots const&) {
        if (!orphaned || process.is_kernel_process() || process.process_group() != group
            || process.state() != ProcessState::Live)
            return;
        Process* parent = process.parent();
        if (parent && parent->pid() != pid::kInitPid && parent->process_group() != group
            && parent->session() == process.session())
            orphaned = false;
    });
    return orphaned;
}

// A stop signal's default action: every thread of the process stops (at
// its next return towards user mode) until SIGCONT; the parent hears of it.
void group_stop(Process& me, ProcessSignals& state, ThreadSignals& thread, int signal, u64 continues_seen)
{
    bool first = false;
    {
        SpinlockLocker locker(state.lock);
        if (state.continue_count != continues_seen)
            return; // a SIGCONT came after the stop signal was taken
        if (!state.stopped) {
            state.stopped = true;
            state.report = ChildReport::Stopped;
            state.report_signal = signal;
            first = true;
            for (auto& other : state.threads) {
                if (&other != &thread)
                    wake_for_signal(other);
            }
        }
    }
    if (first) {
        MutexLocker locker(process::lock());
        notify_parent_of_job_control(me, kCldStopped, signal);
    }
}

// ITIMER_VIRTUAL and ITIMER_PROF, charged with the CPU time this thread
// used since it last passed here (so their resolution is the thread's
// kernel entries: system calls, interrupts, at least every time slice).
void charge_cpu_timers(Process& me, ProcessSignals& state, ThreadSignals& thread)
{
    Thread& scheduler_thread = current::thread();
    u64 user = scheduler_thread.user_ns;
    u64 system = scheduler_thread.system_ns;
    u64 user_delta = user - thread.counted_user_ns;
    u64 system_delta = system - thread.counted_system_ns;
    thread.counted_user_ns = user;
    thread.counted_system_ns = system;
    if (!__atomic_load_n(&state.itimers[kItimerVirtual].armed, __ATOMIC_RELAXED)
        && !__atomic_load_n(&state.itimers[kItimerProf].armed, __ATOMIC_RELAXED))
        return;
    SpinlockLocker locker(state.lock);
    QueuedSignal* none = nullptr;
    if (state.itimers[kItimerVirtual].charge(user_delta))
        (void)send_locked(me, state, nullptr, make_kernel_info(kSigVtalrm), none, false);
    if (state.itimers[kItimerProf].charge(user_delta + system_delta))
        (void)send_locked(me, state, nullptr, make_kernel_info(kSigProf), none, false);
}

// --- ITIMER_REAL ---

void real_timer_fired(Timer& timer)
{
    auto* process = static_cast<Process*>(timer.context);
    ProcessSignals& state = state_of(*process);
    u64 again = 0;
    {
        SpinlockLocker locker(state.lock);
        IntervalTimer& real = state.itimers[kItimerReal];
        u64 now = ktime::monotonic_ns();
        if (!real.armed || now < real.value_ns)
            return; // changed since it was armed
        QueuedSignal* none = nullptr;
        (void)send_locked(*process, state, nullptr, make_kernel_info(kSigAlrm), none, false);
        if (real.interval_ns) {
            u64 next = real.value_ns + real.interval_ns;
            if (next <= now)
                next = now + real.interval_ns; // overruns are not counted
            real.value_ns = next;
            again = next;
        } else {
            real.armed = false;
            real.value_ns = 0;
        }
    }
    if (again)
        timer::arm(timer, again, real_timer_fired, process); // from its own callback, on its own CPU
}

// Off for good: no callback runs or is pending afterwards. A callback that
// was running may have re-armed it before the first cancel returned; the
// second takes that off.
void stop_real_timer(ProcessSignals& state)
{
    (void)timer::cancel(state.real_timer);
    (void)timer::cancel(state.real_timer);
}

ITimerVal describe_itimer(IntervalTimer const& timer, int which, u64 now)
{
    ITimerVal value {};
    value.interval = ns_to_timeval(timer.interval_ns);
    if (!timer.armed)
        return value;
    u64 left = timer.value_ns;
    if (which == kItimerReal)
        left = timer.value_ns > now ? timer.value_ns - now : 0;
    if (left < 1000)
        left = 1000; // armed: never reported as zero
    value.value = ns_to_timeval(left);
    return value;
}

ErrorOr<void> send_checked(Process& me, Process& target, SigInfo const& info, ThreadSignals* thread)
{
    if (!may_signal(me.credentials(), target.credentials(), info.signo, me.session() == target.session()))
        return Error::from_errno(EPERM);
    // Signal 0 checks only; zombies and kernel processes take nothing.
    if (info.signo == 0 || target.state() != ProcessState::Live || target.is_kernel_process())
        return {};
    return send(target, info, thread);
}

// Under the siglock of `process`.
ThreadSignals* find_thread_locked(ProcessSignals& state, pid_t tid)
{
    for (auto& thread : state.threads) {
        if (thread.thread && static_cast<pid_t>(thread.thread->tid) == tid)
            return &thread;
    }
    return nullptr;
}

}

PendingSignals::~PendingSignals()
{
    while (QueuedSignal* entry = queue.pop_front())
        free_entry(entry);
}

// --- the process manager's hooks ---

void thread_joined(Process& process, ProcessThread& member)
{
    ProcessSignals& state = state_of(process);
    SpinlockLocker locker(state.lock);
    if (!member.signals.node.is_linked())
        join_locked(state, member.signals, member.thread);
}

void thread_leaving(Process& process, ProcessThread& member)
{
    ProcessSignals& state = state_of(process);
    ThreadSignals& thread = member.signals;
    {
        SpinlockLocker locker(state.lock);
        if (thread.node.is_linked())
            state.threads.remove(thread);
        drop_entries(state, thread.pending, ~SigSet(0));
        // What this thread might have taken goes to one that remains.
        for (SigSet left = state.shared.set; left;) {
            int signal = next_signal(left);
            left &= ~bit(signal);
            if (ThreadSignals* other = choose_thread(state, signal))
                wake_for_signal(*other);
        }
    }
    (void)timer::cancel(thread.kick);
    (void)timer::cancel(thread.kick);
}

ErrorOr<void> fork_process(Process& child, u64 clone_flags)
{
    ProcessSignals& mine = state_of(current::process());
    ProcessSignals& theirs = state_of(child);
    if (clone_flags & clone_flags::kSighand) {
        TRY(ensure_actions(mine));
        SpinlockLocker locker(mine.lock);
        theirs.actions = mine.actions;
        return {};
    }
    {
        SpinlockLocker locker(mine.lock);
        if (!mine.actions)
            return {}; // all SIG_DFL: the child's null says the same
    }
    auto* copy = new SignalActions;
    if (!copy)
        return Error::from_errno(ENOMEM);
    RefPtr<SignalActions> actions = adopt_ref(copy);
    {
        SpinlockLocker locker(mine.lock);
        SpinlockLocker actions_locker(mine.actions->lock);
        memcpy(actions->actions, mine.actions->actions, sizeof(actions->actions));
    }
    theirs.actions = actions; // the child is not linked yet: nobody else sees it
    return {};
}

void fork_thread(ProcessThread& child, u64 clone_flags)
{
    ProcessThread& parent = current_member();
    Process& me = current::process();
    SpinlockLocker locker(state_of(me).lock);
    child.signals.blocked = parent.signals.blocked;
    bool shares_stack = (clone_flags & (clone_flags::kVm | clone_flags::kVfork)) == clone_flags::kVm;
    if (!shares_stack)
        child.signals.altstack = parent.signals.altstack;
}

ErrorOr<void> prepare_exec(Process& process)
{
    ProcessSignals& state = state_of(process);
    RefPtr<SignalActions> current;
    {
        SpinlockLocker locker(state.lock);
        current = state.actions;
    }
    // Ours and the process's reference: anything more is another process.
    if (!current || current->ref_count() <= 2)
        return {};
    auto* copy = new SignalActions;
    if (!copy)
        return Error::from_errno(ENOMEM);
    RefPtr<SignalActions> mine = adopt_ref(copy);
    {
        SpinlockLocker locker(current->lock);
        memcpy(mine->actions, current->actions, sizeof(mine->actions));
    }
    SpinlockLocker locker(state.lock);
    state.actions = mine;
    return {};
}

void exec_done(Process& process, ProcessThread& member)
{
    ProcessSignals& state = state_of(process);
    SpinlockLocker locker(state.lock);
    if (state.actions) {
        SpinlockLocker actions_locker(state.actions->lock);
        for (auto& action : state.actions->actions)
            reset_action_for_exec(action);
    }
    member.signals.altstack = AltStack {};
    member.signals.restore_blocked = false;
    locker.unlock();
    posix_timers::release_all(process); // timer_create's timers do not survive execve
}

void process_exited(Process& process)
{
    posix_timers::release_all(process); // before the pending queues empty: they hold the timers' entries
    ProcessSignals& state = state_of(process);
    {
        SpinlockLocker locker(state.lock);
        for (auto& timer : state.itimers)
            timer = IntervalTimer {};
        drop_entries(state, state.shared, ~SigSet(0));
    }
    stop_real_timer(state);
}

bool notify_parent_of_exit(Process& child)
{
    Process* parent = child.parent();
    if (!parent || parent->is_kernel_process())
        return false;
    int signal = child.exit_signal();
    KernelSigAction action;
    {
        ProcessSignals& parent_state = state_of(*parent);
        SpinlockLocker locker(parent_state.lock);
        action = action_of(parent_state, kSigChld);
    }
    bool reap_now = false;
    if (signal == kSigChld && (action.handler == kSigIgn || (action.flags & kSaNoCldWait))) {
        reap_now = true;
        if (action.handler == kSigIgn)
            signal = 0;
    }
    if (is_valid(signal)) {
        int code;
        int status;
        child_exit_code(child.exit_status(), code, status);
        ThreadSnapshots no_threads; // a zombie's times are all in its exited threads
        auto times = child.times(no_threads);
        (void)send(*parent,
            make_child_info(signal, code, child.pid(), child.credentials().uid, status, times.user_ns, times.system_ns));
    }
    return reap_now;
}

bool take_wait_report(Process& child, int options, int& status)
{
    if (child.is_kernel_process() || child.state() != ProcessState::Live)
        return false;
    ProcessSignals& state = state_of(child);
    SpinlockLocker locker(state.lock);
    bool consume = !(options & wait_options::kNoWait);
    if ((options & wait_options::kUntraced) && state.report == ChildReport::Stopped && state.stopped) {
        status = wait_status_stopped(state.report_signal);
        if (consume)
            state.report = ChildReport::None;
        return true;
    }
    if ((options & wait_options::kContinued) && state.report == ChildReport::Continued) {
        status = kWaitStatusContinued;
        if (consume)
            state.report = ChildReport::None;
        return true;
    }
    return false;
}

// --- sending ---

ErrorOr<void> send(Process& target, SigInfo const& info, ThreadSignals* thread)
{
    if (!is_valid(info.signo))
        return Error::from_errno(EINVAL);
    if (target.is_kernel_process())
        return {};
    QueuedSignal* spare = new QueuedSignal; // null: sent all the same, without its siginfo
    ProcessSignals& state = state_of(target);
    SendOutcome outcome;
    {
        SpinlockLocker locker(state.lock);
        outcome = send_locked(target, state, thread, info, spare, false);
    }
    delete spare;
    if (outcome.error)
        return Error::from_errno(outcome.error);
    if (outcome.continued)
        report_continued(target);
    return {};
}

ErrorOr<void> send_to_group(pid_t pgid, SigInfo const& info, bool check_permission)
{
    if (pgid <= 0)
        return Error::from_errno(ESRCH);
    Process* me = check_permission ? &current::process() : nullptr;
    bool success = false;
    int error = ESRCH;
    process::for_each([&](Process& process, ThreadSnapshots const&) {
        if (process.is_kernel_process() || process.process_group() != pgid)
            return;
        if (process.state() != ProcessState::Live && process.state() != ProcessState::Zombie)
            return;
        ErrorOr<void> result {};
        if (me)
            result = send_checked(*me, process, info, nullptr);
        else if (info.signo != 0 && process.state() == ProcessState::Live)
            result = send(process, info);
        if (result.is_error())
            error = result.error().code();
        else
            success = true;
    });
    if (success)
        return {};
    return Error::from_errno(error);
}

void force_fault(SigInfo const& info, u64 trapno, u64 error_code, u64 fault_address)
{
    Process& me = current::process();
    ProcessSignals& state = state_of(me);
    ThreadSignals& thread = current_thread_signals();
    QueuedSignal* spare = new QueuedSignal;
    {
        SpinlockLocker locker(state.lock);
        force_locked(me, state, thread, info, spare);
        thread.fault_signal = info.signo;
        thread.fault_trapno = trapno;
        thread.fault_error = error_code;
        thread.fault_address = fault_address;
    }
    delete spare;
}

void force_sigsegv(int for_signal)
{
    Process& me = current::process();
    ProcessSignals& state = state_of(me);
    ThreadSignals& thread = current_thread_signals();
    QueuedSignal* spare = new QueuedSignal;
    {
        SpinlockLocker locker(state.lock);
        // A SIGSEGV handler that cannot be given a frame would loop: default.
        if (for_signal == kSigSegv && state.actions) {
            SpinlockLocker actions_locker(state.actions->lock);
            state.actions->of(kSigSegv).handler = kSigDfl;
        }
        force_locked(me, state, thread, make_kernel_info(kSigSegv), spare);
    }
    delete spare;
}

// --- the calling thread ---

ThreadSignals& current_thread_signals()
{
    ProcessThread& member = current_member();
    if (!member.signals.node.is_linked()) {
        ProcessSignals& state = state_of(current::process());
        SpinlockLocker locker(state.lock);
        if (!member.signals.node.is_linked())
            join_locked(state, member.signals, member.thread);
    }
    return member.signals;
}

bool current_has_deliverable()
{
    Process* me = process::current();
    if (!me || me->is_kernel_process())
        return false;
    ProcessThread* member = current_member_or_null();
    if (!member)
        return false;
    ProcessSignals& state = state_of(*me);
    SpinlockLocker locker(state.lock);
    return ((member->signals.pending.set | state.shared.set) & ~member->signals.blocked) != 0;
}

void deliver(InterruptFrame& frame)
{
    Process* me = process::current();
    if (!me || me->is_kernel_process())
        return;
    // Handlers' frames go to user memory (page faults) and stops sleep.
    bool interrupts_were_on = cpu::interrupts_enabled();
    cpu::sti();
    ProcessSignals& state = state_of(*me);
    ThreadSignals& thread = current_thread_signals();
    charge_cpu_timers(*me, state, thread);

    bool handler_ran = false;
    for (;;) {
        if (me->is_exiting())
            process::exit_user_thread(0); // the group's status is set already
        if (wait_while_stopped(*me, state, thread))
            continue;
        Taken taken;
        u64 continues_seen;
        {
            SpinlockLocker locker(state.lock);
            if (!take(state, thread, ~thread.blocked, taken))
                break;
            taken.action = action_of(state, taken.signal);
            bool is_handler = taken.action.handler != kSigDfl && taken.action.handler != kSigIgn;
            if (is_handler && (taken.action.flags & kSaResetHand) && state.actions) {
                SpinlockLocker actions_locker(state.actions->lock);
                state.actions->of(taken.signal).handler = kSigDfl;
            }
            continues_seen = state.continue_count;
            taken.from_fault = thread.fault_signal == taken.signal;
            if (taken.from_fault)
                thread.fault_signal = 0;
        }
        int signal = taken.signal;
        if (taken.action.handler == kSigIgn)
            continue;
        if (taken.action.handler == kSigDfl) {
            switch (default_action(signal)) {
            case DefaultAction::Ignore:
            case DefaultAction::Continue:
                continue;
            case DefaultAction::Stop:
                if (signal != kSigStop && process_group_is_orphaned(*me))
                    continue;
                group_stop(*me, state, thread, signal, continues_seen);
                continue;
            case DefaultAction::CoreDump:
                // No core file is written, so the status has no 0x80
                // (Linux sets WCOREDUMP only when it wrote one).
                log_notice("pid %d (%s): killed by signal %d at rip %#lx%s", me->pid(), me->name(), signal, frame.rip,
                    taken.from_fault ? " (a fault)" : "");
                process::exit_group(wait_status_killed(signal, false));
            case DefaultAction::Terminate:
                process::exit_group(wait_status_killed(signal, false));
            }
        }
        finish_system_call(frame, true, taken.action.flags);
        if (!setup_frame(frame, state, thread, taken)) {
            log_notice("pid %d (%s): cannot write the frame of signal %d at rsp %#lx: SIGSEGV", me->pid(), me->name(),
                signal, frame.rsp);
            force_sigsegv(signal);
            continue;
        }
        handler_ran = true;
        break;
    }
    if (!handler_ran) {
        finish_system_call(frame, false, 0);
        SpinlockLocker locker(state.lock);
        if (thread.restore_blocked) {
            thread.blocked = thread.saved_blocked;
            thread.restore_blocked = false;
        }
    }
    if (!interrupts_were_on)
        cpu::cli();
}

// --- for syscall/signal.cpp ---

ErrorOr<void> set_action(int signal, KernelSigAction const* action, KernelSigAction* old)
{
    ProcessSignals& state = state_of(current::process());
    if (action)
        TRY(ensure_actions(state));
    SpinlockLocker locker(state.lock);
    KernelSigAction previous = action_of(state, signal);
    if (action) {
        {
            SpinlockLocker actions_locker(state.actions->lock);
            state.actions->of(signal) = *action;
        }
        // POSIX: setting SIG_IGN (or SIG_DFL for a signal ignored by
        // default) discards that signal where it is pending.
        if (is_ignored(*action, signal))
            drop_everywhere(state, bit(signal));
    }
    if (old)
        *old = previous;
    return {};
}

ErrorOr<SigSet> change_blocked(int how, SigSet const* set)
{
    ProcessSignals& state = state_of(current::process());
    ThreadSignals& thread = current_thread_signals();
    SpinlockLocker locker(state.lock);
    SigSet old = thread.blocked;
    if (!set)
        return old;
    SigSet blocked = old;
    if (!apply_sigprocmask(how, *set, blocked))
        return Error::from_errno(EINVAL);
    thread.blocked = blocked;
    // Process signals this thread now blocks go to another thread.
    for (SigSet moved = state.shared.set & blocked & ~old; moved;) {
        int signal = next_signal(moved);
        moved &= ~bit(signal);
        if (ThreadSignals* other = choose_thread(state, signal))
            wake_for_signal(*other);
    }
    return old;
}

SigSet pending_blocked()
{
    ProcessSignals& state = state_of(current::process());
    ThreadSignals& thread = current_thread_signals();
    SpinlockLocker locker(state.lock);
    return (thread.pending.set | state.shared.set) & thread.blocked;
}

ErrorOr<void> sleep_until_signal(u64 deadline_ns)
{
    Process& me = current::process();
    ProcessSignals& state = state_of(me);
    ThreadSignals& thread = current_thread_signals();
    SpinlockLocker locker(state.lock);
    while (!((thread.pending.set | state.shared.set) & ~thread.blocked) && !me.is_exiting()) {
        auto waited = thread.sleep.wait(locker, deadline_ns);
        if (waited.is_error())
            return waited.error();
    }
    return {};
}

void begin_temporary_mask(SigSet mask)
{
    suspend_with_mask(mask);
}

void end_temporary_mask(bool interrupted)
{
    if (interrupted && current_has_deliverable())
        return; // deliver() restores it after the handler frame saved it
    ProcessSignals& state = state_of(current::process());
    ThreadSignals& thread = current_thread_signals();
    SpinlockLocker locker(state.lock);
    if (thread.restore_blocked) {
        thread.blocked = thread.saved_blocked;
        thread.restore_blocked = false;
    }
}

SigSet current_pending()
{
    ProcessSignals& state = state_of(current::process());
    ThreadSignals& thread = current_thread_signals();
    SpinlockLocker locker(state.lock);
    return thread.pending.set | state.shared.set;
}

namespace {
poll_waiters::PollHead s_signalfd_head;
}

poll_waiters::PollHead& signalfd_head()
{
    return s_signalfd_head;
}

void suspend_with_mask(SigSet mask)
{
    ProcessSignals& state = state_of(current::process());
    ThreadSignals& thread = current_thread_signals();
    SpinlockLocker locker(state.lock);
    thread.saved_blocked = thread.blocked;
    thread.restore_blocked = true;
    thread.blocked = mask & ~kUnblockable;
}

ErrorOr<int> timed_wait(SigSet set, u64 deadline_ns, SigInfo& info)
{
    Process& me = current::process();
    ProcessSignals& state = state_of(me);
    ThreadSignals& thread = current_thread_signals();
    set &= ~kUnblockable;
    SpinlockLocker locker(state.lock);
    Taken taken;
    if (!take(state, thread, set, taken)) {
        if (deadline_ns == 1)
            return Error::from_errno(EAGAIN);
        // The signals waited for are unblocked while we sleep (so a sender
        // wakes us), and still count as blocked (so they are not dropped).
        thread.real_blocked = thread.blocked;
        thread.blocked &= ~set;
        ErrorOr<void> waited {};
        while (!((thread.pending.set | state.shared.set) & ~thread.blocked) && !me.is_exiting()) {
            waited = thread.sleep.wait(locker, deadline_ns);
            if (waited.is_error())
                break;
        }
        thread.blocked = thread.real_blocked;
        thread.real_blocked = 0;
        if (!take(state, thread, set, taken))
            return Error::from_errno(waited.is_error() ? EAGAIN : EINTR);
    }
    info = taken.info;
    return taken.signal;
}

void sigreturn(InterruptFrame& frame)
{
    ProcessSignals& state = state_of(current::process());
    ThreadSignals& thread = current_thread_signals();
    Thread& me = current::thread();
    // The handler's `ret` took pretcode off the stack.
    u64 address = frame.rsp - sizeof(u64);
    RtSigFrame signal_frame;
    bool ok = !copy_from_user(&signal_frame, address, sizeof(signal_frame)).is_error();
    if (ok) {
        SpinlockLocker locker(state.lock);
        thread.blocked = signal_frame.uc.sigmask & ~kUnblockable;
    }
    InterruptFrame restored = frame;
    ok = ok && restore_registers(signal_frame.uc.mcontext, restored);
    ok = ok && restore_fpu(me, signal_frame.uc.mcontext.fpstate);
    if (!ok) {
        Process& process = current::process();
        log_notice("pid %d (%s): bad rt_sigreturn frame at %#lx: SIGSEGV", process.pid(), process.name(), address);
        frame.rax = 0;
        frame.error_code = kNoSyscall;
        force_sigsegv(0);
        return;
    }
    // Linux ignores every error here but EFAULT (the frame was readable).
    (void)apply_sigaltstack(thread.altstack, signal_frame.uc.stack, restored.rsp);
    frame = restored;
}

ErrorOr<void> change_altstack(StackT const* request, StackT* old, u64 user_rsp)
{
    ThreadSignals& thread = current_thread_signals();
    if (old)
        *old = describe_altstack(thread.altstack, user_rsp);
    if (request) {
        AltStack updated = thread.altstack;
        if (int error = apply_sigaltstack(updated, *request, user_rsp))
            return Error::from_errno(error);
        thread.altstack = updated;
    }
    return {};
}

ErrorOr<void> set_itimer(int which, ITimerVal const* value, ITimerVal* old)
{
    if (which < kItimerReal || which > kItimerProf)
        return Error::from_errno(EINVAL);
    if (value && (!is_valid_timeval(value->value) || !is_valid_timeval(value->interval)))
        return Error::from_errno(EINVAL);
    Process& me = current::process();
    ProcessSignals& state = state_of(me);
    MutexLocker change(state.timer_change);
    u64 now = ktime::monotonic_ns();
    u64 deadline = 0;
    {
        SpinlockLocker locker(state.lock);
        IntervalTimer& timer = state.itimers[which];
        if (old)
            *old = describe_itimer(timer, which, now);
        if (!value)
            return {};
        u64 length = timeval_to_ns(value->value);
        timer.armed = length != 0;
        timer.interval_ns = timer.armed ? timeval_to_ns(value->interval) : 0;
        timer.value_ns = which == kItimerReal && timer.armed ? now + length : length;
        deadline = timer.armed ? timer.value_ns : 0;
    }
    if (which == kItimerReal) {
        stop_real_timer(state);
        if (deadline)
            timer::arm(state.real_timer, deadline, real_timer_fired, &me);
    }
    return {};
}

ErrorOr<ITimerVal> get_itimer(int which)
{
    if (which < kItimerReal || which > kItimerProf)
        return Error::from_errno(EINVAL);
    ProcessSignals& state = state_of(current::process());
    SpinlockLocker locker(state.lock);
    return describe_itimer(state.itimers[which], which, ktime::monotonic_ns());
}

ErrorOr<void> kill(pid_t pid, SigInfo const& info)
{
    Process& me = current::process();
    if (pid > 0) {
        MutexLocker locker(process::lock());
        Process* target = ProcessManager::find_locked(pid);
        if (!target || (target->state() != ProcessState::Live && target->state() != ProcessState::Zombie))
            return Error::from_errno(ESRCH);
        return send_checked(me, *target, info, nullptr);
    }
    if (pid == -1) {
        // Every process it may signal but init and itself (Linux: EPERM
        // from some is no error; ESRCH only when there was none at all).
        bool any = false;
        int error = 0;
        process::for_each([&](Process& process, ThreadSnapshots const&) {
            if (process.pid() <= pid::kInitPid || &process == &me)
                return;
            if (process.state() != ProcessState::Live && process.state() != ProcessState::Zombie)
                return;
            any = true;
            auto result = send_checked(me, process, info, nullptr);
            if (result.is_error() && result.error().code() != EPERM)
                error = result.error().code();
        });
        if (!any)
            return Error::from_errno(ESRCH);
        if (error)
            return Error::from_errno(error);
        return {};
    }
    pid_t group;
    {
        MutexLocker locker(process::lock());
        group = pid == 0 ? me.process_group() : -pid;
    }
    return send_to_group(group, info, true);
}

ErrorOr<void> kill_thread(pid_t tgid, pid_t tid, SigInfo const& info)
{
    Process& me = current::process();
    auto send_to = [&](Process& process) -> ErrorOr<void> {
        ThreadSignals* thread;
        {
            ProcessSignals& state = state_of(process);
            SpinlockLocker locker(state.lock);
            thread = find_thread_locked(state, tid);
        }
        if (!thread)
            return Error::from_errno(ESRCH);
        // The ProcessThread stays while we hold the process lock (a thread
        // leaves its process under it); send() drops a signal for a thread
        // that has already left its list.
        return send_checked(me, process, info, thread);
    };
    if (tgid > 0) {
        MutexLocker locker(process::lock());
        Process* target = ProcessManager::find_locked(tgid);
        if (!target || target->state() != ProcessState::Live || target->is_kernel_process())
            return Error::from_errno(ESRCH);
        return send_to(*target);
    }
    // tkill: the thread's process is found by walking them all (its own
    // TID is the process's PID for a first thread: try that first).
    {
        MutexLocker locker(process::lock());
        Process* leader = ProcessManager::find_locked(tid);
        if (leader && leader->state() == ProcessState::Live && !leader->is_kernel_process()) {
            auto result = send_to(*leader);
            if (!result.is_error() || result.error().code() != ESRCH)
                return result;
        }
    }
    ErrorOr<void> result = Error::from_errno(ESRCH);
    bool found = false;
    process::for_each([&](Process& process, ThreadSnapshots const&) {
        if (found || process.is_kernel_process() || process.state() != ProcessState::Live)
            return;
        auto sent = send_to(process);
        if (!sent.is_error() || sent.error().code() != ESRCH) {
            found = true;
            result = sent;
        }
    });
    return result;
}

// --- for the terminal's job control (tty/job_control.cpp) ---

bool current_blocks_or_ignores(int signal)
{
    Process* me = process::current();
    if (!me || me->is_kernel_process())
        return true;
    ProcessSignals& state = state_of(*me);
    ThreadSignals& thread = current_thread_signals();
    SpinlockLocker locker(state.lock);
    return contains(thread.blocked, signal) || action_of(state, signal).handler == kSigIgn;
}

bool current_group_is_orphaned()
{
    Process* me = process::current();
    return !me || process_group_is_orphaned(*me);
}

// --- hooks other subsystems declare weak ---

void send_timer_signal(Process& process, pid_t tid, QueuedSignal& entry, SigInfo const& info, u32 expirations,
    i32& overrun_last)
{
    ProcessSignals& state = state_of(process);
    SpinlockLocker locker(state.lock);
    if (entry.node.is_linked()) {
        i32 overrun;
        memcpy(&overrun, entry.info.fields.bytes + 4, 4);
        overrun = overrun + static_cast<i32>(expirations) < overrun ? 0x7fffffff : overrun + static_cast<i32>(expirations);
        memcpy(entry.info.fields.bytes + 4, &overrun, 4);
        return;
    }
    memcpy(&overrun_last, entry.info.fields.bytes + 4, 4);
    ThreadSignals* thread = nullptr;
    if (tid) {
        thread = find_thread_locked(state, tid);
        if (!thread)
            return; // the thread is gone; Linux would send to the process then drop nothing either
    }
    QueuedSignal* spare = &entry;
    (void)send_locked(process, state, thread, info, spare, false);
    if (spare) {
        // Not queued (ignored, or a standard signal already pending): the
        // expiry counts as an overrun of the pending one, if any.
        i32 none = static_cast<i32>(expirations) - 1;
        memcpy(entry.info.fields.bytes + 4, &none, 4);
    }
}

bool has_thread(Process& process, pid_t tid)
{
    ProcessSignals& state = state_of(process);
    SpinlockLocker locker(state.lock);
    return find_thread_locked(state, tid) != nullptr;
}

i32 timer_signal_overrun(Process& process, QueuedSignal const& entry, i32 overrun_last)
{
    ProcessSignals& state = state_of(process);
    SpinlockLocker locker(state.lock);
    if (entry.node.is_linked())
        return overrun_last;
    i32 overrun;
    memcpy(&overrun, entry.info.fields.bytes + 4, 4);
    return overrun;
}

void cancel_timer_signal(Process& process, QueuedSignal& entry)
{
    ProcessSignals& state = state_of(process);
    SpinlockLocker locker(state.lock);
    if (!entry.node.is_linked())
        return;
    int signal = entry.info.signo;
    PendingSignals* holder = nullptr;
    if (state.shared.queue.contains(entry)) {
        holder = &state.shared;
    } else {
        for (auto& thread : state.threads) {
            if (thread.pending.queue.contains(entry))
                holder = &thread.pending;
        }
    }
    if (!holder)
        return; // cannot happen: a linked entry is on one of these
    holder->queue.remove(entry);
    if (is_realtime(signal) && state.queued_realtime)
        --state.queued_realtime;
    bool more = false;
    for (auto& other : holder->queue) {
        if (other.info.signo == signal)
            more = true;
    }
    if (!more)
        holder->set &= ~bit(signal);
}

void send_sigpipe_to_current()
{
    Process* me = process::current();
    if (!me || me->is_kernel_process())
        return;
    (void)send(*me, make_sender_info(kSigPipe, kSiUser, me->pid(), me->credentials().uid), &current_thread_signals());
}

bool current_has_pending_signal() { return current::interrupted(); }

}

namespace tty::hooks {

// ^C, ^\, ^Z and SIGWINCH from the terminal (tty_hooks.h): to every
// process of the foreground group, as the kernel (SI_KERNEL, no
// permission check).
void signal_foreground_group(i32 pgid, int signo)
{
    if (!signals::is_valid(signo))
        return;
    (void)signals::send_to_group(pgid, signals::make_kernel_info(signo), false);
}

}
