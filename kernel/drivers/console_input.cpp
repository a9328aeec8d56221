// Console input ring and echo; see console_input.h. receive() runs in the
// serial and keyboard IRQ handlers (on whichever CPU the I/O APIC delivers
// them to) and read_char() on any CPU, so the ring is guarded by a spinlock.
// The echo is written after the lock is dropped (the log has its own lock).
#include <arch/x86_64/spinlock.h>
#include <drivers/console_input.h>
#include <lib/log.h>
#include <sched/wait_queue.h>

namespace console_input {

namespace {
constexpr size_t kSize = 256;
Spinlock s_lock { "console input" };
char s_ring[kSize];
size_t s_head;
size_t s_tail;
u64 s_received;
WaitQueue s_readers; // wait_char() sleeps here until receive() adds a byte
Receiver s_receiver;  // under s_lock
}

void receive(char c)
{
    Receiver receiver;
    {
        SpinlockLocker locker(s_lock);
        ++s_received;
        receiver = s_receiver;
        size_t next = (s_head + 1) % kSize;
        if (!receiver && next != s_tail) { // drop when full rather than overwrite unread input
            s_ring[s_head] = c;
            s_head = next;
            // Under s_lock: a reader checks the ring and sleeps with it held.
            s_readers.wake_one();
        }
    }
    if (receiver) {
        receiver(c); // the terminal echoes, as its termios says
        return;
    }
    if (c == 0x7F || c == '\b') {
        kputs("\b \b", 3); // erase on screen
    } else {
        kputs(&c, 1);
    }
}

bool read_char(char& out)
{
    SpinlockLocker locker(s_lock);
    if (s_tail == s_head)
        return false;
    out = s_ring[s_tail];
    s_tail = (s_tail + 1) % kSize;
    return true;
}

char wait_char()
{
    SpinlockLocker locker(s_lock);
    (void)s_readers.wait_until(locker, [] { return s_tail != s_head; });
    char c = s_ring[s_tail];
    s_tail = (s_tail + 1) % kSize;
    return c;
}

void set_receiver(Receiver receiver)
{
    {
        SpinlockLocker locker(s_lock);
        s_receiver = receiver;
    }
    // Type-ahead: what was typed before the receiver existed is its input
    // too (already echoed once, by receive() above).
    char c;
    while (read_char(c))
        receiver(c);
}

u64 received_count()
{
    SpinlockLocker locker(s_lock);
    return s_received;
}

}
