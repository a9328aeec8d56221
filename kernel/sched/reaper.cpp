// The reaper daemon "kreaper" (CONCEPTS C1: a kernel daemon, C5: the kernel
// frees an exited thread's resources): an exiting thread cannot free the
// kernel stack it is still running on, so exit_current() hands the zombie
// to this thread, which waits until the zombie's CPU has switched away from
// it, frees its kernel stack and FPU area, takes it off the thread list
// (Zombie -> Dead), lets proc/ drop its pointers (the reap hook), and frees
// the Thread.
//
// Lock order: s_zombie_lock, then the wait queue's lock (wait_queue.cpp).
#include <arch/x86_64/cpu.h>
#include <lib/log.h>
#include <lib/panic.h>
#include <sched/scheduler.h>
#include <sched/scheduler_internal.h>
#include <sched/wait_queue.h>

namespace sched {

namespace {

Spinlock s_zombie_lock { "zombie list" };
IntrusiveList<Thread, &Thread::wait_node> s_zombies; // linked through wait_node: a zombie waits on nothing
WaitQueue s_reaper_wait;
std::atomic<u64> s_reaped;
std::atomic<void (*)(Thread&)> s_reap_hook;

void reap(Thread& zombie)
{
    // Its CPU clears on_cpu in finish_switch, once it no longer runs on
    // that stack.
    while (__atomic_load_n(&zombie.on_cpu, __ATOMIC_ACQUIRE))
        cpu::pause();
    internal::release_resources(zombie);
    internal::remove_from_thread_list(zombie);
    {
        SpinlockLocker locker(zombie.lock);
        set_state(zombie, ThreadState::Dead);
    }
    if (auto hook = s_reap_hook.load(std::memory_order_acquire))
        hook(zombie);
    internal::destroy_thread(zombie);
    s_reaped.fetch_add(1, std::memory_order_release);
}

void reaper_main(void*)
{
    for (;;) {
        Thread* zombie;
        {
            SpinlockLocker locker(s_zombie_lock);
            while (s_zombies.is_empty())
                (void)s_reaper_wait.wait(locker);
            zombie = s_zombies.pop_front();
        }
        reap(*zombie);
    }
}

}

namespace internal {

void start_reaper()
{
    auto reaper = spawn_kernel_thread("kreaper", reaper_main, nullptr);
    if (reaper.is_error())
        panic("sched: cannot start the reaper daemon: %s", reaper.error().name());
}

void hand_to_reaper(Thread& zombie)
{
    {
        SpinlockLocker locker(s_zombie_lock);
        s_zombies.append(zombie);
    }
    s_reaper_wait.wake_one();
}

}

void set_reap_hook(void (*hook)(Thread&)) { s_reap_hook.store(hook, std::memory_order_release); }

u64 reaped_count() { return s_reaped.load(std::memory_order_acquire); }

}
