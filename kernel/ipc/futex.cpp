// Futex queues (futex.h). A fixed hash table of buckets, each a spinlock and
// a list of waiters; each waiter sleeps on its own wait queue, so a WAKE
// wakes exactly the threads it picks (no thundering herd) and the bucket
// lock is what makes "check the word, then sleep" atomic against WAKE.
#include <arch/x86_64/spinlock.h>
#include <atomic>
#include <ipc/futex.h>
#include <lib/intrusive_list.h>
#include <mm/address_space.h>
#include <proc/current.h>
#include <proc/user_return.h>
#include <sched/scheduler.h>
#include <sched/wait_queue.h>
#include <syscall/uaccess.h>

extern "C" i64 user_cmpxchg_u32(u32* address, u32 expected, u32 desired);

namespace futex {

namespace {

struct Key {
    void const* space; // the address space of a private futex; null for a shared one
    u64 address;       // virtual (private) or physical (shared)
    // A shared futex in private memory: keyed by space and address like a
    // private one, yet distinct from it (Linux's FUT_OFF_MMSHARED), so a
    // private WAKE does not wake a shared waiter on the same word.
    bool shared_in_private_memory { false };
    bool operator==(Key const& other) const
    {
        return space == other.space && address == other.address
            && shared_in_private_memory == other.shared_in_private_memory;
    }
};

struct Bucket;

// A sleeping thread. `bucket` and the list membership change under the
// bucket locks (REQUEUE moves a waiter to another bucket); `woken` is set
// under the bucket lock and the waiter's own lock, which is what the
// waiter sleeps with, so a wake-up can never slip between its check and
// its sleep, whichever bucket it is in by then.
struct Waiter {
    Key key;
    u32 bitset;
    bool woken { false };
    std::atomic<Bucket*> bucket { nullptr };
    Spinlock lock { "futex waiter" };
    WaitQueue queue;
    IntrusiveListNode node;
};

struct Bucket {
    Spinlock lock { "futex bucket" };
    IntrusiveList<Waiter, &Waiter::node> waiters;
};

constexpr usize kBucketCount = 256;
Bucket s_buckets[kBucketCount];

Bucket& bucket_for(Key const& key)
{
    u64 hash = key.address ^ reinterpret_cast<u64>(key.space);
    hash ^= hash >> 29;
    hash *= 0xbf58476d1ce4e5b9ull;
    hash ^= hash >> 32;
    return s_buckets[hash % kBucketCount];
}

ErrorOr<u32> read_word(VirtAddr address)
{
    u32 value;
    TRY(copy_from_user(&value, address, sizeof(value)));
    return value;
}

// The key of the word at `address`; faults the page in first (a shared
// key needs the physical page).
ErrorOr<Key> key_for(VirtAddr address, bool is_private)
{
    if (address % 4)
        return Error::from_errno(EINVAL);
    TRY(read_word(address));
    auto& space = current::address_space();
    if (is_private)
        return Key { &space, address };
    // Only a word in a shared mapping (MAP_SHARED of a file or of
    // anonymous memory, /dev/shm, System V shm) can be met from another
    // address space, and only there is the physical page stable: it is the
    // object's own page, never copied. A private page may be replaced by a
    // copy-on-write break between a WAIT and its WAKE, so a shared futex in
    // private memory is keyed like a private one (as Linux keys it by mm
    // and address).
    SpinlockLocker locker(space.lock());
    mm::Vma* area = space.areas().find(address);
    if (!area)
        return Error::from_errno(EFAULT);
    if (!area->is_shared())
        return Key { &space, address, true };
    locker.unlock();
    auto physical = space.translate(address);
    if (physical.is_error())
        return Error::from_errno(EFAULT);
    return Key { nullptr, physical.value() };
}

// Wakes up to `count` waiters with `key` (and a bitset meeting `bitset`)
// of a locked bucket.
usize wake_locked(Bucket& bucket, Key const& key, usize count, u32 bitset)
{
    usize woken = 0;
    for (auto it = bucket.waiters.begin(); it != bucket.waiters.end() && woken < count;) {
        Waiter& waiter = *it;
        ++it;
        if (!(waiter.key == key) || !(waiter.bitset & bitset))
            continue;
        bucket.waiters.remove(waiter);
        SpinlockLocker waiter_locker(waiter.lock);
        waiter.woken = true;
        waiter.queue.wake_one();
        ++woken;
    }
    return woken;
}

// Both buckets locked, in address order (no deadlock between two requeues).
struct TwoBuckets {
    TwoBuckets(Bucket& a, Bucket& b)
        : first(&a < &b ? a : b)
        , second(&a < &b ? b : a)
        , first_locker(first.lock)
    {
        if (&first != &second)
            second_flags = second.lock.lock();
    }
    ~TwoBuckets()
    {
        if (&first != &second)
            second.lock.unlock(second_flags);
    }
    Bucket& first;
    Bucket& second;
    SpinlockLocker first_locker;
    u64 second_flags { 0 };
};

}

ErrorOr<void> wait(VirtAddr address, u32 expected, bool is_private, u64 deadline_ns, u32 bitset)
{
    if (bitset == 0)
        return Error::from_errno(EINVAL);
    Key key = TRY(key_for(address, is_private));
    Bucket& bucket = bucket_for(key);
    Waiter waiter;
    waiter.key = key;
    waiter.bitset = bitset;
    SpinlockLocker locker(bucket.lock);
    // Under the bucket lock: a WAKE after the user's own check of the word
    // either comes before this read (and we see the new value) or after we
    // are queued (and wakes us).
    auto value = read_word(address);
    if (value.is_error())
        return value.error();
    if (value.value() != expected)
        return Error::from_errno(EAGAIN);
    bucket.waiters.append(waiter);
    waiter.bucket.store(&bucket, std::memory_order_release);
    ErrorOr<void> result {};
    {
        SpinlockLocker waiter_locker(waiter.lock);
        locker.unlock(); // bucket before waiter, never the other way
        while (!waiter.woken) {
            if (current::interrupted()) {
                result = Error::from_errno(EINTR);
                break;
            }
            auto waited = waiter.queue.wait(waiter_locker, deadline_ns);
            if (waited.is_error() && !waiter.woken) {
                result = waited.error(); // ETIMEDOUT
                break;
            }
        }
        if (waiter.woken)
            return {};
    }
    // Timed out or interrupted: leave whichever bucket holds us now, unless
    // a wake-up got there first (then it counts, as on Linux).
    for (;;) {
        Bucket* current_bucket = waiter.bucket.load(std::memory_order_acquire);
        SpinlockLocker bucket_locker(current_bucket->lock);
        if (waiter.bucket.load(std::memory_order_acquire) != current_bucket)
            continue; // requeued meanwhile
        if (waiter.woken)
            return {};
        current_bucket->waiters.remove(waiter);
        return result;
    }
}

ErrorOr<usize> wake(VirtAddr address, usize count, bool is_private, u32 bitset)
{
    if (bitset == 0)
        return Error::from_errno(EINVAL);
    Key key = TRY(key_for(address, is_private));
    Bucket& bucket = bucket_for(key);
    SpinlockLocker locker(bucket.lock);
    return wake_locked(bucket, key, count, bitset);
}

ErrorOr<usize> requeue(VirtAddr address, usize wake_count, VirtAddr target, usize requeue_count, bool is_private,
    bool check, u32 expected)
{
    Key from = TRY(key_for(address, is_private));
    Key to = TRY(key_for(target, is_private));
    Bucket& from_bucket = bucket_for(from);
    Bucket& to_bucket = bucket_for(to);
    TwoBuckets locked(from_bucket, to_bucket);
    if (check) {
        auto value = read_word(address);
        if (value.is_error())
            return value.error();
        if (value.value() != expected)
            return Error::from_errno(EAGAIN);
    }
    usize woken = wake_locked(from_bucket, from, wake_count, kBitsetMatchAny);
    usize moved = 0;
    for (auto it = from_bucket.waiters.begin(); it != from_bucket.waiters.end() && moved < requeue_count;) {
        Waiter& waiter = *it;
        ++it;
        if (!(waiter.key == from))
            continue;
        from_bucket.waiters.remove(waiter);
        waiter.key = to;
        to_bucket.waiters.append(waiter);
        waiter.bucket.store(&to_bucket, std::memory_order_release);
        ++moved;
    }
    return woken + moved; // Linux counts both, for REQUEUE too (the man page says woken only)
}

ErrorOr<usize> wake_op(VirtAddr address, usize count, VirtAddr target, usize count2, u32 encoded_op, bool is_private)
{
    // FUTEX_OP encoding: op (4 bits, bit 3 = operand is a shift count),
    // cmp (4 bits), oparg (12 bits, signed), cmparg (12 bits, signed).
    u32 op = (encoded_op >> 28) & 0xf;
    u32 cmp = (encoded_op >> 24) & 0xf;
    i32 oparg = static_cast<i32>(encoded_op << 8) >> 20;
    i32 cmparg = static_cast<i32>(encoded_op << 20) >> 20;
    if (op & 8) {
        if (oparg < 0 || oparg > 31)
            return Error::from_errno(EINVAL);
        oparg = 1 << oparg;
        op &= 7;
    }
    if (op > 4 || cmp > 5)
        return Error::from_errno(ENOSYS);
    Key first = TRY(key_for(address, is_private));
    Key second = TRY(key_for(target, is_private));
    Bucket& first_bucket = bucket_for(first);
    Bucket& second_bucket = bucket_for(second);
    TwoBuckets locked(first_bucket, second_bucket);
    // The atomic read-modify-write of the second word.
    auto old = read_word(target);
    if (old.is_error())
        return old.error();
    u32 previous = old.value();
    for (;;) {
        u32 updated = 0;
        switch (op) {
        case 0: updated = static_cast<u32>(oparg); break;            // SET
        case 1: updated = previous + static_cast<u32>(oparg); break; // ADD
        case 2: updated = previous | static_cast<u32>(oparg); break; // OR
        case 3: updated = previous & ~static_cast<u32>(oparg); break; // ANDN
        case 4: updated = previous ^ static_cast<u32>(oparg); break; // XOR
        }
        i64 seen = user_cmpxchg_u32(reinterpret_cast<u32*>(target), previous, updated);
        if (seen < 0)
            return Error::from_errno(EFAULT);
        if (static_cast<u32>(seen) == previous)
            break;
        previous = static_cast<u32>(seen);
    }
    usize woken = wake_locked(first_bucket, first, count, kBitsetMatchAny);
    i32 value = static_cast<i32>(previous);
    bool met = false;
    switch (cmp) {
    case 0: met = value == cmparg; break;
    case 1: met = value != cmparg; break;
    case 2: met = value < cmparg; break;
    case 3: met = value <= cmparg; break;
    case 4: met = value > cmparg; break;
    case 5: met = value >= cmparg; break;
    }
    if (met)
        woken += wake_locked(second_bucket, second, count2, kBitsetMatchAny);
    return woken;
}

}

usize futex_wake_address(VirtAddr address, usize count)
{
    auto woken = futex::wake(address, count, false);
    if (woken.is_error())
        return 0;
    return woken.value();
}
