// Console input ring and echo; see console_input.h. Called with interrupts
// off (from IRQ handlers), so a single-producer ring needs no lock on one CPU.
#include <drivers/console_input.h>
#include <lib/log.h>

namespace console_input {

namespace {
constexpr size_t kSize = 256;
char s_ring[kSize];
volatile size_t s_head;
volatile size_t s_tail;
u64 s_received;
}

void receive(char c)
{
    ++s_received;
    if (c == 0x7F || c == '\b') {
        kputs("\b \b", 3); // erase on screen
    } else {
        kputs(&c, 1);
    }
    size_t next = (s_head + 1) % kSize;
    if (next != s_tail) { // drop when full rather than overwrite unread input
        s_ring[s_head] = c;
        s_head = next;
    }
}

bool read_char(char& out)
{
    if (s_tail == s_head)
        return false;
    out = s_ring[s_tail];
    s_tail = (s_tail + 1) % kSize;
    return true;
}

u64 received_count() { return s_received; }

}
