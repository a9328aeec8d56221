// ProcessManager: the friend of Process that does everything needing its
// private fields. Its functions live in the files of their subject:
// process.cpp (the list, kernel processes, exit, reaping, adoption of
// sched/'s threads), user_process.cpp (user threads and init), fork.cpp,
// exec.cpp, wait.cpp. Private to kernel/proc.
#pragma once

#include <arch/x86_64/interrupts.h>
#include <proc/process.h>

struct CloneRequest;

struct ProcessManager {
    using List = IntrusiveList<Process, &Process::m_list_node>;
    using ChildList = IntrusiveList<Process, &Process::m_sibling_node>;

    static Process* make(const char* name, pid_t pid, Process* parent);
    static void set_state(Process&, ProcessState);
    static void link(Process&);
    static ErrorOr<Thread*> add_thread_locked(Process&, const char* name, void (*entry)(void*), void* argument);
    static void thread_left(Process&, ProcessThread&, int status, Process::Times const& final_times);
    static void become_zombie(Process&, int status);
    static void reparent_children(Process&);
    static void reap(Process&);
    static void destroy(Process*);
    static ErrorOr<void> sync(ThreadSnapshots&);
    static void thread_reaped(Thread&);
    static ErrorOr<void> adopt(ThreadSnapshots const&);
    static void for_each(void (*callback)(Process&, ThreadSnapshots const&, void*), void* context);
    static Process* find_locked(pid_t);
    static ErrorOr<Process*> create_kernel(const char* name, void (*entry)(void*), void* argument);
    static void exit_thread(Thread& me, int status);

    // user_process.cpp
    // A thread of `process` that starts in user mode with `frame` (its rax,
    // rsp... already set), running with the address space of `process`.
    // Not started: the caller calls sched::start() once it is linked.
    // `pid_for_thread`: the TID the scheduler gave it (out).
    static ErrorOr<ProcessThread*> create_user_thread(Process&, InterruptFrame const& frame, u64 fs_base, Thread const* like);
    static void release_user_resources(Process&);
    static ProcessThread* member_of(Process&, Thread&);
    static void notify_parent(Process&);
    static void begin_group_exit(Process&, int status);

    // process_groups.cpp
    static ErrorOr<long> set_process_group(pid_t pid, pid_t pgid);
    static ErrorOr<long> create_session();
    static ErrorOr<long> process_group_of(pid_t pid, bool session);
    static bool group_will_be_orphaned_locked(pid_t pgid, Process const* ignored);
    static bool group_has_stopped_member_locked(pid_t pgid);
    static void signal_group_locked(pid_t pgid, int signal);
    static void hang_up_if_orphaned_locked(Process& member, Process* parent);
    static List& process_list(); // process.cpp; under the process lock

    // init_process.cpp
    static ErrorOr<void> start_init();

    // fork.cpp
    static ErrorOr<long> clone(InterruptFrame& frame, CloneRequest const& request);
    // exec.cpp
    static void exec_replace(Process&, Thread&, RefPtr<mm::AddressSpace>, KString command_line, KString path, const char* name,
        Process::UserRange environment);
    // wait.cpp
    static ErrorOr<bool> reap_one(Process& parent, Process& child, int options, int* status, pid_t* pid);
    static u64 child_events(Process&);
    static ErrorOr<void> wait_child_event(Process&, MutexLocker&, u64 seen);
};
