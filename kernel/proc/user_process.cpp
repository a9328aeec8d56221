// User processes (CONCEPTS C2, C3, A5): threads that run in ring 3, what a
// user process owns beyond a kernel one (address space, open files, place
// in the file tree), and the kernel's side of their life: entering user
// mode, faults, the way back from every syscall and interrupt, exit.
//
// A user thread is a scheduler thread whose entry function copies its
// first user registers to the top of its kernel stack and leaves through
// iretq (arch/x86_64/user_mode.h); from then on it comes back into the
// kernel only through syscalls, interrupts and faults, and leaves again
// from there.
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/interrupts_off.h>
#include <arch/x86_64/percpu.h>
#include <arch/x86_64/fpu.h>
#include <arch/x86_64/probe.h>
#include <arch/x86_64/user_mode.h>
#include <fs/vfs/fd_table.h>
#include <fs/vfs/fs_context.h>
#include <ipc/sysv/sem.h>
#include <lib/log.h>
#include <lib/string.h>
#include <mm/address_space.h>
#include <sched/policy.h>
#include <mm/paging.h>
#include <proc/current.h>
#include <proc/exit_hooks.h>
#include <proc/process_manager.h>
#include <proc/signals.h>
#include <proc/user_return.h>
#include <sched/scheduler.h>
#include <syscall/file_locks.h>
#include <syscall/uaccess.h>

namespace {

// What a new user thread starts with; freed by the thread itself.
struct UserStart {
    InterruptFrame frame;
};

void start_user_thread(void* argument)
{
    auto* start = static_cast<UserStart*>(argument);
    InterruptFrame frame = start->frame;
    delete start;
    sched::account_mode_switch(true);
    enter_user_mode(&frame);
}

}

ProcessThread* ProcessManager::member_of(Process& process, Thread& thread)
{
    for (auto& member : process.m_threads) {
        if (member.thread == &thread)
            return &member;
    }
    return nullptr;
}

ErrorOr<ProcessThread*> ProcessManager::create_user_thread(Process& process, InterruptFrame const& frame, u64 fs_base,
    Thread const* like)
{
    auto* start = new UserStart { frame };
    if (!start)
        return Error::from_errno(ENOMEM);
    auto thread = add_thread_locked(process, process.m_name, start_user_thread, start);
    if (thread.is_error()) {
        delete start;
        return thread.error();
    }
    Thread& created = *thread.value();
    created.address_space_root = process.m_address_space->root();
    created.fs_base = fs_base;
    if (like) {
        created.policy = like->policy;
        created.rt_priority = like->rt_priority;
        created.nice = like->nice;
        created.weight = like->weight;
        created.affinity = like->affinity;
        if (like->reset_on_fork) {
            // Linux's sched_fork: real-time becomes SCHED_OTHER, a raised
            // priority (negative nice) goes back to 0; the flag is not inherited.
            if (created.policy == SchedPolicy::Fifo || created.policy == SchedPolicy::RoundRobin) {
                created.policy = SchedPolicy::Normal;
                created.rt_priority = 0;
            }
            if (created.nice < 0) {
                created.nice = 0;
                created.weight = sched::policy::weight_of_nice(0);
            }
        }
    }
    ProcessThread* member = member_of(process, created);
    signals::thread_joined(process, *member); // signals issue: senders can find and wake it
    return member;
}

// The first exit_group (or fatal fault) of a process sets its status;
// the other threads leave at their next return to user mode, and those
// asleep are woken so their waits notice (current::interrupted()).
void ProcessManager::begin_group_exit(Process& process, int status)
{
    MutexLocker locker(process::lock());
    if (process.m_group_exiting.exchange(true, std::memory_order_acq_rel))
        return;
    process.m_group_exit_status = status;
    for (auto& member : process.m_threads) {
        if (member.thread != sched::current())
            sched::wake(member.thread);
    }
}

void ProcessManager::notify_parent(Process& process)
{
    Process* parent = process.m_parent;
    if (!parent)
        return;
    ++parent->m_child_events;
    parent->m_child_event.notify_all();
}

// The last thread has gone: what only a running program needs goes now,
// the PCB stays a zombie until reaped (C5). Under the process lock.
void ProcessManager::release_user_resources(Process& process)
{
    signals::process_exited(process); // signals issue: interval timers off
    file_locks::release_process(process); // POSIX record locks go with their process
    sysv::release_process_undo(process.pid()); // SEM_UNDO: the semaphores get back what it took
    process.m_fd_table = nullptr; // closes every descriptor not shared with another process
    process.m_fs_context = nullptr;
    // The exiting thread loaded the kernel's tables before it left
    // (process::exit_current_thread), so nothing runs on these any more.
    process.m_address_space = nullptr;
    process.m_address_space_root = 0;
    // A vfork parent waits for this: the child is gone.
    if (!process.m_vfork_released) {
        process.m_vfork_released = true;
        process.m_exited.notify_all();
    }
}

namespace current {

Process& process()
{
    Process* process = process::current();
    VERIFY(process && !process->is_kernel_process());
    return *process;
}

Thread& thread() { return *sched::current(); }

mm::AddressSpace& address_space()
{
    auto* space = process().address_space();
    VERIFY(space);
    return *space;
}

vfs::FdTable& fd_table()
{
    auto* table = process().fd_table();
    VERIFY(table);
    return *table;
}

vfs::FsContext& fs()
{
    auto* context = process().fs_context();
    VERIFY(context);
    return *context;
}

Credentials const& credentials() { return process().credentials(); }

vfs::Context vfs_context()
{
    auto& me = process();
    return vfs::Context { vfs::system_mounts(), me.fs_context()->root(), me.credentials(), me.fs_context()->umask() };
}

u64 limit(int resource) { return process().resource_limit(resource).current; }

bool interrupted()
{
    // Signals issue: also a signal pending and not blocked (proc/signals.h).
    Process* me = process::current();
    return me && (me->is_exiting() || signals::current_has_deliverable());
}

}

namespace process {

// Ends the calling user thread with `status` (wait-encoded) as the process's
// status if it is the last. Runs on the thread's own kernel stack.
[[noreturn]] void exit_user_thread(int status)
{
    Thread* me = sched::current();
    Process* process = process::current();
    VERIFY(process);
    // CLONE_CHILD_CLEARTID: zero the word and wake a joiner (pthread_join).
    {
        ProcessThread* member;
        {
            MutexLocker locker(lock());
            member = ProcessManager::member_of(*process, *me);
        }
        if (member && member->clear_child_tid && process->thread_count() > 1) {
            u32 zero = 0;
            if (!copy_to_user(member->clear_child_tid, &zero, sizeof(zero)).is_error())
                (void)futex_wake_address(member->clear_child_tid, 1);
        }
        if (member)
            signals::thread_leaving(*process, *member); // signals issue: off the signal lists
    }
    // A session leader's controlling terminal hangs up its session (the
    // terminal's job control; no lock held).
    bool last_of_leader;
    {
        MutexLocker locker(lock());
        last_of_leader = process->is_session_leader() && process->thread_count() == 1;
    }
    if (last_of_leader)
        hooks::session_leader_exiting(process->session());
    // Off the process's page tables before they may be freed: the kernel's
    // tables, and no root for the scheduler to reload.
    {
        InterruptsOff off;
        me->address_space_root = 0;
        load_root(mm::kernel_root());
    }
    exit_current_thread(status);
}

void exit_group(int status)
{
    Process* process = process::current();
    VERIFY(process);
    ProcessManager::begin_group_exit(*process, status);
    exit_user_thread(status);
}

}

namespace user_return {

void prepare(InterruptFrame& frame)
{
    // Signals issue: a group exit, stops, default actions, handler frames
    // and system-call restarts are all signals::deliver's (proc/signals.cpp).
    signals::deliver(frame);
}

}
