// Self-tests (booted with `test`) of the kernel's sleeping synchronisation
// (CONCEPTS E3): semaphores passing a token around a ring of threads with
// no lost wake-up, a mutex keeping a shared counter exact under contention,
// timeouts that never end early, a bounded buffer on condition variables,
// and the lock-order checker catching an A->B / B->A reversal.
//
// Also selftest_crash_sleep_in_spinlock(), the deliberate bug behind the
// guest test guest.panic_sleep_in_spinlock (kernel/selftest_crash.cpp
// dispatches `crash=sleep_in_spinlock` here).
//
// Test threads are plain kernel threads (sched::spawn_kernel_thread) whose
// state is static: a thread's last act is an up() on a "done" semaphore,
// and it touches nothing of the test after that.
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/percpu.h>
#include <lib/log.h>
#include <lib/panic.h>
#include <lib/selftest.h>
#include <lib/string.h>
#include <sched/clock.h>
#include <sched/condition_variable.h>
#include <sched/mutex.h>
#include <sched/scheduler.h>
#include <sched/semaphore.h>

namespace {

constexpr u64 kNsPerMs = 1000000;
// Long enough for a slow emulator, short enough that a lost wake-up shows
// as a failure instead of a hung run.
constexpr u64 kStallNs = 10000 * kNsPerMs;

bool spawn_all(const char* name, void (*entry)(void*), usize count)
{
    for (usize i = 0; i < count; ++i) {
        if (sched::spawn_kernel_thread(name, entry, reinterpret_cast<void*>(i)).is_error())
            return false;
    }
    return true;
}

// Waits for `count` threads to report on `done`; false on a stall.
bool wait_for(Semaphore& done, usize count, u64 deadline_ns)
{
    for (usize i = 0; i < count; ++i) {
        if (done.down_until(deadline_ns).is_error())
            return false;
    }
    return true;
}

// --- semaphore ring ---

constexpr usize kMaxRingThreads = 4;

struct Ring {
    usize size;
    u64 rounds;
    Semaphore turn[kMaxRingThreads];
    Semaphore done { 0, "ring done" };
    u64 passes[kMaxRingThreads];
    bool stalled;
    u64 started_ns;
    u64 finished_ns;
};
Ring* s_ring;

// Thread i waits for its turn and passes the token to thread i + 1; thread
// 0 starts every round and sees it end. A wake-up lost anywhere stops the
// token, and every thread then times out instead of the run hanging.
void ring_thread(void* argument)
{
    usize me = reinterpret_cast<usize>(argument);
    Ring& ring = *s_ring;
    usize next = (me + 1) % ring.size;
    for (u64 round = 0; round < ring.rounds; ++round) {
        if (ring.turn[me].down_until(ktime::monotonic_ns() + kStallNs).is_error()) {
            ring.stalled = true;
            break;
        }
        if (ring.stalled)
            break;
        ++ring.passes[me];
        if (me == 0 && round == 0)
            ring.started_ns = ktime::monotonic_ns();
        ring.turn[next].up();
    }
    if (me == 0)
        ring.finished_ns = ktime::monotonic_ns();
    // Let a neighbour that still waits see the stall at once.
    if (ring.stalled)
        ring.turn[next].up();
    ring.done.up();
}

struct RingResult {
    const char* failure; // null: every thread passed the token every round
    int error;           // the errno behind a failure to start a thread
    u64 round_ns;
};

// Runs a ring of `size` threads for `rounds` rounds, thread i pinned to
// CPU cpus[i].
RingResult run_ring(usize size, u64 rounds, u32 const* cpus)
{
    RingResult result { nullptr, 0, 0 };
    s_ring = new Ring();
    if (!s_ring)
        return { "no memory for the ring", ENOMEM, 0 };
    Ring& ring = *s_ring;
    ring.size = size;
    ring.rounds = rounds;
    for (usize i = 0; i < size; ++i) {
        auto thread = sched::create_kernel_thread("sem-ring", ring_thread, reinterpret_cast<void*>(i));
        if (thread.is_error())
            return { "cannot create a ring thread", thread.error().code(), 0 };
        auto pinned = sched::set_affinity(thread.value(), CpuMask(1) << cpus[i]);
        if (pinned.is_error())
            return { "cannot pin a ring thread", pinned.error().code(), 0 };
        sched::start(thread.value());
    }
    ring.turn[0].up();
    if (!wait_for(ring.done, size, ktime::monotonic_ns() + (size + 1) * kStallNs))
        return { "the ring threads never finished", 0, 0 }; // they may still use the ring: keep it
    if (ring.stalled)
        result.failure = "the token stopped: a wake-up was lost";
    for (usize i = 0; i < size; ++i) {
        if (ring.passes[i] != rounds)
            result.failure = "a thread missed rounds";
    }
    result.round_ns = (ring.finished_ns - ring.started_ns) / rounds;
    delete s_ring;
    s_ring = nullptr;
    return result;
}

#define EXPECT_RING(result)                                                                              \
    do {                                                                                                 \
        if ((result).failure) {                                                                          \
            selftest_fail(ctx, __FILE__, __LINE__, "%s (%s)", (result).failure, errno_name((result).error)); \
            return;                                                                                      \
        }                                                                                                \
    } while (0)

// --- mutex counter ---

constexpr usize kCounterThreads = 4;
constexpr u64 kIncrements = 20000;

struct Counter {
    Mutex lock { "selftest counter" };
    u64 value;
    Semaphore done { 0, "counter done" };
};
Counter* s_counter;

void counter_thread(void*)
{
    Counter& counter = *s_counter;
    for (u64 i = 0; i < kIncrements; ++i) {
        MutexLocker locker(counter.lock);
        // A read-modify-write with a gap: without the mutex, increments
        // from other CPUs (or a preemption in the gap) would be lost.
        u64 value = counter.value;
        cpu::pause();
        counter.value = value + 1;
        // Now and then give the CPU away while holding the mutex, so the
        // others find it taken and sleep: the blocking path, even on -smp 1.
        if (i % 512 == 0)
            sched::yield();
    }
    counter.done.up();
}

// --- bounded buffer ---

constexpr usize kBufferSlots = 4;

struct BoundedBuffer {
    Mutex lock { "selftest buffer" };
    ConditionVariable not_full { "buffer not full" };
    ConditionVariable not_empty { "buffer not empty" };
    u64 slots[kBufferSlots];
    usize head;
    usize count;
    bool failed;

    bool put(u64 item)
    {
        MutexLocker locker(lock);
        u64 deadline = ktime::monotonic_ns() + kStallNs;
        if (not_full.wait_until(locker, [this] { return count < kBufferSlots; }, deadline).is_error())
            return false;
        slots[(head + count) % kBufferSlots] = item;
        ++count;
        not_empty.notify_one();
        return true;
    }

    bool take(u64& item)
    {
        MutexLocker locker(lock);
        u64 deadline = ktime::monotonic_ns() + kStallNs;
        if (not_empty.wait_until(locker, [this] { return count > 0; }, deadline).is_error())
            return false;
        item = slots[head];
        head = (head + 1) % kBufferSlots;
        --count;
        not_full.notify_one();
        return true;
    }
};

constexpr usize kProducers = 2;
constexpr usize kConsumers = 2;
constexpr u64 kItemsPerProducer = 5000;
// Items are (producer << 32 | sequence), sequences from 1.
struct Transfer {
    BoundedBuffer buffer;
    Semaphore done { 0, "transfer done" };
    u64 received[kConsumers];
    u64 sum[kConsumers];
    u8 seen[kProducers][kItemsPerProducer + 1];
    bool out_of_order;
    bool duplicate;
    bool stalled;
};
Transfer* s_transfer;

void producer_thread(void* argument)
{
    u64 producer = reinterpret_cast<usize>(argument);
    for (u64 sequence = 1; sequence <= kItemsPerProducer; ++sequence) {
        if (!s_transfer->buffer.put(producer << 32 | sequence)) {
            s_transfer->stalled = true;
            break;
        }
    }
    s_transfer->done.up();
}

void consumer_thread(void* argument)
{
    usize consumer = reinterpret_cast<usize>(argument);
    Transfer& transfer = *s_transfer;
    u64 last_sequence[kProducers] = {};
    for (u64 i = 0; i < kProducers * kItemsPerProducer / kConsumers; ++i) {
        u64 item;
        if (!transfer.buffer.take(item)) {
            transfer.stalled = true;
            break;
        }
        u64 producer = item >> 32;
        u64 sequence = item & 0xffffffff;
        if (producer >= kProducers || sequence == 0 || sequence > kItemsPerProducer) {
            transfer.out_of_order = true;
            continue;
        }
        // The buffer is FIFO and each producer puts in order, so what one
        // consumer takes from one producer must rise.
        if (sequence <= last_sequence[producer])
            transfer.out_of_order = true;
        last_sequence[producer] = sequence;
        if (__atomic_fetch_add(&transfer.seen[producer][sequence], 1, __ATOMIC_RELAXED) != 0)
            transfer.duplicate = true;
        ++transfer.received[consumer];
        transfer.sum[consumer] += sequence;
    }
    transfer.done.up();
}

// --- a thread that holds a mutex for the try_lock test ---

struct Holder {
    Mutex lock { "selftest held" };
    Semaphore holding { 0, "holder holds" };
    Semaphore release { 0, "holder may release" };
    Semaphore done { 0, "holder done" };
};
Holder* s_holder;

void holder_thread(void*)
{
    Holder& holder = *s_holder;
    holder.lock.lock();
    holder.holding.up();
    holder.release.down();
    holder.lock.unlock();
    holder.done.up();
}

template<typename T>
T* make_static()
{
    // Test state lives in the heap, not on the test's stack: the threads
    // reach it through a static pointer for their whole life.
    return new T();
}

}

// The 100,000 rounds of ping-pong run with both threads on one CPU: every
// hand-off is a real sleep and wake-up, and the count stays affordable
// under an emulator. The cross-CPU ring is shorter because each of its
// hand-offs waits for an inter-processor interrupt to reach a halted
// (emulated, host-scheduled) CPU.
KERNEL_TEST(semaphore_ring_passes_the_token_without_a_lost_wake_up)
{
    constexpr u64 kPingPongRounds = 100000;
    constexpr u64 kCrossCpuRounds = 1000;
    u32 here = this_cpu().id;
    u32 same_cpu[2] = { here, here };
    RingResult ping_pong = run_ring(2, kPingPongRounds, same_cpu);
    EXPECT_RING(ping_pong);
    log_info("sync: semaphore ping-pong, 2 threads on CPU %u: %lu rounds, round trip %lu ns (2 x down + up + "
             "wake-up + switch)",
        here, static_cast<unsigned long>(kPingPongRounds), static_cast<unsigned long>(ping_pong.round_ns));

    u32 online = sched::online_cpu_count();
    if (online < 2)
        return;
    u32 spread[kMaxRingThreads];
    usize size = 0;
    for (u32 cpu = 0; cpu < kMaxCpus && size < kMaxRingThreads; ++cpu) {
        if (sched::online_cpus() & (CpuMask(1) << cpu))
            spread[size++] = cpu;
    }
    RingResult across = run_ring(size, kCrossCpuRounds, spread);
    EXPECT_RING(across);
    log_info("sync: semaphore ring across %zu CPUs: %lu rounds, %lu ns per round, %lu ns per cross-CPU hand-off",
        size, static_cast<unsigned long>(kCrossCpuRounds), static_cast<unsigned long>(across.round_ns),
        static_cast<unsigned long>(across.round_ns / size));
}

KERNEL_TEST(mutex_keeps_a_shared_counter_exact_under_contention)
{
    s_counter = make_static<Counter>();
    EXPECT(s_counter);
    Counter& counter = *s_counter;
    EXPECT(spawn_all("mutex-count", counter_thread, kCounterThreads));
    EXPECT(wait_for(counter.done, kCounterThreads, ktime::monotonic_ns() + 60 * kStallNs));
    EXPECT_EQ(counter.value, kCounterThreads * kIncrements);
    EXPECT(!counter.lock.is_locked());
    // The yields inside the critical section made others sleep on it.
    EXPECT(counter.lock.contended_count() > 0);
    log_info("sync: %zu threads x %lu increments under one mutex: exact, %lu contended lock()s",
        kCounterThreads, static_cast<unsigned long>(kIncrements), static_cast<unsigned long>(counter.lock.contended_count()));
    delete s_counter;
    s_counter = nullptr;
}

KERNEL_TEST(mutex_try_lock_fails_while_another_thread_holds_it)
{
    s_holder = make_static<Holder>();
    EXPECT(s_holder);
    Holder& holder = *s_holder;
    EXPECT(!sched::spawn_kernel_thread("mutex-holder", holder_thread, nullptr).is_error());
    EXPECT(!holder.holding.down_timeout(kStallNs).is_error());
    EXPECT(holder.lock.is_locked());
    EXPECT(!holder.lock.is_locked_by_current_thread());
    EXPECT(!holder.lock.try_lock());
    holder.release.up();
    EXPECT(!holder.done.down_timeout(kStallNs).is_error());
    EXPECT(holder.lock.try_lock());
    EXPECT(holder.lock.is_locked_by_current_thread());
    holder.lock.unlock();
    delete s_holder;
    s_holder = nullptr;

    MutexProtected<u64> protected_value { "selftest protected", 41u };
    u64 seen = protected_value.with([](u64& value) { return ++value; });
    EXPECT_EQ(seen, 42u);
    EXPECT(!protected_value.mutex().is_locked());
}

KERNEL_TEST(semaphore_down_times_out_no_earlier_than_the_deadline)
{
    Semaphore empty { 0, "selftest empty" };
    for (u64 wait_ms : { 1, 20 }) {
        u64 deadline = ktime::monotonic_ns() + wait_ms * kNsPerMs;
        auto result = empty.down_until(deadline);
        u64 now = ktime::monotonic_ns();
        EXPECT(result.is_error());
        EXPECT_EQ(result.error().code(), ETIMEDOUT);
        EXPECT(now >= deadline);
        log_info("sync: semaphore down with a %lu ms timeout returned ETIMEDOUT %lu us after the deadline",
            static_cast<unsigned long>(wait_ms), static_cast<unsigned long>((now - deadline) / 1000));
    }
    EXPECT(!empty.try_down());
    empty.up();
    EXPECT_EQ(empty.count(), 1u);
    EXPECT(!empty.down_timeout(kNsPerMs).is_error()); // a unit is there: no wait
    EXPECT(!empty.try_down());
    empty.up();
    EXPECT(empty.try_down());
}

KERNEL_TEST(condition_variable_bounded_buffer_transfers_every_item_once_in_order)
{
    s_transfer = make_static<Transfer>();
    EXPECT(s_transfer);
    Transfer& transfer = *s_transfer;
    for (usize i = 0; i < kConsumers; ++i)
        EXPECT(!sched::spawn_kernel_thread("cv-consumer", consumer_thread, reinterpret_cast<void*>(i)).is_error());
    for (usize i = 0; i < kProducers; ++i)
        EXPECT(!sched::spawn_kernel_thread("cv-producer", producer_thread, reinterpret_cast<void*>(i)).is_error());
    EXPECT(wait_for(transfer.done, kProducers + kConsumers, ktime::monotonic_ns() + 60 * kStallNs));
    EXPECT(!transfer.stalled);
    EXPECT(!transfer.out_of_order);
    EXPECT(!transfer.duplicate);
    u64 received = 0;
    u64 sum = 0;
    for (usize i = 0; i < kConsumers; ++i) {
        received += transfer.received[i];
        sum += transfer.sum[i];
    }
    EXPECT_EQ(received, kProducers * kItemsPerProducer);
    EXPECT_EQ(sum, kProducers * kItemsPerProducer * (kItemsPerProducer + 1) / 2);
    for (usize p = 0; p < kProducers; ++p) {
        for (u64 s = 1; s <= kItemsPerProducer; ++s)
            EXPECT_EQ(transfer.seen[p][s], 1u);
    }
    EXPECT_EQ(transfer.buffer.count, 0u);
    delete s_transfer;
    s_transfer = nullptr;
}

KERNEL_TEST(condition_variable_wait_times_out_and_holds_the_mutex_again)
{
    Mutex lock { "selftest cv timeout" };
    ConditionVariable never { "selftest never" };
    MutexLocker locker(lock);
    u64 deadline = ktime::monotonic_ns() + 5 * kNsPerMs;
    auto result = never.wait(locker, deadline);
    EXPECT(ktime::monotonic_ns() >= deadline);
    EXPECT(result.is_error());
    EXPECT_EQ(result.error().code(), ETIMEDOUT);
    EXPECT(lock.is_locked_by_current_thread());
    EXPECT_EQ(never.notify_all(), 0u);
}

KERNEL_TEST(lock_order_checker_reports_an_a_b_reversal)
{
    if (!lock_order::kEnabled) {
        log_info("sync: lock-order checking is compiled out of this (release) build");
        return;
    }
    // Lock classes go by name, so these may live on the stack.
    Mutex a { "selftest order A" };
    Mutex b { "selftest order B" };
    Mutex c { "selftest order C" };
    {
        MutexLocker hold_a(a);
        EXPECT(!b.check_order()); // nothing recorded against A -> B
        MutexLocker hold_b(b);    // records A -> B
    }
    {
        MutexLocker hold_a(a);
        EXPECT(!b.check_order()); // the same order again is fine
    }
    {
        MutexLocker hold_b(b);
        auto violation = a.check_order(); // B -> A reverses A -> B
        EXPECT(violation);
        EXPECT(strcmp(violation.held, "selftest order B") == 0);
        EXPECT(strcmp(violation.acquiring, "selftest order A") == 0);
        EXPECT(!violation.through_chain);
    }
    {
        MutexLocker hold_b(b);
        MutexLocker hold_c(c); // records B -> C, so A -> B -> C
    }
    {
        MutexLocker hold_c(c);
        auto violation = a.check_order(); // C -> A closes the cycle through B
        EXPECT(violation);
        EXPECT(strcmp(violation.held, "selftest order C") == 0);
        EXPECT(violation.through_chain);
    }
    EXPECT(lock_order::classes_in_use() >= 3);
}

// crash=sleep_in_spinlock: a real bug, committed on purpose. Sleeping with
// a spinlock held would let another thread on this CPU spin forever on it
// (interrupts are off, so nothing would ever switch back); the scheduler
// must refuse with a panic that says so.
[[noreturn, gnu::noinline]] void selftest_crash_sleep_in_spinlock()
{
    static Spinlock s_held { "selftest crash spinlock" };
    SpinlockLocker locker(s_held);
    log_notice("selftest: sleeping 1 ms while holding spinlock \"%s\"", s_held.name());
    sched::sleep_ns(kNsPerMs);
    panic("selftest_crash_sleep_in_spinlock: the scheduler let a thread sleep with a spinlock held");
}
